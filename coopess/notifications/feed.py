"""Which cohorts a person sees, in which capacity, and their private iCalendar feed."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.utils import timezone

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.common.ics import PRODID, add_paris_timezone
from coopess.notifications.registry import Audience, Event, cohorts_events
from coopess.notifications.services import absolute
from coopess.selection.models import Cohort


def user_cohorts(user: User) -> list[tuple[Cohort, Audience]]:
    """Every cohort ``user`` takes part in, each once, in their strongest capacity
    (officer of its DLA, then engaged consultant, then representative of its structures)."""
    from coopess.diagnostic.permissions import officer_cohorts, represented_structures
    from coopess.support.permissions import consultant_cohorts

    found: dict[int, tuple[Cohort, Audience]] = {}
    for cohort in officer_cohorts(user):
        found[cohort.pk] = (cohort, Audience(role="officer", user_id=user.pk))
    for cohort in consultant_cohorts(user):
        found.setdefault(cohort.pk, (cohort, Audience(role="consultant", user_id=user.pk)))
    mine: dict[int, tuple[Cohort, set[int]]] = {}
    for structure in represented_structures(user):
        cohort = structure.application.cohort_membership.cohort
        mine.setdefault(cohort.pk, (cohort, set()))[1].add(structure.pk)
    for cohort_id, (cohort, structure_ids) in mine.items():
        found.setdefault(
            cohort_id,
            (
                cohort,
                Audience(
                    role="representative", user_id=user.pk, structure_ids=frozenset(structure_ids)
                ),
            ),
        )
    return list(found.values())


def user_events(user: User) -> list[Event]:
    """The meetings of ``user``'s calendar: their interviews, workshops and sessions (for an
    officer, every one of their DLA's cohorts), each once."""
    events: dict[str, Event] = {}
    for event in cohorts_events(user_cohorts(user)):  # every cohort at once
        if event.in_feed:
            events.setdefault(event.uid, event)
    return sorted(events.values(), key=lambda e: (_utc(e.starts), e.uid))


def _utc(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time.min, tzinfo=PARIS).astimezone(dt.UTC)


def feed_bytes(user: User, *, name: str = "CoopESS") -> bytes:
    """A VCALENDAR (no METHOD: a subscription, not an invitation) in Europe/Paris."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    stamp = timezone.now().astimezone(dt.UTC)
    for item in user_events(user):
        event = icalendar.Event()
        event.add("uid", f"{item.uid}@coopess")
        event.add("sequence", item.sequence)
        event.add("dtstamp", stamp)
        if item.is_timed:
            event.add("dtstart", item.starts.astimezone(PARIS))
            event.add("dtend", (item.ends or item.starts).astimezone(PARIS))
        else:
            event.add("dtstart", item.starts)
            event.add("dtend", (item.ends or item.starts) + dt.timedelta(days=1))
        event.add("summary", item.title)
        if item.location:
            event.add("location", item.location)
        if item.link:
            event.add("url", absolute(item.link))
        if item.description:
            event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    add_paris_timezone(calendar)
    return calendar.to_ical()
