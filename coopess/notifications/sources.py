"""The built-in event sources: the call's calendar, the diagnostic and the collective support.

Each returns the events of some cohorts, each as its audience may see it, in one query
whatever the number of cohorts (see ``registry``).
"""

from __future__ import annotations

from django.urls import reverse

from coopess.calls.calendar import milestone_span
from coopess.calls.models import Call
from coopess.notifications.registry import (
    Audience,
    Event,
    Lane,
    Seen,
    audiences_by_cohort,
    register_cohort_events,
)


def _place(meeting) -> str:
    parts = [meeting.address, meeting.link]
    return " — ".join(p for p in parts if p)


def _structure_link(audience: Audience, name: str) -> str:
    structure_id = min(audience.structure_ids) if audience.structure_ids else None
    if structure_id is None:
        return ""
    return reverse(name, kwargs={"structure_id": structure_id})


def call_events(call: Call) -> list[Event]:
    """The published calendar of a call (one event per line, a day or a period)."""
    events = []
    for milestone in call.milestones.all():
        first, last = milestone_span(call, milestone)
        events.append(
            Event(
                uid=f"milestone-{milestone.pk}",
                lane=Lane.CALL,
                title=milestone.label,
                starts=first,
                ends=last if last != first else None,
            )
        )
    return events


def interview_events(seen: Seen) -> list[Event]:
    """Booked interviews: every one for the officer, a representative's own structures' only,
    none for a consultant (the diagnostic interviews are the DLA's)."""
    from coopess.diagnostic.models import Interview

    audiences = audiences_by_cohort(seen, consultants=False)
    if not audiences:
        return []
    interviews = Interview.objects.filter(
        cohort_id__in=audiences, structure__isnull=False
    ).select_related("structure")
    events = []
    for interview in interviews:
        audience = audiences[interview.cohort_id]
        if audience.is_representative and interview.structure_id not in audience.structure_ids:
            continue
        if audience.is_officer:
            link = reverse("diagnostic:interviews", kwargs={"cohort_id": interview.cohort_id})
        else:
            link = reverse("diagnostic:structure", kwargs={"structure_id": interview.structure_id})
        events.append(
            Event(
                uid=f"interview-{interview.uid}",
                lane=Lane.INTERVIEWS,
                title=f"Entretien de diagnostic — {interview.structure.name}",
                starts=interview.starts_at,
                ends=interview.ends_at,
                link=link,
                location=_place(interview),
                in_feed=True,
                cancelled=interview.status == "cancelled",
                sequence=interview.sequence,
            )
        )
    return events


def _cohort_link(audience: Audience, cohort_id: int, officer: str, representative: str) -> str:
    """The page of the cohort for the team, of their structure for a representative."""
    if audience.is_officer:
        return reverse(officer, kwargs={"cohort_id": cohort_id})
    if audience.is_representative:
        return _structure_link(audience, representative)
    return ""


def workshop_events(seen: Seen) -> list[Event]:
    from coopess.diagnostic.models import Workshop

    audiences = audiences_by_cohort(seen)
    return [
        Event(
            uid=f"workshop-{workshop.uid}",
            lane=Lane.WORKSHOP,
            title=workshop.title,
            starts=workshop.starts_at,
            ends=workshop.ends_at,
            link=_cohort_link(
                audiences[workshop.cohort_id],
                workshop.cohort_id,
                "diagnostic:workshop",
                "diagnostic:structure_workshop",
            ),
            location=_place(workshop),
            in_feed=True,
            cancelled=workshop.status == "cancelled",
            sequence=workshop.sequence,
        )
        for workshop in Workshop.objects.filter(cohort_id__in=audiences)
    ]


def synthesis_events(seen: Seen) -> list[Event]:
    from coopess.calls.calendar import local_date
    from coopess.diagnostic.models import SynthesisVersion

    audiences = audiences_by_cohort(seen)
    events = []
    versions = SynthesisVersion.objects.filter(cohort_id__in=audiences).exclude(
        circulated_at__isnull=True
    )
    for version in versions:
        link = _cohort_link(
            audiences[version.cohort_id],
            version.cohort_id,
            "diagnostic:synthesis",
            "diagnostic:structure",
        )
        events.append(
            Event(
                uid=f"synthesis-{version.pk}-circulated",
                lane=Lane.SYNTHESIS,
                title=f"Synthèse (version {version.number}) diffusée pour relecture",
                starts=local_date(version.circulated_at),
                link=link,
            )
        )
        if version.validated_at:
            events.append(
                Event(
                    uid=f"synthesis-{version.pk}-validated",
                    lane=Lane.SYNTHESIS,
                    title=f"Synthèse (version {version.number}) validée par toutes les structures",
                    starts=local_date(version.validated_at),
                    link=link,
                )
            )
    return events


def session_events(seen: Seen) -> list[Event]:
    """Support half-days: all for the team, the collective ones and their own structures'
    individual ones for a representative."""
    from coopess.support.models import Session, SessionKind

    audiences = audiences_by_cohort(seen)
    sessions = Session.objects.filter(cohort_id__in=audiences).select_related("structure")
    events = []
    for session in sessions:
        audience = audiences[session.cohort_id]
        if audience.is_representative:
            if (
                session.kind != SessionKind.COLLECTIVE
                and session.structure_id not in audience.structure_ids
            ):
                continue
            link = _structure_link(audience, "support:structure")
        else:
            link = reverse(
                "support:session",
                kwargs={"cohort_id": session.cohort_id, "session_id": session.pk},
            )
        title = session.title
        if session.structure_id:
            title = f"{title} — {session.structure.name}"
        events.append(
            Event(
                uid=f"session-{session.uid}",
                lane=Lane.SESSIONS,
                title=title,
                starts=session.starts_at,
                ends=session.ends_at,
                link=link,
                location=_place(session),
                in_feed=True,
                cancelled=session.status == "cancelled",
                sequence=session.sequence,
            )
        )
    return events


register_cohort_events("interviews", interview_events)
register_cohort_events("workshops", workshop_events)
register_cohort_events("synthesis", synthesis_events)
register_cohort_events("sessions", session_events)
