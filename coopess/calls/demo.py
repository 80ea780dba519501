"""Demo calls: the seed call as published in 2023 (closed) and a copy of it whose calendar is
shifted to open today (a step of ``coopess.common.demo.demo_load``); idempotent."""

from __future__ import annotations

import copy
import datetime as dt

from coopess.calls.calendar import PARIS, month_end
from coopess.calls.models import Call
from coopess.calls.services import call_create_from_data, load_call_data
from coopess.common.demo import OPEN_COPY_MIN_LEFT, OPEN_COPY_SLUG, SEED_SLUG, DemoContext
from coopess.common.demo_calendar import add_months, at_paris, month_index, working_days


def load(demo: DemoContext) -> None:
    """Both calls (``demo.seed_call``, ``demo.open_copy``), read by the demo funder; the copy is
    open ``demo.today`` and stays open at least six weeks more (otherwise its calendar moves)."""
    dla = demo.organisations["dla"]
    data = load_call_data()
    seed_call = Call.objects.filter(slug=SEED_SLUG).first()
    if seed_call is None:
        seed_call = call_create_from_data(operator=dla, data=data)
    open_copy = Call.objects.filter(slug=OPEN_COPY_SLUG).first()
    shifted = shifted_call_data(data, today=demo.today)
    if open_copy is None:
        open_copy = call_create_from_data(operator=dla, data=shifted)
    elif (
        not open_copy.is_open(at=demo.moment)
        or open_copy.closes_at - demo.moment < OPEN_COPY_MIN_LEFT
    ):
        _move_calendar(open_copy, shifted)
    for call in (seed_call, open_copy):
        # the demo funder reads both calls' indicators (and no other DLA's)
        call.funders.add(demo.organisations["funder"])
    demo.seed_call, demo.open_copy = seed_call, open_copy


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
