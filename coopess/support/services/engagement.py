"""The per-call bounds and a cohort's consultancy: firm, consultants, brief, budget, half-days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from coopess.calls.models import Call, MilestoneKind
from coopess.common.mail import queue_email_message
from coopess.diagnostic.models import SynthesisStatus
from coopess.selection.models import Cohort, CohortStatus
from coopess.support.models import Engagement, SessionStatus, SupportSettings
from coopess.support.services import SupportError

TRIGGER = "sessions_within_planned_half_days"


class HalfDaysOutOfBounds(SupportError):
    def __init__(self, settings_: SupportSettings):
        super().__init__(
            "Le nombre de demi-journées prévues doit être compris entre "
            f"{settings_.min_half_days} et {settings_.max_half_days} pour cet appel."
        )


class FewerHalfDaysThanSessions(SupportError):
    def __init__(self, live: int):
        super().__init__(
            f"{live} séance{'s' if live > 1 else ''} déjà prévue{'s' if live > 1 else ''} ou "
            f"tenue{'s' if live > 1 else ''} : le nombre de demi-journées ne peut pas être "
            "inférieur. Annulez d'abord une séance prévue."
        )


# --- Per-call bounds -------------------------------------------------------------------------


def support_settings_for(call: Call) -> SupportSettings:
    """The call's bounds, created on first use: 3 to 4 half-days and, as the period, the
    call's « accompagnement » milestone when its calendar has one."""
    existing = SupportSettings.objects.filter(call=call).first()
    if existing is not None:
        return existing
    milestone = (
        call.milestones.filter(kind=MilestoneKind.SUPPORT, starts_on__isnull=False)
        .order_by("position", "pk")
        .first()
    )
    starts_on = milestone.starts_on if milestone else None
    ends_on = (milestone.ends_on or milestone.starts_on) if milestone else None
    settings_, _ = SupportSettings.objects.get_or_create(
        call=call, defaults={"period_starts_on": starts_on, "period_ends_on": ends_on}
    )
    return settings_


@transaction.atomic
def support_settings_update(
    *,
    call: Call,
    by: User,
    min_half_days: int,
    max_half_days: int,
    period_starts_on: dt.date | None,
    period_ends_on: dt.date | None,
) -> SupportSettings:
    if min_half_days < 1 or max_half_days < min_half_days:
        raise SupportError(
            "Le minimum vaut au moins 1 et le maximum doit être au moins égal au minimum."
        )
    if period_starts_on and period_ends_on and period_ends_on < period_starts_on:
        raise SupportError("La période d'accompagnement se termine avant de commencer.")
    settings_ = support_settings_for(call)
    settings_.min_half_days = min_half_days
    settings_.max_half_days = max_half_days
    settings_.period_starts_on = period_starts_on
    settings_.period_ends_on = period_ends_on
    settings_.save()
    return settings_


# --- The engagement --------------------------------------------------------------------------


def brief_prefill(cohort: Cohort) -> str:
    """The « what the support will work on » section of the validated synthesis, if any."""
    version = cohort.syntheses.filter(status=SynthesisStatus.VALIDATED).first()
    if version is None:
        return ""
    section = version.sections.filter(key="support").first()
    return section.body if section else ""


def _check_firm(firm: Organisation) -> None:
    if firm.kind != OrganisationKind.CONSULTING_FIRM:
        raise SupportError("Choisissez un cabinet de conseil.")


@transaction.atomic
def engagement_save(
    *,
    cohort: Cohort,
    by: User,
    firm: Organisation,
    brief: str,
    budget: Decimal,
    planned_half_days: int,
    starts_on: dt.date,
    ends_on: dt.date,
) -> Engagement:
    """Record (or change) the cohort's consultancy, within the call's bounds."""
    cohort = Cohort.objects.select_for_update(of=("self",)).get(pk=cohort.pk)
    if cohort.status == CohortStatus.CLOSED:
        raise SupportError("La cohorte est terminée : la prestation ne peut plus changer.")
    _check_firm(firm)
    bounds = support_settings_for(cohort.call)
    if not bounds.min_half_days <= planned_half_days <= bounds.max_half_days:
        raise HalfDaysOutOfBounds(bounds)
    if ends_on < starts_on:
        raise SupportError("La période de la prestation se termine avant de commencer.")
    within = not (bounds.period_starts_on and bounds.period_ends_on) or (
        bounds.period_starts_on <= starts_on and ends_on <= bounds.period_ends_on
    )
    if not within:
        raise SupportError(
            "La période de la prestation doit tenir dans la période d'accompagnement de "
            f"l'appel (du {bounds.period_starts_on:%d/%m/%Y} au "
            f"{bounds.period_ends_on:%d/%m/%Y})."
        )
    if budget < 0:
        raise SupportError("Le budget ne peut pas être négatif.")
    engagement = Engagement.objects.select_for_update(of=("self",)).filter(cohort=cohort).first()
    if engagement is not None:
        live = engagement.sessions.exclude(status=SessionStatus.CANCELLED).count()
        if live > planned_half_days:
            raise FewerHalfDaysThanSessions(live)
        outside = engagement.sessions.exclude(status=SessionStatus.CANCELLED).exclude(
            starts_at__date__gte=starts_on, starts_at__date__lte=ends_on
        )
        if outside.exists():
            raise SupportError(
                "Des séances prévues ou tenues sortiraient de cette période : changez-les ou "
                "annulez-les d'abord."
            )
        if engagement.firm_id != firm.pk and engagement.consultants.exists():
            raise SupportError(
                "Retirez d'abord les consultant·es du cabinet actuel avant de changer de cabinet."
            )
    else:
        engagement = Engagement(cohort=cohort, created_by=by)
    engagement.firm = firm
    engagement.brief = brief
    engagement.budget = budget
    engagement.planned_half_days = planned_half_days
    engagement.min_half_days = bounds.min_half_days
    engagement.max_half_days = bounds.max_half_days
    engagement.starts_on = starts_on
    engagement.ends_on = ends_on
    engagement.updated_at = timezone.now()
    try:
        with transaction.atomic():
            engagement.save()
    except IntegrityError as error:
        if TRIGGER in str(error):
            raise FewerHalfDaysThanSessions(planned_half_days + 1) from error
        raise
    return engagement


@transaction.atomic
def consultant_add(
    *, engagement: Engagement, by: User, email: str, first_name: str = "", last_name: str = ""
) -> User:
    """Give a person the consultant role for the engagement's firm and access to this cohort
    only (the cohorts a consultant sees are those whose engagement names them)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise SupportError("Indiquez l'adresse électronique du ou de la consultant·e.")
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, first_name=first_name, last_name=last_name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if engagement.consultants.filter(pk=user.pk).exists():
        raise SupportError(f"{user} intervient déjà sur cette prestation.")
    if engagement.cohort.members.filter(application__accesses__user=user).exists():
        raise SupportError(
            "Cette personne représente une structure de la cohorte : elle ne peut pas en être "
            "consultant·e."
        )
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.CONSULTANT, organisation=engagement.firm
    )
    engagement.consultants.add(user)
    link = settings.COOPESS_BASE_URL + reverse(
        "support:cohort", kwargs={"cohort_id": engagement.cohort_id}
    )
    body = render_to_string(
        "support/email/consultant_added.txt",
        {
            "engagement": engagement,
            "cohort": engagement.cohort,
            "user": user,
            "link": link,
            "by": by,
        },
    )
    queue_email_message(
        EmailMessage(
            subject=f"[CoopESS] Accompagnement collectif : {engagement.cohort.name}",
            body=body,
            to=[user.email],
        )
    )
    return user


@transaction.atomic
def consultant_remove(*, engagement: Engagement, user: User, by: User) -> None:
    """Withdraw a consultant from the engagement; the role goes when no engagement of the same
    firm names them any more."""
    engagement.consultants.remove(user)
    still_engaged = Engagement.objects.filter(firm=engagement.firm, consultants=user).exists()
    if not still_engaged:
        RoleAssignment.objects.filter(
            user=user, role=Role.CONSULTANT, organisation=engagement.firm
        ).delete()
