"""Building the selection side in tests: submitted applications, officers, reviewers, reviews."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.applications import services as application_services
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import (
    AccessRole,
    Application,
    ApplicationAccess,
    ApplicationStructure,
    Eligibility,
)
from coopess.calls.models import Call
from coopess.selection import services
from coopess.selection.models import ReviewerAssignment
from tests.applications.helpers import complete_application
from tests.factories import add_totp, make_user


def officer_of(call: Call) -> User:
    """An officer of the call's DLA operator, enrolled in TOTP."""
    user = make_user(Role.OFFICER, organisation=call.operator)
    add_totp(user)
    return user


def reviewer(**fields) -> User:
    user = make_user(Role.REVIEWER, **fields)
    add_totp(user)
    return user


def quick_application(
    call: Call,
    seed: int,
    *,
    name: str | None = None,
    title: str | None = None,
    departements: tuple[str, ...] = ("44",),
    status: str = ApplicationStatus.UNDER_REVIEW,
    eligibility: str = Eligibility.ELIGIBLE,
    score: str | None = None,
    kind: str = "unaffiliated",
    stage=None,
    submitted_at: dt.datetime | None = None,
    lead: User | None = None,
) -> Application:
    """A submitted application written straight to the database (fast; for tables and rankings).

    One structure per entry of ``departements``, the first one leading.
    """
    name = name or f"Structure {seed:03d}"
    lead = lead or make_user(Role.APPLICANT)
    application = Application.objects.create(
        call=call,
        created_by=lead,
        status=status,
        kind=kind,
        project_title=title or f"Projet commun {seed:03d}",
        receipt_number=f"COOP-2026-{seed:04d}",
        submitted_at=submitted_at or timezone.now() - dt.timedelta(minutes=seed),
        lead_name=name,
        structure_count=len(departements),
        eligibility=eligibility,
        average_score=Decimal(score) if score is not None else None,
        maturity_stage=stage,
    )
    for position, departement in enumerate(departements):
        structure = ApplicationStructure.objects.create(
            application=application,
            position=position,
            is_lead=position == 0,
            name=name if position == 0 else f"{name} — partenaire {position}",
            departement=departement,
            employees=3,
            legal_form="association",
        )
        if position == 0:
            ApplicationAccess.objects.create(
                application=application, user=lead, structure=structure, role=AccessRole.LEAD
            )
    application_services.refresh_search_text(application.pk)
    application.refresh_from_db()
    return application


def submitted_application(call: Call, *, lead: User | None = None, partners: int = 0):
    """A real application (sections, documents, representatives) submitted and screened.

    The receipt task is not run (it renders a PDF): screening is applied directly.
    """
    application = complete_application(call, lead=lead, partners=partners)
    application_services.application_submit(application=application, by=application.created_by)
    services.application_screen(application=application)
    application.refresh_from_db()
    return application


def under_review(call: Call, *, by: User, **kwargs) -> Application:
    application = submitted_application(call, **kwargs)
    services.review_start(application=application, by=by)
    application.refresh_from_db()
    return application


def full_marks(call: Call, value: int | None = None, comment: str = "") -> dict:
    """Scores for every criterion of the call's grid (``value`` defaults to each scale's max)."""
    return {c.pk: (c.scale_max if value is None else value, comment) for c in call.criteria.all()}


def scored(application: Application, *, by: User, marks: dict, comment: str = ""):
    """Assign a new reviewer, declare no conflict, submit ``marks``; returns the assignment."""
    member = reviewer()
    assignment = services.reviewer_assign(application=application, reviewer=member, by=by)
    services.conflict_declare(assignment=assignment, has_conflict=False)
    return services.review_submit(
        assignment=ReviewerAssignment.objects.get(pk=assignment.pk),
        scores=marks,
        overall_comment=comment,
    )
