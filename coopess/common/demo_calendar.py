"""The one place where the demo picks the moments it derives from today.

The 2023 history is written with its own fixed dates; only the open copy of the call (and the few
things a newcomer tries on it) moves with today. Every such moment comes from here so that no
day of the year can make the demo hit a constraint: meetings fall on distinct working days
(Monday to Friday, never a French public holiday, so never on a DST change, which France makes
on Sundays), at office hours, and the call's month-precise milestones keep their place after the
closing whatever the day of the month.
"""

from __future__ import annotations

import datetime as dt

from dateutil.easter import easter
from django.utils import timezone

from coopess.common.timezones import PARIS


def demo_today() -> dt.date:
    """Today in Paris: the day the open copy of the call opens."""
    return timezone.localdate(timezone=PARIS)


def french_public_holidays(year: int) -> frozenset[dt.date]:
    """The eleven national public holidays of metropolitan France (Code du travail L3133-1)."""
    easter_sunday = easter(year)
    fixed = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
    moving = (1, 39, 50)  # lundi de Pâques, Ascension, lundi de Pentecôte
    return frozenset(
        [dt.date(year, month, day) for month, day in fixed]
        + [easter_sunday + dt.timedelta(days=offset) for offset in moving]
    )


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in french_public_holidays(day.year)


def working_days(*, start: dt.date, count: int) -> list[dt.date]:
    """``count`` distinct working days, the first on or after ``start``, in order."""
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def at_paris(day: dt.date, clock: dt.time) -> dt.datetime:
    """An aware moment in Paris (office hours never fall in a DST gap or fold)."""
    return dt.datetime.combine(day, clock, tzinfo=PARIS)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = month_index(day) + months
    return dt.date(index // 12, index % 12 + 1, 1)
