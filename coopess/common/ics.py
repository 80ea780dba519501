"""Calendar invitations (iCalendar, RFC 5545 / iTIP RFC 5546) for interviews, workshops, sessions.

One event per meeting, identified by a UID that never changes: an update is the same UID with a
higher SEQUENCE and ``METHOD:REQUEST``; a cancellation is ``METHOD:CANCEL`` with
``STATUS:CANCELLED``. Times are written in Europe/Paris with its VTIMEZONE, so that a phone
calendar shows the right hour on both sides of a daylight-saving change.

The VTIMEZONE is the usual rule-based definition (RFC 5545 §3.6.5: summer time from the last
Sunday of March at 02:00, winter time from the last Sunday of October at 03:00, EU rule since
1996), not the list of past changes that icalendar derives from the tz database: that list stops
in 2037 and some mainstream readers (vobject, hence several calendar apps) then read summer
times one hour off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from coopess.common.timezones import PARIS

PRODID = "-//CoopESS//Accompagnement collectif DLA//FR"
TZID = "Europe/Paris"


def paris_timezone() -> icalendar.Timezone:
    """Europe/Paris as a rule-based VTIMEZONE, valid for every year since 1996."""
    zone = icalendar.Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    # a VTIMEZONE onset is local time without a zone (RFC 5545 §3.6.5)
    for kind, name, start, month, before, after in (
        (icalendar.TimezoneDaylight, "CEST", dt.datetime(1996, 3, 31, 2), 3, 1, 2),  # noqa: DTZ001
        (icalendar.TimezoneStandard, "CET", dt.datetime(1996, 10, 27, 3), 10, 2, 1),  # noqa: DTZ001
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
        part.add("tzoffsetfrom", dt.timedelta(hours=before))
        part.add("tzoffsetto", dt.timedelta(hours=after))
        zone.add_component(part)
    return zone


def add_paris_timezone(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """Put the Europe/Paris VTIMEZONE first in ``calendar`` (before its events)."""
    calendar.subcomponents.insert(0, paris_timezone())
    return calendar


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    description: str = ""
    location: str = ""
    url: str = ""
    organiser_email: str = ""
    organiser_name: str = ""
    attendees: list[str] = field(default_factory=list)
    cancelled: bool = False


def calendar_bytes(invitation: Invitation) -> bytes:
    """The ``.ics`` file of one invitation (METHOD REQUEST, or CANCEL when cancelled)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invitation.cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"{invitation.uid}@coopess")
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", invitation.starts_at.astimezone(PARIS))
    event.add("dtend", invitation.ends_at.astimezone(PARIS))
    event.add("summary", invitation.summary)
    if invitation.description:
        event.add("description", invitation.description)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.url:
        event.add("url", invitation.url)
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    organiser_email = invitation.organiser_email or settings.DEFAULT_FROM_EMAIL
    organiser = icalendar.vCalAddress(f"mailto:{_address(organiser_email)}")
    if invitation.organiser_name:
        organiser.params["cn"] = icalendar.vText(invitation.organiser_name)
    event.add("organizer", organiser)
    for email in invitation.attendees:
        attendee = icalendar.vCalAddress(f"mailto:{email}")
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
        attendee.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    add_paris_timezone(calendar)
    return calendar.to_ical()


def _address(from_email: str) -> str:
    """``Name <a@b>`` → ``a@b``."""
    if "<" in from_email and ">" in from_email:
        return from_email.split("<", 1)[1].split(">", 1)[0].strip()
    return from_email.strip()


def attach_invitation(message: EmailMessage, invitation: Invitation) -> EmailMessage:
    """Attach the ``.ics`` to ``message`` (``invitation.ics``, text/calendar with its method)."""
    name = "annulation.ics" if invitation.cancelled else "invitation.ics"
    message.attach(name, calendar_bytes(invitation).decode(), "text/calendar")
    return message
