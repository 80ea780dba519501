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


def followup_events(cohort, audience) -> list:
    from coopess.notifications.registry import Event, Lane

    if audience.is_consultant:
        return []
    followups = list(
        FollowUp.objects.filter(cohort=cohort).select_related("structure").order_by("due_on", "pk")
    )
    events = []
    if audience.is_officer:
        by_date: dict = {}
        for followup in followups:
            by_date.setdefault((followup.due_on, followup.offset_months), []).append(followup)
        for (due_on, offset), group in sorted(by_date.items()):
            answered = sum(f.status == FollowUpStatus.ANSWERED for f in group)
            label = group[0].label
            events.append(
                Event(
                    uid=f"followups-{cohort.pk}-{offset}@coopess",
                    lane=Lane.FOLLOWUPS,
                    title=f"{label} ({answered} réponse{'s' if answered > 1 else ''} sur {len(group)})",
                    starts=due_on,
                    link=reverse("followups:cohort", args=[cohort.pk]),
                )
            )
        return events
    if audience.is_representative:
        for followup in followups:
            if followup.structure_id not in audience.structure_ids:
                continue
            sent = followup.status != FollowUpStatus.SCHEDULED
            events.append(
                Event(
                    uid=f"followup-{followup.pk}@coopess",
                    lane=Lane.FOLLOWUPS,
                    title=f"{followup.label} — {followup.structure.name}",
                    starts=followup.due_on,
                    link=reverse("followups:answer", args=[followup.token]) if sent else "",
                )
            )
    return events
