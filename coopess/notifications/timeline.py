"""A timeline drawn on the server: an SVG (role="img", with its title and description) and the
same events as an ordered list, its text alternative. Dates are Paris dates; months in French."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from coopess.calls.calendar import PARIS
from coopess.notifications.registry import Event, Lane

MONTHS = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
]  # fmt: skip

WIDTH = 960
LABEL_WIDTH = 200
RIGHT = 24
HEADER = 56
LANE_HEIGHT = 36
FOOTER = 26
COLOURS = {
    Lane.CALL: "#1d4f91",
    Lane.INTERVIEWS: "#8a3b12",
    Lane.WORKSHOP: "#5b2c83",
    Lane.SYNTHESIS: "#1f6e43",
    Lane.SESSIONS: "#9a1b4b",
    Lane.FOLLOWUPS: "#4a5560",
}
TODAY_COLOUR = "#c1121f"


def paris_date(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, PARIS).date()
    return value


CLOCK = "H \\h i"
DAY = "j F Y"


def when_text(event: Event) -> str:
    """« 31 mars 2024, 10 h 00 à 11 h 30 », « 12 mai 2023 », « du 1 sept. au 31 déc. 2023 »."""
    if event.is_timed:
        start = timezone.localtime(event.starts, PARIS)
        text = f"{date_format(start, DAY)}, {date_format(start, CLOCK)}"
        if event.ends:
            end = timezone.localtime(event.ends, PARIS)
            if end.date() == start.date():
                return f"{text} à {date_format(end, CLOCK)}"
            return f"{text} au {date_format(end, DAY)}, {date_format(end, CLOCK)}"
        return text
    if event.ends and event.ends != event.starts:
        return f"du {date_format(event.starts, DAY)} au {date_format(event.ends, DAY)}"
    return date_format(event.starts, "j F Y")


@dataclass(frozen=True)
class Row:
    event: Event
    first_day: dt.date
    last_day: dt.date
    when: str
    is_past: bool


@dataclass(frozen=True)
class Timeline:
    title: str
    today: dt.date
    rows: list[Row]
    svg: str

    @property
    def today_text(self) -> str:
        return date_format(self.today, "j F Y")

    @property
    def past_rows(self) -> list[Row]:
        return [r for r in self.rows if r.is_past]

    @property
    def upcoming_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.is_past]


def _lane_order(lanes: set[str]) -> list[str]:
    known = [lane for lane in Lane.ORDER if lane in lanes]
    return known + sorted(lanes - set(Lane.ORDER))


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def build_timeline(
    events: list[Event], *, title: str, now: dt.datetime | None = None, ident: str = "frise"
) -> Timeline:
    """The timeline of ``events`` (cancelled ones left out) with ``now``'s date marked."""
    today = timezone.localtime(now or timezone.now(), PARIS).date()
    rows = []
    for event in events:
        if event.cancelled:
            continue
        first = paris_date(event.starts)
        last = paris_date(event.ends) if event.ends else first
        rows.append(
            Row(
                event=event,
                first_day=first,
                last_day=max(first, last),
                when=when_text(event),
                is_past=max(first, last) < today,
            )
        )
    rows.sort(key=lambda r: (r.first_day, paris_sort_key(r.event), r.event.title))
    return Timeline(title=title, today=today, rows=rows, svg=render_svg(rows, today, title, ident))


def paris_sort_key(event: Event) -> dt.datetime:
    if event.is_timed:
        return event.starts.astimezone(dt.UTC).replace(tzinfo=None)
    return dt.datetime.combine(event.starts, dt.time.min)


def render_svg(rows: list[Row], today: dt.date, title: str, ident: str) -> str:
    days = [today] + [r.first_day for r in rows] + [r.last_day for r in rows]
    start = min(days).replace(day=1)
    end_month = max(days)
    end = end_month.replace(day=_calendar.monthrange(end_month.year, end_month.month)[1])
    span = (end - start).days + 1
    plot = WIDTH - LABEL_WIDTH - RIGHT

    def x(day: dt.date) -> float:
        return round(LABEL_WIDTH + (day - start).days / span * plot, 1)

    lanes = _lane_order({r.event.lane for r in rows}) or [Lane.CALL]
    height = HEADER + LANE_HEIGHT * len(lanes) + FOOTER
    title_id, desc_id = f"{ident}-titre", f"{ident}-description"
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height}",
            "width": "100%",
            "role": "img",
            "aria-labelledby": f"{title_id} {desc_id}",
            "class": "timeline-svg",
            "font-family": "sans-serif",
            "font-size": "12",
        },
    )
    ET.SubElement(svg, "title", {"id": title_id}).text = title
    past = sum(1 for r in rows if r.is_past)
    ET.SubElement(svg, "desc", {"id": desc_id}).text = (
        f"Frise chronologique du {date_format(start, DAY)} au {date_format(end, DAY)} : "
        f"{len(rows)} événement(s), dont {past} passé(s). Aujourd'hui : "
        f"{date_format(today, DAY)}. La liste qui suit la frise reprend chaque événement."
    )
    # months
    months = ET.SubElement(svg, "g", {"class": "timeline-months"})
    starts = _month_starts(start, end)
    step = max(1, round(60 / (plot / len(starts))))  # a label every `step` months, ≥ 60 px apart
    for index, month in enumerate(starts):
        mx = x(month)
        ET.SubElement(
            months, "line",
            {"x1": str(mx), "x2": str(mx), "y1": str(HEADER - 8), "y2": str(height - FOOTER),
             "stroke": "#c8ccd0", "stroke-width": "1"},
        )  # fmt: skip
        if index % step == 0:
            ET.SubElement(months, "text", {"x": str(mx + 3), "y": str(HEADER - 14)}).text = MONTHS[
                month.month - 1
            ]
        if index == 0 or month.month == 1:
            ET.SubElement(
                months, "text", {"x": str(mx + 3), "y": str(HEADER - 32), "font-weight": "bold"}
            ).text = str(month.year)
    # lanes
    for position, lane in enumerate(lanes):
        top = HEADER + position * LANE_HEIGHT
        middle = top + LANE_HEIGHT / 2
        group = ET.SubElement(svg, "g", {"class": "timeline-lane"})
        ET.SubElement(
            group, "line",
            {"x1": str(LABEL_WIDTH), "x2": str(WIDTH - RIGHT), "y1": str(middle),
             "y2": str(middle), "stroke": "#e3e5e8", "stroke-width": "1"},
        )  # fmt: skip
        ET.SubElement(group, "text", {"x": "8", "y": str(middle + 4)}).text = lane
        colour = COLOURS.get(lane, "#333d47")
        for row in (r for r in rows if r.event.lane == lane):
            mark = ET.SubElement(group, "g", {"class": "timeline-event"})
            ET.SubElement(mark, "title").text = f"{row.event.title} — {row.when}"
            if row.last_day > row.first_day:
                left, right = x(row.first_day), x(row.last_day + dt.timedelta(days=1))
                ET.SubElement(
                    mark, "rect",
                    {"x": str(left), "y": str(middle - 7), "width": str(max(4, right - left)),
                     "height": "14", "rx": "3", "fill": colour, "fill-opacity": "0.8"},
                )  # fmt: skip
            else:
                ET.SubElement(
                    mark, "circle",
                    {"cx": str(x(row.first_day) + plot / span / 2), "cy": str(middle), "r": "6",
                     "fill": colour, "stroke": "#ffffff", "stroke-width": "1.5"},
                )  # fmt: skip
    # today
    tx = x(today) + plot / span / 2
    marker = ET.SubElement(svg, "g", {"class": "timeline-today"})
    ET.SubElement(
        marker, "line",
        {"x1": str(tx), "x2": str(tx), "y1": str(HEADER - 6), "y2": str(height - FOOTER + 6),
         "stroke": TODAY_COLOUR, "stroke-width": "2", "stroke-dasharray": "4 3"},
    )  # fmt: skip
    anchor = "end" if tx > WIDTH - 120 else "start"
    ET.SubElement(
        marker, "text",
        {"x": str(tx + (-4 if anchor == "end" else 4)), "y": str(height - 6),
         "fill": TODAY_COLOUR, "text-anchor": anchor, "font-weight": "bold"},
    ).text = "Aujourd'hui"  # fmt: skip
    return ET.tostring(svg, encoding="unicode")
