"""« Gestion des appels »: where officers set up their DLA's calls without code — the text, the
calendar, the cap, the call's own questions and the documents it asks for.

A second admin site, separate from the Django admin (administrators only): an officer sees and
edits the calls of the DLA operators they work for, nothing else.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse

from coopess.accounts.models import Organisation, OrganisationKind, Role
from coopess.calls.models import (
    Call,
    CallDocument,
    CallMilestone,
    CallQuestion,
    CallSection,
    CallTarget,
    MaturityStage,
    SupportStep,
)
from coopess.diagnostic.models import InterviewGuideItem, SelfDiagnosticQuestion
from coopess.diagnostic.services.selfdiag import choices_problem, feeds_problem
from coopess.selection.models import EligibilityRule, LetterTemplate, ScoringCriterion
from coopess.selection.services import SelectionError, check_letter_template


def _is_officer(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_active and user.has_role(Role.OFFICER)


class OfficerSite(admin.AdminSite):
    site_header = "Gestion des appels"
    site_title = "Gestion des appels — CoopESS"
    index_title = "Vos appels à manifestations d'intérêt"
    site_url = "/espace/"
    enable_nav_sidebar = False

    def has_permission(self, request) -> bool:
        return _is_officer(request)

    @login_not_required
    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(
            request.GET.get("next", reverse("gestion:index")), login_url=reverse("account_login")
        )


officer_site = OfficerSite(name="gestion")


def _may_configure(request) -> bool:
    """Officers (on « Gestion des appels ») and administrators (on the Django admin)."""
    return _is_officer(request) or request.user.is_staff


class OfficerPermissions:
    """Everything on what the queryset shows (each site decides who gets in)."""

    def has_module_permission(self, request) -> bool:
        return _may_configure(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_configure(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return _may_configure(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _may_configure(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_configure(request)


class PartInline(OfficerPermissions, admin.StackedInline):
    extra = 0


class TabularPartInline(OfficerPermissions, admin.TabularInline):
    extra = 0


class SectionInline(PartInline):
    model = CallSection
    fields = ["position", "heading", "body", "block", "body_after"]


class StageInline(TabularPartInline):
    model = MaturityStage


class TargetInline(TabularPartInline):
    model = CallTarget


class StepInline(PartInline):
    model = SupportStep


class MilestoneInline(TabularPartInline):
    model = CallMilestone


class QuestionInline(PartInline):
    model = CallQuestion
    fk_name = "call"
    fields = [
        "position",
        "label",
        "help_text",
        "kind",
        "required",
        "choices",
        "show_if_question",
        "show_if_value",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "show_if_question":
            call_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = CallQuestion.objects.filter(call_id=call_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DocumentInline(TabularPartInline):
    model = CallDocument


class LetterTemplateForm(forms.ModelForm):
    """A decision letter's template, refused when it reads a variable CoopESS does not give."""

    class Meta:
        model = LetterTemplate
        fields = ["outcome", "subject", "body"]

    def clean(self):
        data = super().clean()
        try:
            check_letter_template(f"{data.get('subject', '')}\n{data.get('body', '')}")
        except SelectionError as error:
            raise forms.ValidationError(error.message) from None
        return data


class RuleInline(TabularPartInline):
    model = EligibilityRule


class CriterionInline(TabularPartInline):
    model = ScoringCriterion


class LetterInline(PartInline):
    model = LetterTemplate
    form = LetterTemplateForm


class InterviewGuideInline(TabularPartInline):
    """The headings the officer fills during each interview of the diagnostic."""

    model = InterviewGuideItem


class SelfDiagnosticQuestionForm(forms.ModelForm):
    """A self-diagnostic question: its choices suit its kind, and it feeds only what its kind
    can say (a « oui / non » for a flag of the decision aid, the domain grid for the map)."""

    class Meta:
        model = SelfDiagnosticQuestion
        fields = ["position", "code", "label", "help_text", "kind", "choices", "required", "feeds"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind:
            problem = choices_problem(kind=kind, choices=data.get("choices"))
            if problem:
                self.add_error("choices", problem)
            problem = feeds_problem(kind=kind, feeds=data.get("feeds") or "")
            if problem:
                self.add_error("feeds", problem)
        return data


class SelfDiagnosticInline(PartInline):
    """The questions of the cooperation self-diagnostic (diagnostic partagé)."""

    model = SelfDiagnosticQuestion
    form = SelfDiagnosticQuestionForm


@admin.register(Call, site=officer_site)
class OfficerCallAdmin(OfficerPermissions, admin.ModelAdmin):
    list_display = ["title", "edition", "opens_at", "closes_at", "max_structures", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "edition"]
    prepopulated_fields = {"slug": ["title", "edition"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            "L'appel",
            {
                "fields": [
                    "operator",
                    "title",
                    "subtitle",
                    "edition",
                    "slug",
                    "theme",
                    "summary",
                    "funders",
                    "is_published",
                ]
            },
        ),
        (
            "Calendrier (heure de Paris)",
            {"fields": ["opens_at", "closes_at", "follow_up_months", "follow_up_offsets"]},
        ),
        ("Cadre", {"fields": ["max_structures", "region_code", "eligible_departements"]}),
        ("Contact", {"fields": ["contact_name", "contact_role", "contact_email", "contact_phone"]}),
        ("Candidatures", {"fields": ["receipt_prefix", "max_file_mb", "max_total_mb"]}),
        (
            "Données personnelles (durées de conservation)",
            {"fields": ["retention_not_retained_months", "retention_accompanied_months"]},
        ),
    ]
    inlines = [
        SectionInline,
        StageInline,
        TargetInline,
        StepInline,
        MilestoneInline,
        QuestionInline,
        DocumentInline,
        RuleInline,
        CriterionInline,
        LetterInline,
        InterviewGuideInline,
        SelfDiagnosticInline,
    ]

    def get_queryset(self, request):
        return Call.objects.managed_by(request.user)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "funders":
            kwargs["queryset"] = Organisation.objects.filter(kind=OrganisationKind.FUNDER)
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "operator":
            operators = [o.pk for o in request.user.organisations_for(Role.OFFICER)]
            kwargs["queryset"] = Organisation.objects.filter(pk__in=operators)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
