"""Every calendar file CoopESS hands out, read back by two independent parsers: icalendar (the
library that writes them) and vobject (a different implementation, which reads the VTIMEZONE
itself and was reading summer times one hour off while the files carried the tz database's
list of past changes). The absolute instant of each event is checked in winter, in summer and
on both daylight-saving change days, and the iTIP semantics (RFC 5546) are replayed as a
calendar client would: an update replaces, a cancellation removes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.core import mail
from django.test import Client
from django.urls import reverse

from coopess.common.ics import Invitation, calendar_bytes
from coopess.diagnostic.services import interviews as interview_services
from coopess.notifications import services as notification_services
from coopess.support.models import HalfDay, SessionMode
from coopess.support.services import sessions as session_services
from tests.diagnostic.helpers import make_cohort
from tests.diagnostic.test_interviews import make_slot, opened
from tests.diagnostic.test_workshop import workshop_at
from tests.notifications.helpers import dated_cohort
from tests.support.helpers import make_support, plan, slot

PARIS = ZoneInfo("Europe/Paris")

#: (moment in Paris, its UTC offset), written out by hand from the French legal time
MOMENTS = [
    (dt.datetime(2031, 1, 14, 9, 0), 1),  # winter
    (dt.datetime(2031, 3, 30, 10, 0), 2),  # the day summer time starts (02:00 → 03:00)
    (dt.datetime(2031, 7, 15, 9, 0), 2),  # summer
    (dt.datetime(2031, 10, 26, 10, 0), 1),  # the day winter time comes back (03:00 → 02:00)
    (dt.datetime(2023, 9, 21, 9, 0), 2),  # the demo's first collective session
    (dt.datetime(2041, 6, 20, 14, 0), 2),  # after 2038
]


def invitation(start: dt.datetime, **fields) -> Invitation:
    values = {
        "uid": "essai",
        "sequence": 0,
        "summary": "Séance collective",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=3),
        "organiser_email": "claire.morvan@example.org",
        "organiser_name": "Claire Morvan",
        "attendees": ["lea.dubois@example.org", "hugo.renaud@example.org"],
    }
    return Invitation(**(values | fields))


def read_both(content: bytes | str):
    """The file read by both parsers: (icalendar calendar, vobject calendar)."""
    text = content.decode() if isinstance(content, bytes) else content
    return icalendar.Calendar.from_ical(text), vobject.readOne(text)


def instants(content) -> tuple[dt.datetime, dt.datetime]:
    """The first event's start in UTC, as each parser reads it."""
    ical, vcal = read_both(content)
    (event,) = ical.walk("VEVENT")
    return (
        event.decoded("dtstart").astimezone(dt.UTC),
        vcal.vevent.dtstart.value.astimezone(dt.UTC),
    )


def assert_read_at(content, expected: dt.datetime) -> None:
    by_icalendar, by_vobject = instants(content)
    assert by_icalendar == by_vobject == expected.astimezone(dt.UTC), (by_icalendar, by_vobject)


# --- The time zone definition itself --------------------------------------------------------------


@pytest.mark.parametrize(("local", "offset"), MOMENTS)
def test_both_parsers_read_the_same_instant(local, offset):
    start = local.replace(tzinfo=PARIS)
    content = calendar_bytes(invitation(start))
    expected = local.replace(tzinfo=dt.timezone(dt.timedelta(hours=offset)))
    assert_read_at(content, expected)


def test_the_vtimezone_is_the_rule_based_definition():
    ical, _ = read_both(calendar_bytes(invitation(dt.datetime(2031, 1, 14, 9, tzinfo=PARIS))))
    (zone,) = ical.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Paris"
    parts = {part.name: part for part in zone.subcomponents}
    assert set(parts) == {"DAYLIGHT", "STANDARD"}
    for name, month, before, after in (("DAYLIGHT", 3, 1, 2), ("STANDARD", 10, 2, 1)):
        part = parts[name]
        assert "RDATE" not in part
        rule = part["rrule"]
        assert rule["FREQ"] == ["YEARLY"] and rule["BYMONTH"] == [month]
        assert rule["BYDAY"] == ["-1SU"]
        assert part.decoded("tzoffsetfrom") == dt.timedelta(hours=before)
        assert part.decoded("tzoffsetto") == dt.timedelta(hours=after)
    # the VTIMEZONE comes before the event that uses it
    assert [c.name for c in ical.subcomponents] == ["VTIMEZONE", "VEVENT"]


def test_the_vtimezone_agrees_with_the_tz_database_every_day_until_2060():
    """vobject's reading of our VTIMEZONE against the tz database, at 00:30 and 12:00 UTC of
    every day and one minute either side of every change, 1996 to 2060."""
    _, vcal = read_both(calendar_bytes(invitation(dt.datetime(2031, 1, 14, 9, tzinfo=PARIS))))
    ours = vcal.vtimezone.gettzinfo()
    moment = dt.datetime(1996, 1, 1, tzinfo=dt.UTC)
    checked = 0
    while moment.year < 2061:
        for hour in (dt.timedelta(minutes=30), dt.timedelta(hours=12)):
            at = moment + hour
            assert at.astimezone(ours).utcoffset() == at.astimezone(PARIS).utcoffset(), at
            checked += 1
        moment += dt.timedelta(days=1)
    for year in range(1996, 2061):
        for month in (3, 10):
            last_sunday = max(
                dt.date(year, month, d)
                for d in range(25, 32)
                if dt.date(year, month, d).weekday() == 6
            )
            change = dt.datetime.combine(last_sunday, dt.time(1), tzinfo=dt.UTC)
            for delta in (-1, 1):
                at = change + dt.timedelta(minutes=delta)
                assert at.astimezone(ours).utcoffset() == at.astimezone(PARIS).utcoffset(), at
                checked += 1
    assert checked > 47_000


def test_method_organizer_attendees_uid_and_sequence():
    start = dt.datetime(2031, 7, 15, 9, tzinfo=PARIS)
    for cancelled, method, status in (
        (False, "REQUEST", "CONFIRMED"),
        (True, "CANCEL", "CANCELLED"),
    ):
        _, vcal = read_both(calendar_bytes(invitation(start, sequence=2, cancelled=cancelled)))
        assert vcal.method.value == method
        event = vcal.vevent
        assert event.uid.value == "essai@coopess" and event.sequence.value == "2"
        assert event.status.value == status
        assert event.organizer.value == "mailto:claire.morvan@example.org"
        assert event.organizer.params["CN"] == ["Claire Morvan"]
        assert sorted(a.value for a in event.attendee_list) == [
            "mailto:hugo.renaud@example.org",
            "mailto:lea.dubois@example.org",
        ]
        assert event.dtstamp.value.tzinfo is not None


# --- A calendar client replaying what it receives (RFC 5546) ---------------------------------------


class CalendarClient:
    """What a phone calendar keeps: one event per UID, replaced by a REQUEST whose SEQUENCE is not
    lower, removed by a CANCEL whose SEQUENCE is not lower."""

    def __init__(self):
        self.events: dict[str, tuple[int, dt.datetime, str]] = {}

    def receive(self, content) -> None:
        _, vcal = read_both(content)
        method = vcal.method.value
        event = vcal.vevent
        uid, sequence = event.uid.value, int(event.sequence.value)
        known = self.events.get(uid)
        if known is not None and sequence < known[0]:
            return
        if method == "CANCEL":
            self.events.pop(uid, None)
        else:
            assert method == "REQUEST"
            start = event.dtstart.value.astimezone(dt.UTC)
            self.events[uid] = (sequence, start, event.summary.value)


def ics_attachments(messages, recipient: str) -> list[str]:
    return [
        content
        for message in messages
        if message.to == [recipient]
        for name, content, mimetype in message.attachments
        if name.endswith(".ics") and mimetype.startswith("text/calendar")
    ]


@pytest.mark.django_db
def test_a_session_planned_moved_then_cancelled(django_capture_on_commit_callbacks):
    support = make_support(make_cohort(seed=61), half_days=3)
    with django_capture_on_commit_callbacks(execute=True):
        session = plan(support, day=dt.date(2030, 10, 24), title="Séance collective")
    consultant = support.consultant.email
    (first,) = ics_attachments(mail.outbox, consultant)
    assert_read_at(first, dt.datetime(2030, 10, 24, 9, tzinfo=PARIS))  # summer time
    client = CalendarClient()
    client.receive(first)
    with django_capture_on_commit_callbacks(execute=True):  # moved after winter time is back
        session_services.session_update(
            session=session, by=support.officer, title=session.title,
            slot=slot(dt.date(2030, 10, 28), HalfDay.AFTERNOON, mode=SessionMode.REMOTE,
                      link="https://visio.example.org/b", address=""),
        )  # fmt: skip
    *_, update = ics_attachments(mail.outbox, consultant)
    assert_read_at(update, dt.datetime(2030, 10, 28, 14, tzinfo=PARIS))
    client.receive(update)
    client.receive(first)  # a late copy of the first invitation changes nothing
    ((uid, (sequence, start, _summary)),) = client.events.items()
    assert uid == f"{session.uid}@coopess" and sequence == 1
    assert start == dt.datetime(2030, 10, 28, 13, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        session_services.session_cancel(session=session, by=support.officer, reason="Grève")
    *_, cancel = ics_attachments(mail.outbox, consultant)
    client.receive(cancel)
    assert client.events == {}


@pytest.mark.django_db
def test_an_interview_booked_then_cancelled_on_both_sides_of_a_change(
    django_capture_on_commit_callbacks,
):
    setup = opened(seed=62)
    structure = setup.structures[0]
    officer = setup.officer.email.lower()
    client = CalendarClient()
    for local in (dt.datetime(2031, 3, 27, 10), dt.datetime(2031, 3, 31, 10)):
        start = local.replace(tzinfo=PARIS)
        interview_slot = make_slot(setup, start)
        with django_capture_on_commit_callbacks(execute=True):
            interview = interview_services.interview_book(
                slot=interview_slot, structure=structure, by=setup.person(structure)
            )
        *_, sent = ics_attachments(mail.outbox, officer)
        assert_read_at(sent, start)
        client.receive(sent)
        assert [event[1] for event in client.events.values()] == [start.astimezone(dt.UTC)]
        with django_capture_on_commit_callbacks(execute=True):
            interview_services.interview_cancel(interview=interview, by=setup.person(structure))
        *_, cancelled = ics_attachments(mail.outbox, officer)
        client.receive(cancelled)
        assert client.events == {}


@pytest.mark.django_db
def test_a_workshop_on_the_day_winter_time_comes_back(django_capture_on_commit_callbacks):
    setup = make_cohort(applications=(2, 1), status="diagnostic", seed=63)
    start = dt.datetime(2030, 10, 27, 10, tzinfo=PARIS)
    with django_capture_on_commit_callbacks(execute=True):
        workshop_at(setup, start)
    sent = ics_attachments(mail.outbox, setup.officer.email.lower())
    assert sent
    assert_read_at(sent[-1], start)
    assert instants(sent[-1])[1] == dt.datetime(2030, 10, 27, 9, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_personal_feed_read_by_both_parsers():
    dated = dated_cohort(seed=64)
    first, _second, third = dated.setup.structures
    for person, local in (
        (dated.setup.person(first), dt.datetime(2030, 3, 31, 10)),  # summer time starts that day
        (dated.setup.person(third), dt.datetime(2030, 1, 15, 14)),  # winter
    ):
        token = notification_services.feed_token_regenerate(user=person)
        response = Client().get(reverse("notifications:feed", kwargs={"feed_token": token}))
        assert response.status_code == 200
        ical, vcal = read_both(response.content)
        assert "METHOD" not in ical  # a subscription, not an invitation
        by_uid_icalendar = {
            str(e["uid"]): e.decoded("dtstart").astimezone(dt.UTC)
            for e in ical.walk("VEVENT")
            if isinstance(e.decoded("dtstart"), dt.datetime)
        }
        by_uid_vobject = {
            e.uid.value: e.dtstart.value.astimezone(dt.UTC)
            for e in vcal.vevent_list
            if isinstance(e.dtstart.value, dt.datetime)
        }
        assert by_uid_icalendar == by_uid_vobject
        assert local.replace(tzinfo=PARIS).astimezone(dt.UTC) in by_uid_vobject.values()
