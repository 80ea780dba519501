"""Who reaches what of a consultation: the officers of the cohort's DLA see and write
everything; a consulted provider reaches only its own consultation and proposal, signed in with
the account that accepted its invitation (the emailed token only opens the invitation); anything
else answers 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from coopess.accounts.models import Role, User
from coopess.competition.models import CommitteeMember, Consultation, ConsultedProvider, Provider
from coopess.diagnostic import permissions as diagnostic_permissions


def officer_operators(user: User) -> list[int]:
    return [o.pk for o in user.organisations_for(Role.OFFICER)]


def require_officer(user: User) -> None:
    if not officer_operators(user):
        raise Http404


def officer_providers(user: User) -> QuerySet[Provider]:
    return Provider.objects.filter(operator_id__in=officer_operators(user))


def officer_consultation(user: User, cohort_id: int) -> Consultation | None:
    """The consultation of a cohort of the officer's DLA (None when not started), else 404."""
    cohort = diagnostic_permissions.officer_cohort(user, cohort_id)
    return Consultation.objects.filter(cohort=cohort).select_related("cohort__call").first()


def consulted_by_token(token: str) -> ConsultedProvider:
    """The invitation behind this secret link (sent only once consulting began)."""
    return get_object_or_404(
        ConsultedProvider.objects.select_related(
            "provider", "consultation__cohort__call__operator"
        ).filter(invited_at__isnull=False),
        token=token,
    )


def provider_consultations(user: User) -> QuerySet[ConsultedProvider]:
    """The invitations this account accepted: its consultations, and no one else's."""
    if not user.is_authenticated:
        return ConsultedProvider.objects.none()
    return ConsultedProvider.objects.filter(user=user, invited_at__isnull=False).select_related(
        "provider",
        "sent_version",
        "consultation__cohort__call__operator",
    )


def provider_consulted(user: User, consulted_id: int) -> ConsultedProvider:
    """One of the account's own consultations, else 404."""
    return get_object_or_404(provider_consultations(user), pk=consulted_id)


def committee_assignments(user: User) -> QuerySet[CommitteeMember]:
    """The consultations this comité d'appui member is assigned to, in a DLA where they still
    hold the reviewer role, when the consultation has the comité mark."""
    operators = [o.pk for o in user.organisations_for(Role.REVIEWER)]
    return CommitteeMember.objects.filter(
        member=user,
        consultation__committee_scores=True,
        consultation__cohort__call__operator_id__in=operators,
    ).select_related("consultation__cohort__call")


def committee_assignment(user: User, consultation_id: int) -> CommitteeMember:
    """The member's assignment to this consultation; unassigned or another DLA's: 404."""
    if not user.has_role(Role.REVIEWER):
        raise Http404
    return get_object_or_404(committee_assignments(user), consultation_id=consultation_id)
