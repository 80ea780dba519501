"""The demo holds on every day of the year: the clock is driven by time-machine over a sweep of
"today" values, and the demo is loaded on each.

The sweep: both DST changes of two years, 24 December to 1 January, 28 February / 29 February /
1 March, the reported day (6 December 2026), and every date at which one of the demo's relative
offsets (closing six weeks on, slots three weeks on, the month-precise milestones) crosses a
month end in a leap year. The 2023 history is loaded once, from scratch, on a day picked at random
per run (printed; replay with ``COOPESS_DEMO_DAY=YYYY-MM-DD`` or pytest-randomly's seed); each
sweep date then loads the demo again inside a savepoint, twice: over the existing open copy (what
``make run`` does every morning) and with no open copy yet (a fresh clone).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo import OPEN_COPY_SLUG, SEED_SLUG, demo_load
from coopess.common.demo_calendar import (
    french_public_holidays,
    is_working_day,
    working_days,
)
from coopess.diagnostic.models import Interview

#: the demo's offsets from today, in days (closing of the open copy, first interview slots)
OFFSETS = (21, 49)


def _month_ends(year: int) -> list[dt.date]:
    return [dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1) for m in range(1, 13)]


def sweep_days() -> list[dt.date]:
    days = {
        dt.date(2026, 12, 6),  # the day the bug was reported
        # DST changes (last Sunday of March / October) and the days around them
        *(
            change + dt.timedelta(days=delta)
            for change in (
                dt.date(2027, 3, 28),
                dt.date(2027, 10, 31),
                dt.date(2028, 3, 26),
                dt.date(2028, 10, 29),
            )
            for delta in (-1, 0, 1)
        ),
        # year end
        *(dt.date(2026, 12, day) for day in range(24, 32)),
        dt.date(2027, 1, 1),
        # February, common and leap years
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 1),
        dt.date(2028, 2, 28),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 1),
    }
    # each offset crossing each month end of a leap year, on the last day and the day after
    for end in _month_ends(2028):
        for offset in OFFSETS:
            days.add(end - dt.timedelta(days=offset))
            days.add(end - dt.timedelta(days=offset - 1))
    # the last days of each month (the month-precise milestones follow the closing's month)
    days.update(_month_ends(2027))
    return sorted(days)


SWEEP = sweep_days()


def test_the_sweep_covers_what_the_issue_asks():
    assert len(SWEEP) >= 60
    assert {day.weekday() for day in SWEEP} == set(range(7))
    assert {dt.date(2028, 2, 29), dt.date(2027, 1, 1), dt.date(2026, 12, 28)} <= set(SWEEP)


# --- The one place that picks the demo's moments -------------------------------------------------

#: the 2028 public holidays, written from the official calendar (not computed like the code)
HOLIDAYS_2028 = {
    dt.date(2028, 1, 1),
    dt.date(2028, 4, 17),  # lundi de Pâques
    dt.date(2028, 5, 1),
    dt.date(2028, 5, 8),
    dt.date(2028, 5, 25),  # Ascension
    dt.date(2028, 6, 5),  # lundi de Pentecôte
    dt.date(2028, 7, 14),
    dt.date(2028, 8, 15),
    dt.date(2028, 11, 1),
    dt.date(2028, 11, 11),
    dt.date(2028, 12, 25),
}


def test_public_holidays_of_a_leap_year():
    assert french_public_holidays(2028) == HOLIDAYS_2028


def test_working_days_from_every_day_of_a_leap_year():
    day = dt.date(2028, 1, 1)
    while day.year == 2028:
        picked = working_days(start=day, count=5)
        assert picked == sorted(set(picked)) and len(picked) == 5, day
        assert picked[0] >= day and (picked[0] - day).days <= 4, day
        for chosen in picked:
            assert chosen.weekday() < 5 and chosen not in HOLIDAYS_2028 | {dt.date(2029, 1, 1)}, (
                day,
                chosen,
            )
        day += dt.timedelta(days=1)


def test_the_open_copys_calendar_on_every_day_of_a_leap_year():
    """The shifted calendar itself (no database): every day of 2028 and of the year after."""
    from coopess.calls.demo import shifted_call_data
    from coopess.calls.services import load_call_data

    data = load_call_data()
    today = dt.date(2028, 1, 1)
    while today < dt.date(2029, 12, 31):
        shifted = shifted_call_data(data, today=today)
        opens = dt.datetime.fromisoformat(shifted["opens_at"])
        closes = dt.datetime.fromisoformat(shifted["closes_at"])
        assert opens.date() == today and opens.utcoffset() == PARIS.utcoffset(
            opens.replace(tzinfo=None)
        )
        assert is_working_day(closes.date()) and 49 <= (closes.date() - today).days <= 53, today
        assert closes.utcoffset() == PARIS.utcoffset(closes.replace(tzinfo=None)), today
        spans = {
            m["kind"]: (dt.date.fromisoformat(m["starts_on"]), dt.date.fromisoformat(m["ends_on"]))
            for m in shifted["milestones"]
            if m.get("starts_on")
        }
        (sel_start, sel_end), (sup_start, sup_end) = spans["selection"], spans["support"]
        # the seed's shape: selection the month after the closing, support from the third
        # month after it to the sixth, each a whole month
        assert sel_start == (closes.date().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        assert (sel_end + dt.timedelta(days=1)).day == 1 and sel_end.month == sel_start.month
        assert (
            sup_start.day == 1
            and (sup_start.year * 12 + sup_start.month) - (sel_start.year * 12 + sel_start.month)
            == 2
        ), today
        assert (sup_end + dt.timedelta(days=1)).day == 1 and sup_end > sup_start, today
        assert shifted["edition"].startswith(str(today.year)), today
        today += dt.timedelta(days=1)


# --- The demo on every sweep day -----------------------------------------------------------------


def random_day() -> dt.date:
    chosen = os.environ.get("COOPESS_DEMO_DAY")
    if chosen:
        return dt.date.fromisoformat(chosen)
    return dt.date(2026, 1, 1) + dt.timedelta(days=random.randrange(366 * 10))


def at_ten(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=PARIS)


@contextlib.contextmanager
def rolled_back():
    """A savepoint that is always rolled back, so that each sweep day starts from the history."""
    with contextlib.suppress(_RollBack), transaction.atomic():
        yield
        raise _RollBack


class _RollBack(Exception):
    pass


def assert_demo_holds(today: dt.date) -> None:
    now = timezone.now()
    assert not Call.objects.get(slug=SEED_SLUG).is_open(at=now), today
    copy = Call.objects.get(slug=OPEN_COPY_SLUG)
    assert copy.is_open(at=now), today
    assert timezone.localdate(copy.opens_at, timezone=PARIS) <= today, today
    closes = timezone.localdate(copy.closes_at, timezone=PARIS)
    assert is_working_day(closes), (today, closes)
    assert (closes - today).days >= 42, (today, closes)
    milestones = {m.kind: m for m in copy.milestones.all()}
    selection, support = milestones["selection"], milestones["support"]
    for milestone in (selection, support):
        assert milestone.starts_on.day == 1, (today, milestone.kind, milestone.starts_on)
        after_end = milestone.ends_on + dt.timedelta(days=1)
        assert after_end.day == 1, (today, milestone.kind, milestone.ends_on)
    assert closes < selection.starts_on <= selection.ends_on < support.starts_on, (
        today,
        closes,
        selection.starts_on,
        support.starts_on,
    )
    assert copy.applications.filter(status="draft").exists(), today
    for interview in Interview.objects.filter(cohort__call=copy):
        local = timezone.localtime(interview.starts_at, timezone=PARIS)
        assert is_working_day(local.date()) and 8 <= local.hour < 18, (today, local)


@pytest.mark.django_db
def test_the_demo_loads_on_every_day_of_the_sweep():
    first = random_day()
    print(f"\nDemo loaded from scratch on {first.isoformat()} (COOPESS_DEMO_DAY to replay)")
    with time_machine.travel(at_ten(first), tick=False):
        demo_load()
        assert_demo_holds(first)
    for today in SWEEP:
        with time_machine.travel(at_ten(today), tick=False):
            with rolled_back():  # the open copy already there (make run, another morning)
                demo_load()
                assert_demo_holds(today)
            with rolled_back():  # no open copy yet (a fresh clone on that day)
                Call.objects.filter(slug=OPEN_COPY_SLUG).update(slug="copie-precedente")
                demo_load()
                assert_demo_holds(today)


@pytest.mark.django_db
def test_the_open_copys_first_slots_on_every_day_of_the_sweep():
    """The open copy's interview slots (three weeks on, two days): distinct working days."""
    from coopess.diagnostic.demo_interviews import _open_copy
    from tests.diagnostic.test_interviews import opened

    with time_machine.travel(at_ten(SWEEP[0]), tick=False):
        setup = opened(seed=31)
    for today in SWEEP:
        with time_machine.travel(at_ten(today), tick=False), rolled_back():
            _open_copy(setup.call)
            slots = list(Interview.objects.filter(cohort=setup.cohort).order_by("starts_at"))
            assert len(slots) == 6, today
            days = sorted({timezone.localdate(s.starts_at, timezone=PARIS) for s in slots})
            assert len(days) == 2 and all(is_working_day(day) for day in days), (today, days)
            assert all(s.starts_at > timezone.now() for s in slots), today


@pytest.mark.django_db
def test_a_copy_that_closes_within_six_weeks_is_reopened():
    """Found by the random first day of the sweep (6 November 2027, then 30 November): a copy
    opened three weeks earlier was still open but closed in 27 days; it now reopens today."""
    with time_machine.travel(at_ten(dt.date(2027, 11, 6)), tick=False):
        demo_load()
    copy = Call.objects.get(slug=OPEN_COPY_SLUG)
    assert timezone.localdate(copy.closes_at, timezone=PARIS) == dt.date(2027, 12, 27)
    with time_machine.travel(at_ten(dt.date(2027, 11, 15)), tick=False):
        demo_load()  # 42 days left: kept as it is
        copy.refresh_from_db()
        assert timezone.localdate(copy.opens_at, timezone=PARIS) == dt.date(2027, 11, 6)
    with time_machine.travel(at_ten(dt.date(2027, 11, 30)), tick=False):
        demo_load()
        copy.refresh_from_db()
        assert timezone.localdate(copy.opens_at, timezone=PARIS) == dt.date(2027, 11, 30)
        assert timezone.localdate(copy.closes_at, timezone=PARIS) == dt.date(2028, 1, 18)
        assert_demo_holds(dt.date(2027, 11, 30))
