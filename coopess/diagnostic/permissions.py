"""Who sees what of a cohort's diagnostic.

- An officer sees the cohorts of the calls of the DLA operators they work for.
- A representative sees the cohorts their structures belong to, acts for their own structure only
  (booking, self-diagnostic, synthesis review) and never sees interview notes.
Anything else answers 404 (the lookups below raise ``Http404``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from coopess.accounts.models import Role, User
from coopess.applications.models import ApplicationAccess, ApplicationStructure
from coopess.selection.models import Cohort


def officer_cohorts(user: User) -> QuerySet[Cohort]:
    operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
    return Cohort.objects.filter(call__operator_id__in=operators).select_related(
        "call", "call__operator"
    )


def officer_cohort(user: User, pk: int) -> Cohort:
    """The cohort ``pk`` if ``user`` is one of its officers, else 404."""
    return get_object_or_404(officer_cohorts(user), pk=pk)


def cohort_structures(cohort: Cohort) -> QuerySet[ApplicationStructure]:
    """The structures a cohort accompanies (every confirmed structure of its applications)."""
    return (
        ApplicationStructure.objects.filter(application__cohort_membership__cohort=cohort)
        .select_related("application")
        .order_by("application__cohort_membership__added_at", "application_id", "position", "pk")
    )


def represented_structures(user: User) -> QuerySet[ApplicationStructure]:
    """Structures of a cohort that ``user`` represents (their access is tied to the structure)."""
    structure_ids = ApplicationAccess.objects.filter(user=user).values("structure_id")
    return ApplicationStructure.objects.filter(
        pk__in=structure_ids, application__cohort_membership__isnull=False
    ).select_related("application", "application__cohort_membership__cohort")


def represented_structure(user: User, structure_id: int) -> ApplicationStructure:
    """A cohort structure ``user`` represents, else 404."""
    return get_object_or_404(represented_structures(user), pk=structure_id)


def structure_cohort(structure: ApplicationStructure) -> Cohort:
    membership = getattr(structure.application, "cohort_membership", None)
    if membership is None:
        raise Http404
    return membership.cohort


def can_manage_cohort(user: User, cohort: Cohort) -> bool:
    return officer_cohorts(user).filter(pk=cohort.pk).exists()


def can_act_for_structure(user: User, structure: ApplicationStructure) -> bool:
    return ApplicationAccess.objects.filter(user=user, structure=structure).exists()


def structure_recipients(structure: ApplicationStructure) -> list[str]:
    """Who hears about a structure's diagnostic: its two declared representatives and every
    account that acts for it, each address once."""
    emails = [r.email for r in structure.representatives.all() if r.email]
    emails += list(
        ApplicationAccess.objects.filter(structure=structure).values_list("user__email", flat=True)
    )
    seen: dict[str, None] = {}
    for email in emails:
        seen.setdefault(email.strip().lower(), None)
    return [email for email in seen if email]
