"""The built-in event sources: the call's calendar, the diagnostic and the collective support.

Each returns the events of one cohort as one audience may see them (see ``registry``).
"""

from __future__ import annotations

from django.urls import reverse

from coopess.calls.calendar import milestone_span
from coopess.calls.models import Call
from coopess.notifications.registry import Audience, Event, Lane, register_cohort_events
from coopess.selection.models import Cohort


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


def interview_events(cohort: Cohort, audience: Audience) -> list[Event]:
    """Booked interviews: every one for the officer, a representative's own structures' only,
    none for a consultant (the diagnostic interviews are the DLA's)."""
    from coopess.diagnostic.models import Interview

    if audience.is_consultant:
        return []
    interviews = Interview.objects.filter(cohort=cohort, structure__isnull=False).select_related(
        "structure"
    )
    if audience.is_representative:
        interviews = interviews.filter(structure_id__in=audience.structure_ids)
    events = []
    for interview in interviews:
        if audience.is_officer:
            link = reverse("diagnostic:interviews", kwargs={"cohort_id": cohort.pk})
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


def workshop_events(cohort: Cohort, audience: Audience) -> list[Event]:
    from coopess.diagnostic.models import Workshop

    if audience.is_officer:
        link = reverse("diagnostic:workshop", kwargs={"cohort_id": cohort.pk})
    elif audience.is_representative:
        link = _structure_link(audience, "diagnostic:structure_workshop")
    else:
        link = ""
    return [
        Event(
            uid=f"workshop-{workshop.uid}",
            lane=Lane.WORKSHOP,
            title=workshop.title,
            starts=workshop.starts_at,
            ends=workshop.ends_at,
            link=link,
            location=_place(workshop),
            in_feed=True,
            cancelled=workshop.status == "cancelled",
            sequence=workshop.sequence,
        )
        for workshop in Workshop.objects.filter(cohort=cohort)
    ]


def synthesis_events(cohort: Cohort, audience: Audience) -> list[Event]:
    from coopess.calls.calendar import local_date
    from coopess.diagnostic.models import SynthesisVersion

    if audience.is_officer:
        link = reverse("diagnostic:synthesis", kwargs={"cohort_id": cohort.pk})
    elif audience.is_representative:
        link = _structure_link(audience, "diagnostic:structure")
    else:
        link = ""
    events = []
    versions = SynthesisVersion.objects.filter(cohort=cohort).exclude(circulated_at__isnull=True)
    for version in versions:
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


def session_events(cohort: Cohort, audience: Audience) -> list[Event]:
    """Support half-days: all for the team, the collective ones and their own structures'
    individual ones for a representative."""
    from django.db.models import Q

    from coopess.support.models import Session, SessionKind

    sessions = Session.objects.filter(cohort=cohort).select_related("structure")
    if audience.is_representative:
        sessions = sessions.filter(
            Q(kind=SessionKind.COLLECTIVE) | Q(structure_id__in=audience.structure_ids)
        )
    events = []
    for session in sessions:
        if audience.is_representative:
            link = _structure_link(audience, "support:structure")
        else:
            link = reverse(
                "support:session", kwargs={"cohort_id": cohort.pk, "session_id": session.pk}
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
