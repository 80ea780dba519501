"""Where a call stands in time, computed from its calendar in Europe/Paris."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from coopess.calls.models import Call, CallMilestone, DatePrecision, MilestoneKind
from coopess.common.timezones import PARIS  # also read from here by callers

# Django date formats: « 30 juin 2023 », « 23 h 59 ».
DAY = "j F Y"
CLOCK = "H \\h i"
DAY_AND_CLOCK = "j F Y à H \\h i"


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "À venir"
    OPEN = "open", "Candidatures ouvertes"
    SELECTION = "selection", "Sélection en cours"
    BEFORE_SUPPORT = "before_support", "Structures sélectionnées"
    SUPPORT = "support", "Accompagnement en cours"
    FOLLOW_UP = "follow_up", "Suivi des structures accompagnées"
    CLOSED = "closed", "Appel clos"


@dataclass(frozen=True)
class MilestoneLine:
    milestone: CallMilestone
    label: str
    when: str
    first_day: dt.date
    last_day: dt.date
    is_current: bool
    is_past: bool


@dataclass(frozen=True)
class CallTimeline:
    phase: Phase
    explanation: str
    lines: list[MilestoneLine]


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, PARIS).date()


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=_calendar.monthrange(day.year, day.month)[1])


def milestone_span(call: Call, milestone: CallMilestone) -> tuple[dt.date, dt.date]:
    """The first and last day a milestone covers, in Paris."""
    if milestone.kind == MilestoneKind.LAUNCH:
        day = local_date(call.opens_at)
        return day, day
    if milestone.kind == MilestoneKind.CLOSING:
        day = local_date(call.closes_at)
        return day, day
    start = milestone.starts_on
    end = milestone.ends_on or start
    if milestone.precision == DatePrecision.MONTH:
        return start.replace(day=1), month_end(end)
    return start, end


def milestone_when(call: Call, milestone: CallMilestone) -> str:
    """The date as the call text writes it: « 12 mai 2023 », « septembre à décembre 2023 »."""
    if milestone.kind == MilestoneKind.LAUNCH:
        return date_format(timezone.localtime(call.opens_at, PARIS), "j F Y")
    if milestone.kind == MilestoneKind.CLOSING:
        closing = timezone.localtime(call.closes_at, PARIS)
        return f"{date_format(closing, 'j F Y')} à {date_format(closing, CLOCK)}"
    start, end = milestone.starts_on, milestone.ends_on
    month = milestone.precision == DatePrecision.MONTH
    fmt = "F Y" if month else "j F Y"
    if (
        end is None
        or end == start
        or (month and (end.year, end.month) == (start.year, start.month))
    ):
        return date_format(start, fmt)
    if start.year == end.year:
        first = date_format(start, "F" if month else "j F")
        return (
            f"{first} à {date_format(end, fmt)}"
            if month
            else f"du {first} au {date_format(end, fmt)}"
        )
    return (
        f"{date_format(start, fmt)} à {date_format(end, fmt)}"
        if month
        else f"du {date_format(start, fmt)} au {date_format(end, fmt)}"
    )


def _span_of_kind(call: Call, milestones: list[CallMilestone], kind: str):
    spans = [milestone_span(call, m) for m in milestones if m.kind == kind]
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, _calendar.monthrange(year, month)[1])
    )


def call_timeline(call: Call, *, now: dt.datetime | None = None) -> CallTimeline:
    """The call's phase at ``now`` and its calendar lines, with the current one marked.

    ``call.milestones`` should be prefetched: this function runs no query of its own then.
    """
    now = now or timezone.now()
    today = local_date(now)
    milestones = list(call.milestones.all())
    selection = _span_of_kind(call, milestones, MilestoneKind.SELECTION)
    support = _span_of_kind(call, milestones, MilestoneKind.SUPPORT)
    closing_day = local_date(call.closes_at)

    if now < call.opens_at:
        phase = Phase.UPCOMING
        explanation = f"Les candidatures ouvriront le {date_format(timezone.localtime(call.opens_at, PARIS), DAY_AND_CLOCK)}."
    elif now < call.closes_at:
        phase = Phase.OPEN
        explanation = f"Les candidatures sont ouvertes jusqu'au {date_format(timezone.localtime(call.closes_at, PARIS), DAY_AND_CLOCK)} (heure de Paris)."
    elif support and today > support[1]:
        follow_up_end = _add_months(support[1], call.follow_up_months)
        if today <= follow_up_end:
            phase = Phase.FOLLOW_UP
            explanation = "L'accompagnement est terminé ; les structures accompagnées sont suivies."
        else:
            phase = Phase.CLOSED
            explanation = f"Cet appel est clos : les candidatures ont fermé le {date_format(closing_day, 'j F Y')}."
    elif support and support[0] <= today:
        phase = Phase.SUPPORT
        explanation = "Les structures retenues sont accompagnées."
    elif selection is None or today <= selection[1]:
        phase = Phase.SELECTION
        explanation = f"Les candidatures sont closes depuis le {date_format(closing_day, 'j F Y')} ; la sélection est en cours."
    else:
        phase = Phase.BEFORE_SUPPORT
        explanation = "La sélection est faite ; l'accompagnement va commencer."

    lines = []
    for milestone in milestones:
        first, last = milestone_span(call, milestone)
        lines.append(
            MilestoneLine(
                milestone=milestone,
                label=milestone.label,
                when=milestone_when(call, milestone),
                first_day=first,
                last_day=last,
                is_current=first <= today <= last,
                is_past=last < today,
            )
        )
    return CallTimeline(phase=phase, explanation=explanation, lines=lines)
