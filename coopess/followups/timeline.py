"""The follow-ups on the cohort timeline and in calendar feeds (a source registered with
``coopess.notifications.registry`` by ``FollowupsConfig.ready``).

- officers: one day event per follow-up date of the cohort, with how many have answered;
- representatives: the follow-ups of their own structures only (the questionnaire link once
  it was sent);
- consultants: nothing (they see nothing of the follow-ups).
"""

from __future__ import annotations

from django.urls import reverse

from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.notifications.registry import Event, Lane, Seen, audiences_by_cohort


def followup_events(seen: Seen) -> list[Event]:
    audiences = audiences_by_cohort(seen, consultants=False)
    if not audiences:
        return []
    followups = FollowUp.objects.filter(cohort_id__in=audiences).select_related("structure")
    by_cohort: dict[int, list] = {}
    for followup in followups.order_by("due_on", "pk"):
        by_cohort.setdefault(followup.cohort_id, []).append(followup)
    events = []
    for cohort_id, group in by_cohort.items():
        audience = audiences[cohort_id]
        if audience.is_officer:
            events += _officer_events(cohort_id, group)
        elif audience.is_representative:
            events += [
                _representative_event(followup)
                for followup in group
                if followup.structure_id in audience.structure_ids
            ]
    return events


def _officer_events(cohort_id: int, followups: list) -> list[Event]:
    """One day event per follow-up date of the cohort, with how many have answered."""
    by_date: dict = {}
    for followup in followups:
        by_date.setdefault((followup.due_on, followup.offset_months), []).append(followup)
    events = []
    for (due_on, offset), group in sorted(by_date.items()):
        answered = sum(f.status == FollowUpStatus.ANSWERED for f in group)
        events.append(
            Event(
                uid=f"followups-{cohort_id}-{offset}@coopess",
                lane=Lane.FOLLOWUPS,
                title=f"{group[0].label} ({answered} réponse{'s' if answered > 1 else ''} sur {len(group)})",
                starts=due_on,
                link=reverse("followups:cohort", args=[cohort_id]),
            )
        )
    return events


def _representative_event(followup):
    sent = followup.status != FollowUpStatus.SCHEDULED
    return Event(
        uid=f"followup-{followup.pk}@coopess",
        lane=Lane.FOLLOWUPS,
        title=f"{followup.label} — {followup.structure.name}",
        starts=followup.due_on,
        link=reverse("followups:answer", args=[followup.token]) if sent else "",
    )
