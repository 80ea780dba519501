"""Who sees what of the follow-ups.

- The officers of the call's DLA see and fill every follow-up of their cohorts (404 otherwise).
- A person acting for a structure (``ApplicationAccess``) answers that structure's follow-ups,
  reached through the emailed link: the token identifies the follow-up, the person must be
  signed in and act for its structure, and the follow-up must have been sent. Anyone else —
  another structure of the same cohort included — gets 404.
- Consultants, reviewers and funders see nothing of the follow-ups (funders get aggregates
  through reporting).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from coopess.accounts.models import User
from coopess.applications.models import ApplicationAccess
from coopess.diagnostic.permissions import officer_cohort
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.selection.models import Cohort


def officer_followup(user: User, cohort_id: int, followup_id: int) -> tuple[Cohort, FollowUp]:
    cohort = officer_cohort(user, cohort_id)
    followup = get_object_or_404(
        FollowUp.objects.select_related("structure", "cohort", "cohort__call"),
        cohort=cohort,
        pk=followup_id,
    )
    return cohort, followup


def structure_followups(user: User) -> QuerySet[FollowUp]:
    """Follow-ups sent to the structures ``user`` acts for."""
    structure_ids = ApplicationAccess.objects.filter(user=user).values("structure_id")
    return (
        FollowUp.objects.filter(structure_id__in=structure_ids)
        .exclude(status=FollowUpStatus.SCHEDULED)
        .select_related("structure", "cohort", "cohort__call")
    )


def represented_followup(user: User, token: str) -> FollowUp:
    return get_object_or_404(structure_followups(user), token=token)
