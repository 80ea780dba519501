"""Who sees what of a cohort's collective support.

- An officer sees the cohorts of their DLA (``diagnostic.permissions.officer_cohorts``) and
  keeps the directory of support actors of their DLA.
- A consultant sees only the cohorts whose engagement names them: sessions, attendance,
  deliverables and the action plan — never selection, interviews or referrals.
- A representative sees the collective sessions of their cohort, their own structure's individual
  sessions, attendance and deliverables of those, and their structure's referrals.
Anything else answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from coopess.accounts.models import Role, User
from coopess.applications.models import ApplicationStructure
from coopess.diagnostic import permissions as diagnostic_permissions
from coopess.selection.models import Cohort
from coopess.support.models import Deliverable, Referral, Session, SessionKind, SupportActor


@dataclass(frozen=True)
class StaffAccess:
    """A cohort reached by a member of the team, and in which capacity."""

    cohort: Cohort
    is_officer: bool

    @property
    def is_consultant(self) -> bool:
        return not self.is_officer


def consultant_cohorts(user: User) -> QuerySet[Cohort]:
    if not user.has_role(Role.CONSULTANT):
        return Cohort.objects.none()
    return Cohort.objects.filter(engagement__consultants=user).select_related(
        "call", "call__operator"
    )


def staff_cohort(user: User, cohort_id: int) -> StaffAccess:
    """The cohort for its officers or its engaged consultants, else 404."""
    cohort = diagnostic_permissions.officer_cohorts(user).filter(pk=cohort_id).first()
    if cohort is not None:
        return StaffAccess(cohort=cohort, is_officer=True)
    cohort = consultant_cohorts(user).filter(pk=cohort_id).first()
    if cohort is not None:
        return StaffAccess(cohort=cohort, is_officer=False)
    raise Http404


def officer_cohort(user: User, cohort_id: int) -> Cohort:
    return diagnostic_permissions.officer_cohort(user, cohort_id)


def can_record_session(access: StaffAccess) -> bool:
    """Officers and the engaged consultants record what happened in a session."""
    return True


def can_manage_engagement(access: StaffAccess) -> bool:
    return access.is_officer


def officer_actors(user: User) -> QuerySet[SupportActor]:
    operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
    return SupportActor.objects.filter(operator_id__in=operators)


def require_officer(user: User) -> None:
    if not user.organisations_for(Role.OFFICER):
        raise Http404


# --- Representatives -------------------------------------------------------------------------


def structure_sessions(structure: ApplicationStructure, cohort: Cohort) -> QuerySet[Session]:
    """The sessions a structure sees: the cohort's collective ones and its own individual ones."""
    return Session.objects.filter(cohort=cohort).filter(
        Q(kind=SessionKind.COLLECTIVE) | Q(structure=structure)
    )


def structure_deliverable(
    structure: ApplicationStructure, cohort: Cohort, public_id
) -> Deliverable:
    deliverable = (
        Deliverable.objects.filter(
            public_id=public_id, session__in=structure_sessions(structure, cohort)
        )
        .select_related("session")
        .first()
    )
    if deliverable is None or not deliverable.file:  # no file: anonymised (retention)
        raise Http404
    return deliverable


def structure_referrals(structure: ApplicationStructure) -> QuerySet[Referral]:
    return structure.referrals.select_related("actor", "action_item")
