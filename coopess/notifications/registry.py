"""Where the events of cohorts come from.

Each app that owns dated things (the call's calendar, the diagnostic, the support, the
follow-ups) registers one function returning the events of some cohorts, each cohort as seen by
its own audience::

    from coopess.notifications.registry import Audience, Event, Lane, Seen, register_cohort_events

    def followup_events(seen: Seen) -> list[Event]:
        audiences = audiences_by_cohort(seen)          # {cohort id: Audience}
        for followup in FollowUp.objects.filter(cohort_id__in=audiences):   # one query
            audience = audiences[followup.cohort_id]
            ...

    register_cohort_events("followups", followup_events)   # in the app's AppConfig.ready()

A source runs a fixed number of queries whatever the number of cohorts it is given (the call
timeline and an officer's calendar feed pass every cohort of the DLA at once). The timeline
pages and the private calendar feeds are built from these sources only, so a new app plugs in
without touching this one. A source must filter by each cohort's ``audience`` itself: a
representative (``audience.is_representative``) may only get their own structures' individual
events (``audience.structure_ids``) and the cohort's collective ones; a consultant nothing of
selection nor interview content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from coopess.selection.models import Cohort


class Lane:
    """The rows of the timeline, in their order. A source may use its own label: unknown lanes
    come after these."""

    CALL = "Calendrier de l'appel"
    INTERVIEWS = "Entretiens"
    WORKSHOP = "Atelier collectif"
    SYNTHESIS = "Synthèse"
    SESSIONS = "Séances d'accompagnement"
    FOLLOWUPS = "Suivi à 6 mois et 1 an"

    ORDER = [CALL, INTERVIEWS, WORKSHOP, SYNTHESIS, SESSIONS, FOLLOWUPS]


@dataclass(frozen=True)
class Audience:
    """Who looks: ``role`` is "officer", "consultant" or "representative"; a representative's
    own structures are ``structure_ids``."""

    role: str
    user_id: int | None = None
    structure_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_officer(self) -> bool:
        return self.role == "officer"

    @property
    def is_consultant(self) -> bool:
        return self.role == "consultant"

    @property
    def is_representative(self) -> bool:
        return self.role == "representative"


@dataclass(frozen=True)
class Event:
    """One dated thing. ``starts``/``ends`` are aware datetimes for a meeting, dates for a day
    or a period (``ends`` inclusive). ``uid`` identifies it forever (iCalendar UID); a meeting
    (``in_feed``) goes into personal calendars, with its ``sequence``."""

    uid: str
    lane: str
    title: str
    starts: dt.datetime | dt.date
    ends: dt.datetime | dt.date | None = None
    link: str = ""
    location: str = ""
    description: str = ""
    in_feed: bool = False
    cancelled: bool = False
    sequence: int = 0

    @property
    def is_timed(self) -> bool:
        return isinstance(self.starts, dt.datetime)


#: cohorts, each with the audience that looks at it
Seen = Sequence[tuple[Cohort, Audience]]
CohortEvents = Callable[[Seen], Iterable[Event]]

_SOURCES: dict[str, CohortEvents] = {}


def register_cohort_events(name: str, source: CohortEvents) -> None:
    """Add (or replace, by ``name``) a source of cohort events."""
    _SOURCES[name] = source


def sources() -> dict[str, CohortEvents]:
    return dict(_SOURCES)


def audiences_by_cohort(seen: Seen, *, consultants: bool = True) -> dict[int, Audience]:
    """``{cohort id: audience}``; without the consultants' cohorts if ``consultants`` is False."""
    return {
        cohort.pk: audience
        for cohort, audience in seen
        if consultants or not audience.is_consultant
    }


def cohorts_events(seen: Seen) -> list[Event]:
    """Every event of these cohorts that their audiences may see, from every registered source
    (each source called once, whatever the number of cohorts)."""
    seen = list(seen)
    if not seen:
        return []
    events: list[Event] = []
    for source in _SOURCES.values():
        events.extend(source(seen))
    return events


def cohort_events(cohort: Cohort, audience: Audience) -> list[Event]:
    """Every event of ``cohort`` that ``audience`` may see, from every registered source."""
    return cohorts_events([(cohort, audience)])
