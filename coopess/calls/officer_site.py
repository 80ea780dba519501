"""« Gestion des appels »: where officers set up their DLA's calls without code — the text, the
calendar, the cap, the call's own questions and the documents it asks for.

A second admin site, separate from the Django admin (administrators only): an officer sees and
edits the calls of the DLA operators they work for, nothing else.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
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


# --- inlines of later steps ----------------------------------------------------------------------
# The call's page also edits what later steps configure per call (selection: eligibility rules,
# scoring grid, letter templates; diagnostic: interview guide, self-diagnostic questions). This
# app never imports them: each later step defines its inlines (on PartInline / TabularPartInline)
# in its own officer_site.py and registers them from its AppConfig.ready.

CALL_INLINES: list[type[InlineModelAdmin]] = [
    SectionInline,
    StageInline,
    TargetInline,
    StepInline,
    MilestoneInline,
    QuestionInline,
    DocumentInline,
]


def register_call_inlines(*inlines: type[InlineModelAdmin]) -> None:
    """Add a later step's inlines to the call's page (both « Gestion des appels » and the Django
    admin's), after those already there (once, however often the module is imported)."""
    for inline in inlines:
        names = [f"{i.__module__}.{i.__qualname__}" for i in CALL_INLINES]
        if f"{inline.__module__}.{inline.__qualname__}" not in names:
            CALL_INLINES.append(inline)


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
    inlines = CALL_INLINES  # later steps add theirs: register_call_inlines

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
