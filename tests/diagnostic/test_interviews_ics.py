"""Interview invitations and reminders: the ``.ics`` read back with the icalendar library
(Europe/Paris on both sides of a DST change, METHOD REQUEST/CANCEL, a stable UID, a growing
SEQUENCE) and the reminder two days before, sent once by the worker."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from coopess.calls.calendar import PARIS
from coopess.common.models import OutgoingEmail
from coopess.diagnostic.models import Interview, MeetingStatus, Mode
from coopess.diagnostic.permissions import structure_recipients
from coopess.diagnostic.services import interviews as services
from coopess.diagnostic.tasks import send_interview_reminder
from tests.conftest import sign_in
from tests.diagnostic.test_interviews import days_ahead, make_slot, opened

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def dst_start(year: int) -> dt.date:
    """The last Sunday of March: Paris moves from CET (UTC+1) to CEST (UTC+2)."""
    day = dt.date(year, 3, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


NEXT_YEAR = timezone.localdate().year + 1
CHANGE = dst_start(NEXT_YEAR)
WINTER = dt.datetime.combine(CHANGE - dt.timedelta(days=3), dt.time(10, 0), tzinfo=PARIS)
SUMMER = dt.datetime.combine(CHANGE + dt.timedelta(days=1), dt.time(10, 0), tzinfo=PARIS)


@pytest.fixture
def setup(db):
    return opened(seed=11)


def invitations(mailoutbox) -> dict[str, icalendar.Calendar]:
    """Recipient → the calendar attached to their email."""
    found = {}
    for message in mailoutbox:
        (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
        _name, content, mimetype = attachment
        assert mimetype.startswith("text/calendar")
        found[message.to[0]] = icalendar.Calendar.from_ical(content)
    return found


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def book(setup, starts_at, *, structure=None, captured):
    structure = structure or setup.structures[0]
    slot = make_slot(setup, starts_at)
    with captured(execute=True):
        return services.interview_book(slot=slot, structure=structure, by=setup.person(structure))


def test_every_participant_gets_the_invitation_in_paris_time(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    a = setup.structures[0]
    interview = book(setup, WINTER, captured=django_capture_on_commit_callbacks)
    expected = {*structure_recipients(a), setup.officer.email.lower()}
    assert len(expected) == 4  # two declared representatives, the account, the officer
    calendars = invitations(mailoutbox)
    assert set(calendars) == expected
    for calendar in calendars.values():
        assert calendar["METHOD"] == "REQUEST"
        event = event_of(calendar)
        assert str(event["UID"]) == f"{interview.uid}@coopess"
        assert event["SEQUENCE"] == 0
        start = event.decoded("DTSTART")
        assert str(start.tzinfo) == "Europe/Paris"
        assert (start.hour, start.minute, start.utcoffset()) == (10, 0, dt.timedelta(hours=1))
        assert event.decoded("DTEND") - start == dt.timedelta(minutes=90)
        assert event["LOCATION"] == "3 rue de la Coopération, Nantes"
        attendees = {str(a).removeprefix("mailto:") for a in event.get("ATTENDEE")}
        assert attendees == expected
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    subject = mailoutbox[0].subject
    assert "Entretien réservé le" in subject and "10h00" in subject
    bodies = {m.to[0]: m.body for m in mailoutbox}
    officer_body = bodies.pop(setup.officer.email.lower())
    assert reverse("diagnostic:interviews", args=[setup.cohort.pk]) in officer_body
    for body in bodies.values():
        assert reverse("diagnostic:structure", args=[a.pk]) in body
        assert "Adresse : 3 rue de la Coopération, Nantes" in body
        assert "Durée : 90 minutes" in body


def test_a_move_updates_the_same_event_across_the_dst_change(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    a = setup.structures[0]
    interview = book(setup, WINTER, captured=django_capture_on_commit_callbacks)
    target = make_slot(
        setup, SUMMER, mode=Mode.REMOTE, address="", link="https://visio.example.org/x"
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_move(interview=interview, to=target, by=setup.person(a))
    calendars = invitations(mailoutbox)
    assert len(calendars) == 4
    for calendar in calendars.values():
        assert calendar["METHOD"] == "REQUEST"
        event = event_of(calendar)
        assert str(event["UID"]) == f"{interview.uid}@coopess"
        assert event["SEQUENCE"] == 1
        start = event.decoded("DTSTART")
        # the same 10:00 on the Paris clock, now in summer time
        assert (start.hour, start.utcoffset()) == (10, dt.timedelta(hours=2))
        assert start.astimezone(dt.UTC).hour == 8
        assert str(event["URL"]) == "https://visio.example.org/x"
    assert "Entretien déplacé" in mailoutbox[0].subject

    mailoutbox.clear()
    interview.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_cancel(interview=interview, by=setup.officer, as_officer=True)
    calendars = invitations(mailoutbox)
    assert len(calendars) == 4
    for calendar in calendars.values():
        assert calendar["METHOD"] == "CANCEL"
        event = event_of(calendar)
        assert str(event["UID"]) == f"{interview.uid}@coopess"
        assert event["SEQUENCE"] == 2
        assert event["STATUS"] == "CANCELLED"
    assert "annulé" in mailoutbox[0].subject
    assert mailoutbox[0].attachments[0][0] == "annulation.ics"


def test_the_representative_downloads_the_current_invitation(
    setup, client, django_capture_on_commit_callbacks
):
    a = setup.structures[0]
    interview = book(setup, SUMMER, captured=django_capture_on_commit_callbacks)
    sign_in(client, setup.person(a))
    response = client.get(reverse("diagnostic:interview_ics", args=[a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = event_of(icalendar.Calendar.from_ical(response.content))
    assert str(event["UID"]) == f"{interview.uid}@coopess"
    assert event.decoded("DTSTART").hour == 10
    other = setup.structures[1]
    client.logout()
    sign_in(client, setup.person(other))
    assert client.get(reverse("diagnostic:interview_ics", args=[other.pk])).status_code == 404


# --- Reminders -------------------------------------------------------------------------------


def test_reminder_time_is_two_paris_days_before():
    # two calendar days in Paris, not 48 hours: the clock change falls in between
    monday_after = dt.datetime.combine(CHANGE + dt.timedelta(days=1), dt.time(10, 0), tzinfo=PARIS)
    reminder = services.reminder_at(monday_after)
    assert reminder == dt.datetime.combine(
        CHANGE - dt.timedelta(days=1), dt.time(10, 0), tzinfo=PARIS
    )
    assert monday_after.astimezone(dt.UTC) - reminder.astimezone(dt.UTC) == dt.timedelta(hours=47)
    ordinary = dt.datetime(NEXT_YEAR, 6, 12, 14, 30, tzinfo=PARIS)
    assert services.reminder_at(ordinary) == dt.datetime(NEXT_YEAR, 6, 10, 14, 30, tzinfo=PARIS)


def _queued_reminders():
    return [r for r in default_task_backend.results if r.task.name == "send_interview_reminder"]


def test_booking_schedules_the_reminder_and_a_move_schedules_a_new_one(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    a = setup.structures[0]
    interview = book(setup, SUMMER, captured=django_capture_on_commit_callbacks)
    (queued,) = _queued_reminders()
    assert queued.args == [interview.pk, 0]
    assert queued.task.run_after == services.reminder_at(SUMMER)
    target = make_slot(setup, SUMMER + dt.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_move(interview=interview, to=target, by=setup.person(a))
    _first, second = _queued_reminders()
    assert second.args == [interview.pk, 1]
    assert second.task.run_after == services.reminder_at(SUMMER + dt.timedelta(days=7))


def test_no_reminder_scheduled_when_the_interview_is_within_two_days(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    book(setup, timezone.now() + dt.timedelta(days=1), captured=django_capture_on_commit_callbacks)
    assert _queued_reminders() == []


def test_the_reminder_is_sent_once(setup, mailoutbox, django_capture_on_commit_callbacks):
    interview = book(setup, days_ahead(2, 15), captured=django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_interview_reminder.call(interview.pk, 0) == 4
    assert len(mailoutbox) == 4
    assert all("Rappel : entretien le" in m.subject for m in mailoutbox)
    assert "dans deux jours" in mailoutbox[0].body
    interview.refresh_from_db()
    assert interview.reminder_sent_at is not None
    # the worker runs it again (a retry, a re-queued task): nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert send_interview_reminder.call(interview.pk, 0) == 0
    assert len(mailoutbox) == 4
    assert OutgoingEmail.objects.filter(subject__startswith="[CoopESS] Rappel").count() == 4


def test_no_reminder_for_a_moved_or_cancelled_interview(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    a, b = setup.structures[:2]
    moved = book(setup, days_ahead(2, 9), captured=django_capture_on_commit_callbacks)
    cancelled = book(
        setup, days_ahead(2, 14), structure=b, captured=django_capture_on_commit_callbacks
    )
    target = make_slot(setup, days_ahead(5, 9))
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_move(interview=moved, to=target, by=setup.person(a))
        services.interview_cancel(interview=cancelled, by=setup.person(b), reopen=False)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_interview_reminder.call(moved.pk, 0) == 0  # the old version's reminder
        assert send_interview_reminder.call(cancelled.pk, 0) == 0
        assert send_interview_reminder.call(cancelled.pk, 1) == 0
    assert mailoutbox == []
    moved.refresh_from_db()
    assert moved.reminder_sent_at is None
    assert Interview.objects.get(pk=cancelled.pk).status == MeetingStatus.CANCELLED
    # the moved interview's own reminder still leaves
    with django_capture_on_commit_callbacks(execute=True):
        assert send_interview_reminder.call(moved.pk, 1) == 4
