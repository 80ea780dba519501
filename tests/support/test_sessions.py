"""Sessions: the half-day bound (service and database), invitations (.ics parsed back), update
and cancellation rules, attendance and the action-plan items worked on."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from coopess.diagnostic.models import ActionItem, ActionStatus
from coopess.support.models import (
    Attendance,
    HalfDay,
    Session,
    SessionKind,
    SessionMode,
    SessionStatus,
)
from coopess.support.services import SupportError
from coopess.support.services import sessions as services
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.support.helpers import held, make_support, plan, slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return make_support(make_cohort(seed=21), half_days=3)


def _ics(message) -> icalendar.Calendar:
    (_name, content, mimetype) = next(a for a in message.attachments if a[0].endswith(".ics"))
    assert mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def _event(calendar):
    return next(c for c in calendar.walk() if c.name == "VEVENT")


def test_planned_half_days_cannot_be_exceeded_by_the_service(support):
    for day in (10, 11, 12):
        plan(support, day=dt.date(2030, 9, day))
    with pytest.raises(services.HalfDaysExhausted):
        plan(support, day=dt.date(2030, 9, 13))
    assert Session.objects.count() == 3


def test_planned_half_days_cannot_be_exceeded_in_the_database(support):
    sessions = [plan(support, day=dt.date(2030, 9, day)) for day in (10, 11, 12)]
    extra = Session(
        engagement=support.engagement, cohort=support.cohort, title="De trop",
        kind=SessionKind.COLLECTIVE, half_day=HalfDay.MORNING,
        starts_at=sessions[0].starts_at, ends_at=sessions[0].ends_at,
        mode=SessionMode.REMOTE, link="https://visio.example.org/x",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        extra.save()
    services.session_cancel(session=sessions[0], by=support.officer, reason="Grève des trains")
    extra.save()  # a cancelled session frees its half-day
    with pytest.raises(IntegrityError), transaction.atomic():  # reviving it is refused
        Session.objects.filter(pk=sessions[0].pk).update(status=SessionStatus.PLANNED)


def test_form_refuses_a_session_once_every_half_day_is_planned(client, support):
    for day in (10, 11, 12):
        plan(support, day=dt.date(2030, 9, day))
    sign_in(client, support.consultant)
    response = client.post(
        reverse("support:session_new", args=[support.cohort.pk]),
        {"title": "Quatrième", "kind": "collective", "day": "2030-09-20", "half_day": "morning",
         "mode": "remote", "link": "https://visio.example.org/a"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Les 3 demi-journées prévues sont déjà toutes planifiées" in response.content.decode()


def test_form_plans_a_session_with_default_times(
    client, support, django_capture_on_commit_callbacks
):
    sign_in(client, support.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("support:session_new", args=[support.cohort.pk]),
            {"title": "Lancement", "kind": "collective", "day": "2030-10-02",
             "half_day": "afternoon", "mode": "both", "address": "Maison de l'ESS, Nantes",
             "link": "https://visio.example.org/lancement"},
        )  # fmt: skip
    assert response.status_code == 302
    session = Session.objects.get()
    local = session.starts_at.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert (local.hour, local.minute) == (14, 0)
    assert session.created_by == support.consultant
    assert list(session.transitions.values_list("to_status", flat=True)) == ["planned"]
    assert mail.outbox


def test_session_outside_the_period_or_with_a_bad_half_day_is_refused(support):
    with pytest.raises(SupportError, match="période de la prestation"):
        plan(support, day=dt.date(2031, 1, 5))
    with pytest.raises(SupportError, match="matin"):
        plan(support, start=dt.time(14, 0), end=dt.time(17, 0))


def test_individual_session_needs_a_structure_of_the_cohort(support):
    other = make_cohort(support.setup.call, seed=22).structures[0]
    with pytest.raises(SupportError, match="structure de la cohorte"):
        services.session_plan(
            engagement=support.engagement, by=support.officer, title="x",
            kind=SessionKind.INDIVIDUAL, structure=other, slot=slot(),
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            engagement=support.engagement, cohort=support.cohort, title="x",
            kind=SessionKind.INDIVIDUAL, half_day=HalfDay.MORNING,
            starts_at=dt.datetime(2030, 9, 1, 9, tzinfo=dt.UTC),
            ends_at=dt.datetime(2030, 9, 1, 12, tzinfo=dt.UTC),
            mode=SessionMode.REMOTE, link="https://visio.example.org/x",
        )  # fmt: skip


def test_invitations_go_to_every_structure_and_the_consultants(
    support, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = plan(support, title="Collective")
    recipients = {m.to[0] for m in mail.outbox}
    for structure in support.setup.structures:
        for representative in structure.representatives.all():
            assert representative.email in recipients
        assert support.setup.person(structure).email in recipients
    assert support.consultant.email in recipients
    event = _event(_ics(mail.outbox[0]))
    assert str(event["uid"]) == f"{session.uid}@coopess"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == session.starts_at
    assert str(event["dtstart"].params.get("TZID")) == "Europe/Paris"
    assert "1 rue de l'Exemple" in str(event["location"])
    assert _ics(mail.outbox[0])["method"] == "REQUEST"


def test_individual_session_invites_only_its_structure(support, django_capture_on_commit_callbacks):
    mine, other = support.setup.structures[0], support.setup.structures[1]
    with django_capture_on_commit_callbacks(execute=True):
        plan(support, structure=mine)
    recipients = {m.to[0] for m in mail.outbox}
    assert {r.email for r in mine.representatives.all()} <= recipients
    assert not {r.email for r in other.representatives.all()} & recipients


def test_update_sends_the_same_uid_with_a_higher_sequence(
    support, django_capture_on_commit_callbacks
):
    session = plan(support)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(
            session=session, by=support.officer, title=session.title,
            slot=slot(dt.date(2030, 9, 16), HalfDay.AFTERNOON, mode=SessionMode.REMOTE,
                      link="https://visio.example.org/b", address=""),
        )  # fmt: skip
    session.refresh_from_db()
    assert session.sequence == 1 and session.address == ""
    calendar = _ics(mail.outbox[0])
    event = _event(calendar)
    assert calendar["method"] == "REQUEST"
    assert (str(event["uid"]), int(event["sequence"])) == (f"{session.uid}@coopess", 1)
    assert "modifiée" in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # nothing changed: nothing sent
        services.session_update(
            session=session, by=support.officer, title=session.title,
            slot=slot(dt.date(2030, 9, 16), HalfDay.AFTERNOON, mode=SessionMode.REMOTE,
                      link="https://visio.example.org/b", address=""),
        )  # fmt: skip
    assert mail.outbox == []


def test_cancel_sends_a_cancel_and_logs_the_reason(support, django_capture_on_commit_callbacks):
    session = plan(support)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=support.consultant, reason="Consultante malade")
    calendar = _ics(mail.outbox[0])
    assert calendar["method"] == "CANCEL"
    assert str(_event(calendar)["status"]) == "CANCELLED"
    assert int(_event(calendar)["sequence"]) == 1
    assert "Consultante malade" in mail.outbox[0].body
    log = session.transitions.last()
    assert (log.from_status, log.to_status, log.comment, log.by) == (
        "planned", "cancelled", "Consultante malade", support.consultant,
    )  # fmt: skip
    with pytest.raises(services.SessionTransitionRefused):
        services.session_cancel(session=session, by=support.officer, reason="encore")
    with pytest.raises(SupportError, match="ne peut plus être modifiée"):
        services.session_update(session=session, by=support.officer, title="x", slot=slot())


def test_cancel_needs_a_reason(support):
    with pytest.raises(SupportError, match="motif"):
        services.session_cancel(session=plan(support), by=support.officer, reason=" ")


def test_a_held_session_cannot_be_cancelled_or_moved(support):
    session = held(plan(support), by=support.consultant)
    with pytest.raises(services.SessionTransitionRefused):
        services.session_cancel(session=session, by=support.officer, reason="trop tard")


def test_attendance_per_representative_and_the_session_becomes_held(support):
    session = plan(support)
    representatives = services.concerned_representatives(session)
    assert len(representatives) == 2 * len(support.setup.structures)
    present = {representatives[0].pk, representatives[3].pk}
    held(session, by=support.consultant, present=present)
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD and session.held_at is not None
    assert session.recorded_by == support.consultant
    marks = dict(
        Attendance.objects.filter(session=session).values_list("representative_id", "present")
    )
    assert marks == {r.pk: r.pk in present for r in representatives}
    assert [t.to_status for t in session.transitions.all()] == ["planned", "held"]
    # a correction keeps one row per representative and logs no second transition
    held(session, by=support.officer, present={representatives[1].pk})
    assert Attendance.objects.filter(session=session).count() == len(representatives)
    assert Attendance.objects.get(session=session, representative=representatives[1]).present
    assert [t.to_status for t in session.transitions.all()] == ["planned", "held"]


def test_individual_session_attendance_lists_only_its_structure(support):
    structure = support.setup.structures[1]
    session = plan(support, structure=structure)
    assert {r.structure_id for r in services.concerned_representatives(session)} == {structure.pk}
    other = support.setup.structures[0].representatives.first()
    session = Session.objects.get(pk=session.pk)
    Session.objects.filter(pk=session.pk).update(
        starts_at=dt.datetime(2020, 1, 1, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC),
    )
    with pytest.raises(SupportError, match="ne représente pas"):
        services.session_record(session=session, by=support.officer, present={other.pk}, report="x")


def test_a_session_cannot_be_recorded_before_it_starts(support):
    with pytest.raises(SupportError, match="pas encore commencé"):
        services.session_record(
            session=plan(support), by=support.officer, present=set(), report="x"
        )


def test_action_items_worked_on_and_their_status(support):
    item = ActionItem.objects.create(cohort=support.cohort, action="Rédiger la convention")
    foreign = ActionItem.objects.create(
        cohort=make_cohort(support.setup.call, seed=23).cohort, action="Autre"
    )
    session = held(plan(support), by=support.consultant)
    services.session_record(
        session=session, by=support.consultant, present=set(), report="x",
        action_items={item.pk: ActionStatus.IN_PROGRESS},
    )  # fmt: skip
    item.refresh_from_db()
    assert item.status == ActionStatus.IN_PROGRESS
    assert list(session.action_items.all()) == [item]
    with pytest.raises(SupportError, match="plan d'action"):
        services.session_record(
            session=session, by=support.consultant, present=set(), report="x",
            action_items={foreign.pk: ""},
        )  # fmt: skip


def test_record_form_through_the_client(client, support):
    item = ActionItem.objects.create(cohort=support.cohort, action="Choisir la forme juridique")
    session = plan(support)
    Session.objects.filter(pk=session.pk).update(
        starts_at=dt.datetime(2020, 1, 1, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC),
    )
    representative = services.concerned_representatives(session)[0]
    sign_in(client, support.consultant)
    url = reverse("support:session_record", args=[support.cohort.pk, session.pk])
    response = client.post(url, {"present": [representative.pk], "report": ""})
    assert response.status_code == 400  # the report is required; nothing is recorded
    assert not Attendance.objects.exists()
    response = client.post(
        url,
        {"present": [representative.pk], "report": "Atelier sur les formes juridiques.",
         "actions": [item.pk], f"status_{item.pk}": "done"},
    )  # fmt: skip
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert Attendance.objects.filter(present=True).get().representative == representative
    item.refresh_from_db()
    assert item.status == "done"


def test_edit_form_through_the_client(client, support, django_capture_on_commit_callbacks):
    session = plan(support, title="Lancement")
    sign_in(client, support.consultant)
    url = reverse("support:session_edit", args=[support.cohort.pk, session.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'value="Lancement"' in response.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"title": "Lancement", "day": "2030-09-18", "half_day": "afternoon",
             "mode": "remote", "link": "https://visio.example.org/lancement"},
        )  # fmt: skip
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.mode, session.sequence, session.address) == ("remote", 1, "")
    assert mail.outbox and all("modifiée" in m.subject for m in mail.outbox)
    services.session_cancel(session=session, by=support.officer, reason="Report")
    assert client.get(url).status_code == 404  # a cancelled session is not edited
