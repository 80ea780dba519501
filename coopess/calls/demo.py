"""Demo calls: the seed call as published in 2023 (closed), its 2025 edition (closed, the same
text two years later) and a copy of it whose calendar is shifted to open today (a step of
``coopess.common.demo.demo_load``); idempotent."""

from __future__ import annotations

import copy
import datetime as dt

from coopess.calls.calendar import PARIS, month_end
from coopess.calls.models import Call
from coopess.calls.services import call_create_from_data, load_call_data
from coopess.common.demo import (
    EDITION_2025_SLUG,
    OPEN_COPY_MIN_LEFT,
    OPEN_COPY_SLUG,
    SEED_SLUG,
    DemoContext,
)
from coopess.common.demo_calendar import add_months, at_paris, month_index, working_days

#: the 2025 edition opens two years to the day after the seed call (fixed: its history is past)
EDITION_2025_OPENS = dt.date(2025, 5, 12)


def load(demo: DemoContext) -> None:
    """The three calls (``demo.seed_call``, ``demo.edition_2025``, ``demo.open_copy``), read by
    the demo funder; the copy is open ``demo.today`` and stays open at least six weeks more
    (otherwise its calendar moves)."""
    dla = demo.organisations["dla"]
    data = load_call_data()
    seed_call = Call.objects.filter(slug=SEED_SLUG).first()
    if seed_call is None:
        seed_call = call_create_from_data(operator=dla, data=data)
    edition_2025 = Call.objects.filter(slug=EDITION_2025_SLUG).first()
    if edition_2025 is None:
        edition_2025 = call_create_from_data(operator=dla, data=edition_2025_data(data))
    open_copy = Call.objects.filter(slug=OPEN_COPY_SLUG).first()
    shifted = shifted_call_data(data, today=demo.today)
    if open_copy is None:
        open_copy = call_create_from_data(operator=dla, data=shifted)
    elif (
        not open_copy.is_open(at=demo.moment)
        or open_copy.closes_at - demo.moment < OPEN_COPY_MIN_LEFT
    ):
        _move_calendar(open_copy, shifted)
    for call in (seed_call, edition_2025, open_copy):
        # the demo funder reads the three calls' indicators (and no other DLA's)
        call.funders.add(demo.organisations["funder"])
    demo.seed_call, demo.edition_2025, demo.open_copy = seed_call, edition_2025, open_copy


def edition_2025_data(data: dict) -> dict:
    """The seed call two years later, on fixed dates (closing on Monday 30 June 2025, selection in
    July 2025, support from September to December 2025)."""
    edition = shifted_call_data(data, today=EDITION_2025_OPENS)
    edition["slug"] = EDITION_2025_SLUG
    edition["edition"] = "2025"
    return edition


def shifted_call_data(data: dict, *, today: dt.date) -> dict:
    """The seed call with its calendar moved so that it opens ``today`` (Paris).

    The closing moves by as many days as the opening, to the next working day if it falls on a
    weekend or a public holiday; month-precise milestones move by as many months as the
    closing, so « juillet 2023 » stays a whole month and stays the month after the closing
    whatever the day of the month (dates from ``coopess.common.demo_calendar``).
    """
    shifted = copy.deepcopy(data)
    opens = dt.datetime.fromisoformat(data["opens_at"]).astimezone(PARIS)
    closes = dt.datetime.fromisoformat(data["closes_at"]).astimezone(PARIS)
    days = (today - opens.date()).days
    new_closing = working_days(start=closes.date() + dt.timedelta(days=days), count=1)[0]
    months = month_index(new_closing) - month_index(closes.date())

    shifted["opens_at"] = at_paris(today, opens.time()).isoformat()
    shifted["closes_at"] = at_paris(new_closing, closes.time()).isoformat()
    for milestone in shifted["milestones"]:
        for key in ("starts_on", "ends_on"):
            if not milestone.get(key):
                continue
            day = dt.date.fromisoformat(milestone[key])
            if milestone.get("precision") == "month":
                moved = add_months(day, months)
                if key == "ends_on":  # keep « to the end of the month »
                    moved = month_end(moved)
                milestone[key] = moved.isoformat()
            else:
                milestone[key] = (day + dt.timedelta(days=days)).isoformat()
    shifted["slug"] = OPEN_COPY_SLUG
    shifted["edition"] = f"{today.year} — copie de démonstration"
    for section in shifted["sections"]:
        section["heading"] = section["heading"].replace(str(opens.year), str(today.year))
    return shifted


def _move_calendar(call: Call, shifted: dict) -> None:
    """Open the demo copy again, keeping what newcomers already typed in it."""
    call.opens_at = dt.datetime.fromisoformat(shifted["opens_at"])
    call.closes_at = dt.datetime.fromisoformat(shifted["closes_at"])
    call.edition = shifted["edition"]
    call.save()
    by_kind = {row["kind"]: row for row in shifted["milestones"]}
    for milestone in call.milestones.all():
        row = by_kind.get(milestone.kind)
        if row and row.get("starts_on"):
            milestone.starts_on = dt.date.fromisoformat(row["starts_on"])
            milestone.ends_on = (
                dt.date.fromisoformat(row["ends_on"]) if row.get("ends_on") else None
            )
            milestone.save()
