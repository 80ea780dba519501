"""Where the events of a cohort come from.

Each app that owns dated things (the call's calendar, the diagnostic, the support, the
follow-ups) registers one function returning the events of a cohort, as seen by one audience::

    from coopess.notifications.registry import Audience, Event, Lane, register_cohort_events

    def followup_events(cohort, audience: Audience) -> list[Event]:
        ...

    register_cohort_events("followups", followup_events)   # in the app's AppConfig.ready()

The timeline pages and the private calendar feeds are built from these sources only, so a new
app plugs in without touching this one. A source must filter by ``audience`` itself: a
representative (``audience.is_representative``) may only get their own structures' individual
events (``audience.structure_ids``) and the cohort's collective ones; a consultant nothing of
selection nor interview content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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


CohortEvents = Callable[[Cohort, Audience], Iterable[Event]]

_SOURCES: dict[str, CohortEvents] = {}


def register_cohort_events(name: str, source: CohortEvents) -> None:
    """Add (or replace, by ``name``) a source of cohort events."""
    _SOURCES[name] = source


def sources() -> dict[str, CohortEvents]:
    return dict(_SOURCES)


def cohort_events(cohort: Cohort, audience: Audience) -> list[Event]:
    """Every event of ``cohort`` that ``audience`` may see, from every registered source."""
    events: list[Event] = []
    for source in _SOURCES.values():
        events.extend(source(cohort, audience))
    return events
