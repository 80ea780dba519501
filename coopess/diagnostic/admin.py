"""The diagnostic in the Django admin (administrators). Officers work on their own pages; the
interview guide is edited with the call in « Gestion des appels » (``diagnostic/officer_site.py``,
plugged into ``calls/officer_site.py``).
Other features append their registrations below."""

from django.contrib import admin
from django.db import models

from coopess.diagnostic.models import Diagnostic, Interview, InterviewNote

# --- Interviews ----------------------------------------------------------------------------


@admin.register(Diagnostic)
class DiagnosticAdmin(admin.ModelAdmin):
    list_display = ["cohort", "booking_deadline", "interview_minutes", "started_at"]
    list_select_related = ["cohort"]
    readonly_fields = ["started_at", "started_by"]


class InterviewNoteInline(admin.StackedInline):
    model = InterviewNote
    extra = 0


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    """Booking, moving and cancelling go through the officer's pages (invitations are sent
    there); the admin is for looking and for repairs."""

    list_display = ["starts_at", "ends_at", "cohort", "officer", "structure", "status", "mode"]
    list_filter = ["status", "mode", "cohort"]
    list_select_related = ["cohort", "officer", "structure"]
    search_fields = ["structure__name", "officer__email"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["officer", "structure", "booked_by"]
    readonly_fields = ["uid", "sequence", "booked_at", "reminder_sent_at", "held_at", "created_at"]
    filter_horizontal = ["attended"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [InterviewNoteInline]


# --- Synthesis -------------------------------------------------------------------------------
# Read only: versions move through their services (``services/synthesis.py``), which log each
# transition and freeze the validated PDF; a change here would bypass both.

from coopess.diagnostic.models import (  # noqa: E402
    SynthesisReview,
    SynthesisSection,
    SynthesisTransition,
    SynthesisVersion,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SynthesisSectionInline(_ReadOnlyInline):
    model = SynthesisSection
    fields = ["position", "key", "title", "body"]


class SynthesisReviewInline(_ReadOnlyInline):
    model = SynthesisReview
    fields = ["structure", "verdict", "comment", "by", "at"]


class SynthesisTransitionInline(_ReadOnlyInline):
    model = SynthesisTransition
    fields = ["from_status", "to_status", "by", "at", "comment"]


@admin.register(SynthesisVersion)
class SynthesisVersionAdmin(admin.ModelAdmin):
    list_display = ["cohort", "number", "status", "created_at", "circulated_at", "validated_at"]
    list_filter = ["status"]
    list_select_related = ["cohort"]
    search_fields = ["cohort__name"]
    inlines = [SynthesisSectionInline, SynthesisReviewInline, SynthesisTransitionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Self-diagnostic, workshop, action plan --------------------------------------------------
# For looking and for repairs: answers are sent by the structures, the workshop is scheduled on
# the officer's pages (which send the invitations); a change here sends nothing.

from coopess.diagnostic.models import ActionItem, SelfDiagnostic, Workshop  # noqa: E402


@admin.register(SelfDiagnostic)
class SelfDiagnosticAdmin(admin.ModelAdmin):
    list_display = ["structure", "cohort", "submitted_at", "updated_at"]
    list_select_related = ["structure", "cohort"]
    list_filter = ["cohort"]
    search_fields = ["structure__name"]
    raw_id_fields = ["structure", "updated_by"]
    readonly_fields = ["updated_at"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["position", "action", "owner", "due_date", "status"]

    def has_add_permission(self, request, obj=None):
        return False  # an action belongs to a cohort: add it on the officer's page


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "cohort", "status", "mode"]
    list_select_related = ["cohort"]
    list_filter = ["status", "mode"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["organiser"]
    readonly_fields = ["uid", "sequence", "reminder_sent_at", "created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ActionItemInline]
