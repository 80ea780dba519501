"""Closing the support schedules the follow-ups; the scheduler sends them, reminds and marks
them overdue once, on the right Paris day, across daylight-saving changes; running it twice
sends nothing twice; its query count does not grow with the structures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coopess.common.models import OutgoingEmail
from coopess.followups.models import FollowUp, FollowUpStatus, FollowUpTransition
from coopess.followups.scheduler import run_scheduler
from coopess.followups.services import FollowUpError, add_months, support_close
from coopess.selection.models import CohortStatus
from tests.applications.helpers import open_call
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support, paris

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def closed(ended_on: dt.date, applications=(2, 1)):
    setup = in_support(make_cohort(applications=applications))
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=ended_on)
    return setup


def run(now, capture):
    with capture(execute=True):
        return run_scheduler(now=now)


def test_closing_schedules_one_followup_per_structure_and_offset():
    setup = in_support(make_cohort())
    followups = support_close(
        cohort=setup.cohort, by=setup.officer, now=paris(2030, 12, 31, 23, 30)
    )
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.FOLLOW_UP
    assert len(followups) == 3 * 2
    # the Paris day of the closing (31 December, while UTC is still the 31st too) + 6 / 12 months
    assert sorted({f.due_on for f in followups}) == [dt.date(2031, 6, 30), dt.date(2031, 12, 31)]
    assert {f.status for f in followups} == {FollowUpStatus.SCHEDULED}
    assert FollowUpTransition.objects.filter(followup__cohort=setup.cohort).count() == 6
    with pytest.raises(FollowUpError):
        support_close(cohort=setup.cohort, by=setup.officer)


def test_closing_uses_the_paris_day():
    setup = in_support(make_cohort(applications=(1,)))
    # 23:30 UTC on 31 December is already 1 January in Paris
    followups = support_close(
        cohort=setup.cohort, by=setup.officer, now=dt.datetime(2030, 12, 31, 23, 30, tzinfo=UTC)
    )
    assert sorted(f.due_on for f in followups) == [dt.date(2031, 7, 1), dt.date(2032, 1, 1)]


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 12, 15), 12) == dt.date(2024, 12, 15)


def test_the_offsets_follow_the_call():
    """Offsets set per call (« Gestion des appels »): three follow-ups at 3, 9 and 18 months."""
    setup = in_support(make_cohort(applications=(1,)))
    type(setup.call).objects.filter(pk=setup.call.pk).update(follow_up_offsets=[3, 9, 18])
    setup.cohort.call.refresh_from_db()
    followups = support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2031, 1, 10))
    assert sorted((f.offset_months, f.due_on) for f in followups) == [
        (3, dt.date(2031, 4, 10)),
        (9, dt.date(2031, 10, 10)),
        (18, dt.date(2032, 7, 10)),
    ]


def test_an_invalid_stored_list_falls_back_to_the_former_rule():
    """Written around the validation (a shell, a raw update): half the duration and its end."""
    setup = in_support(make_cohort(applications=(1,)))
    type(setup.call).objects.filter(pk=setup.call.pk).update(
        follow_up_offsets=[12, 6], follow_up_months=18
    )
    setup.cohort.call.refresh_from_db()
    followups = support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2031, 1, 10))
    assert sorted(f.offset_months for f in followups) == [9, 18]


def test_a_second_followup_for_the_same_structure_and_offset_is_refused():
    from django.db import IntegrityError, transaction

    setup = closed(dt.date(2031, 1, 10), applications=(1,))
    existing = FollowUp.objects.filter(cohort=setup.cohort).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(
            cohort=setup.cohort,
            structure=existing.structure,
            offset_months=existing.offset_months,
            due_on=existing.due_on,
        )


@pytest.mark.parametrize(
    ("ended_on", "offset", "before", "after"),
    [
        # last Sunday of March 2031 is the 30th: the 31st starts at 22:00 UTC on the 30th
        (
            dt.date(2030, 3, 31),
            12,
            dt.datetime(2031, 3, 30, 21, 59, tzinfo=UTC),
            dt.datetime(2031, 3, 30, 22, 0, tzinfo=UTC),
        ),
        # last Sunday of October 2031 is the 26th: the 27th starts at 23:00 UTC on the 26th
        (
            dt.date(2031, 4, 27),
            6,
            dt.datetime(2031, 10, 26, 22, 59, tzinfo=UTC),
            dt.datetime(2031, 10, 26, 23, 0, tzinfo=UTC),
        ),
    ],
    ids=["march-dst", "october-dst"],
)
def test_followups_leave_on_their_paris_day_across_dst(
    django_capture_on_commit_callbacks, ended_on, offset, before, after
):
    setup = closed(ended_on, applications=(1,))
    due = FollowUp.objects.get(cohort=setup.cohort, offset_months=offset)
    FollowUp.objects.filter(cohort=setup.cohort).exclude(pk=due.pk).delete()
    assert due.due_on == after.astimezone(paris(2031, 1, 1).tzinfo).date()
    assert run(before, django_capture_on_commit_callbacks)["sent"] == 0
    assert mail.outbox == []
    assert run(after, django_capture_on_commit_callbacks)["sent"] == 1
    due.refresh_from_db()
    assert due.status == FollowUpStatus.SENT
    assert due.sent_on == due.due_on
    [message] = mail.outbox
    # the two declared representatives and the account acting for the structure
    assert len(message.to) == 3
    assert due.token in message.body
    # the same day again, and the day after: nothing more
    assert run(after, django_capture_on_commit_callbacks)["sent"] == 0
    assert run(after + dt.timedelta(days=1), django_capture_on_commit_callbacks) == {
        "overdue": 0,
        "reminder_2": 0,
        "reminder_1": 0,
        "sent": 0,
    }
    assert len(mail.outbox) == 1


def test_reminders_then_overdue_each_once_on_their_day(django_capture_on_commit_callbacks):
    setup = closed(dt.date(2030, 9, 15), applications=(1,))
    followup = FollowUp.objects.get(cohort=setup.cohort, offset_months=6)
    sent_day = followup.due_on  # 15 March 2031

    def at(days: int, hour: int = 0, minute: int = 5):
        day = sent_day + dt.timedelta(days=days)
        return paris(day.year, day.month, day.day, hour, minute)

    assert run(at(0), django_capture_on_commit_callbacks)["sent"] == 1
    # the last minute of day 6 (DST began on the 30th in between: Paris days, not 24h blocks)
    assert run(at(6, 23, 59), django_capture_on_commit_callbacks)["reminder_1"] == 0
    assert run(at(7), django_capture_on_commit_callbacks)["reminder_1"] == 1
    assert run(at(7, 18), django_capture_on_commit_callbacks)["reminder_1"] == 0
    assert run(at(13, 23, 59), django_capture_on_commit_callbacks)["reminder_2"] == 0
    assert run(at(14), django_capture_on_commit_callbacks)["reminder_2"] == 1
    assert run(at(20, 23, 59), django_capture_on_commit_callbacks)["overdue"] == 0
    assert run(at(21), django_capture_on_commit_callbacks)["overdue"] == 1
    assert run(at(21), django_capture_on_commit_callbacks)["overdue"] == 0
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.OVERDUE
    assert followup.reminders_sent == 2
    assert followup.overdue_on == sent_day + dt.timedelta(days=21)
    subjects = [m.subject for m in mail.outbox]
    assert sum(s.startswith("Suivi à 6 mois") for s in subjects) == 1
    assert sum(s.startswith("Relance") for s in subjects) == 1
    assert sum(s.startswith("Dernière relance") for s in subjects) == 1
    overdue = [m for m in mail.outbox if m.subject.startswith("Suivis en retard")]
    assert [m.to for m in overdue] == [[setup.officer.email]]
    assert setup.structures[0].name in overdue[0].body
    assert list(followup.transitions.values_list("from_status", "to_status")) == [
        ("", "scheduled"),
        ("scheduled", "sent"),
        ("sent", "overdue"),
    ]


def test_an_answered_followup_is_not_reminded(django_capture_on_commit_callbacks):
    from coopess.followups.services import answer_submit

    setup = closed(dt.date(2030, 9, 15), applications=(1,))
    followup = FollowUp.objects.get(cohort=setup.cohort, offset_months=6)
    run(paris(2031, 3, 15, 8), django_capture_on_commit_callbacks)
    followup.refresh_from_db()
    answer_submit(followup=followup, answers={"q_needs": ""}, by=setup.person(setup.structures[0]))
    outbox = len(mail.outbox)
    counts = run(paris(2031, 4, 30, 8), django_capture_on_commit_callbacks)
    assert counts == {"overdue": 0, "reminder_2": 0, "reminder_1": 0, "sent": 0}
    assert len(mail.outbox) == outbox


def test_a_repeated_run_after_a_lost_state_sends_nothing_twice(django_capture_on_commit_callbacks):
    """The outbox keys hold even if a follow-up's move were lost (a crash, a restored backup)."""
    setup = closed(dt.date(2030, 9, 15), applications=(2,))
    run(paris(2031, 3, 15, 8), django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    assert sent == 2
    FollowUp.objects.filter(cohort=setup.cohort).update(status=FollowUpStatus.SCHEDULED)
    run(paris(2031, 3, 15, 9), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == sent
    assert OutgoingEmail.objects.filter(key__startswith="followup:").count() == sent


def test_the_command_runs(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduler", stdout=out)
    assert "Suivis envoyés : 0" in out.getvalue()


def _queries_for(structures: int) -> int:
    applications = tuple([5] * (structures // 5))
    call = open_call(slug=f"appel-{structures}")
    setup = in_support(make_cohort(call, applications=applications, seed=structures))
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    counts = []
    for day in (
        dt.date(2031, 3, 15),
        dt.date(2031, 3, 22),
        dt.date(2031, 3, 29),
        dt.date(2031, 4, 5),
    ):
        with CaptureQueriesContext(connection) as queries:
            result = run_scheduler(now=paris(day.year, day.month, day.day, 8))
        assert sum(result.values()) == structures
        counts.append(len(queries))
    return counts


def test_query_count_does_not_grow_with_the_structures():
    assert _queries_for(5) == _queries_for(50)


def test_a_concurrent_run_is_not_logged_twice(monkeypatch, django_capture_on_commit_callbacks):
    """SQLite has no row locks: when another run moves a row between our read and our update,
    the whole batch is rolled back and read again. (Simulated in the same connection, the
    "other run" is rolled back with the batch: both follow-ups are then sent by the retry.)"""
    from coopess.followups import scheduler

    setup = closed(dt.date(2030, 9, 15), applications=(2,))
    first = FollowUp.objects.filter(cohort=setup.cohort, offset_months=6).first()
    original = scheduler._candidates
    calls = {"n": 0}

    def racing(step, today):
        calls["n"] += 1
        if step == "send" and calls["n"] == 5:  # the conditional update of the first batch
            FollowUp.objects.filter(pk=first.pk).update(status=FollowUpStatus.SENT, sent_on=today)
        return original(step, today)

    monkeypatch.setattr(scheduler, "_candidates", racing)
    counts = run(paris(2031, 3, 15, 8), django_capture_on_commit_callbacks)
    assert calls["n"] == 7  # read, update (refused), read again, update
    assert counts["sent"] == 2
    assert FollowUpTransition.objects.filter(to_status=FollowUpStatus.SENT).count() == 2
    assert len(mail.outbox) == 2
