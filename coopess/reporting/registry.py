"""The register of indicators and the report they make together.

Each indicator is defined once, in the package ``indicators/`` (one module per section), with
``@indicator(...)``; importing that package fills ``INDICATORS`` (``ReportingConfig.ready``
does, then ``discover``). ``compute_report`` runs every indicator for a scope (or reads the
numbers from the shared cache) for the page, the charts, the exports and the PDF alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from coopess.reporting.scope import Scope
from coopess.reporting.tables import Table

SECTIONS: dict[str, str] = {
    "candidatures": "Candidatures et sélection",
    "structures": "Structures accompagnées",
    "emplois": "Emplois concernés",
    "diagnostic": "Diagnostic partagé",
    "accompagnement": "Accompagnement collectif",
    # filled by coopess/followups (see the docstring of indicators/__init__.py)
    "suivis": "Suivis et effets à 6 mois et à 1 an",
    "delais": "Délais",
}


def section(code: str, title: str, *, before: str | None = None) -> None:
    """Declare a section of the report (an app bringing indicators of a new kind). It is listed
    before ``before`` (a section code), or last; declaring an existing code again changes
    nothing."""
    if code in SECTIONS:
        return
    items = list(SECTIONS.items())
    position = next((i for i, (c, _) in enumerate(items) if c == before), len(items))
    items.insert(position, (code, title))
    SECTIONS.clear()
    SECTIONS.update(items)


@dataclass(frozen=True)
class Indicator:
    code: str
    section: str
    label: str
    definition: str
    compute: Callable[[Scope], Table]
    #: "bar", "stacked", "line", "map" or None (table only)
    chart: str | None = None
    #: which column of the table the chart draws (bar, line, map)
    chart_column: int = 0
    #: spreadsheet tab name (31 characters at most)
    sheet: str = ""


INDICATORS: dict[str, Indicator] = {}


def indicator(
    *, code: str, section: str, label: str, definition: str, chart=None, chart_column=0, sheet=""
):
    if section not in SECTIONS:
        raise ValueError(f"Unknown section {section!r} for indicator {code!r}")

    def register(compute: Callable[[Scope], Table]) -> Callable[[Scope], Table]:
        if code in INDICATORS:
            raise ValueError(f"Indicator {code!r} is defined twice")
        INDICATORS[code] = Indicator(
            code=code,
            section=section,
            label=label,
            definition=definition,
            compute=compute,
            chart=chart,
            chart_column=chart_column,
            sheet=(sheet or label)[:31],
        )
        return compute

    return register


@dataclass
class Result:
    indicator: Indicator
    table: Table


@dataclass
class Report:
    scope: Scope
    results: list[Result]
    computed_at: dt.datetime

    def __getitem__(self, code: str) -> Table:
        for result in self.results:
            if result.indicator.code == code:
                return result.table
        raise KeyError(code)

    def sections(self) -> list[tuple[str, str, list[Result]]]:
        return [
            (code, title, [r for r in self.results if r.indicator.section == code])
            for code, title in SECTIONS.items()
            if any(r.indicator.section == code for r in self.results)
        ]


#: how long computed numbers are reused (shared cache, so every web process sees them)
DEFAULT_CACHE_SECONDS = 300
CACHE_VERSION = 1


def cache_seconds() -> int:
    return int(getattr(settings, "COOPESS_REPORT_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


@contextlib.contextmanager
def _computing():
    """On PostgreSQL, compute a report in one read-only REPEATABLE READ transaction when no
    transaction is open yet: its twenty queries then read one snapshot of the database, and the
    numbers of its tables agree with one another even while decisions are being recorded."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def compute_report(scope: Scope) -> Report:
    """Every indicator for ``scope``. The numbers of a scope are kept in the shared cache for
    ``COOPESS_REPORT_CACHE_SECONDS`` (5 minutes by default; 0 turns it off): the page, its
    exports and the PDF then read the same computation, and the report says when it was made."""
    seconds = cache_seconds()
    key = None
    if seconds > 0:
        period = scope.period
        key = "reporting:{}:{}:{}:{}:{}:{}".format(
            CACHE_VERSION,
            ",".join(str(pk) for pk in sorted(scope.call_ids())),
            scope.cohort_id or "",
            period.start.isoformat() if period.start else "",
            period.end.isoformat() if period.end else "",
            ",".join(INDICATORS),
        )
        key = "reporting:" + hashlib.sha256(key.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            computed_at, tables = cached
            return Report(
                scope=scope,
                results=[Result(INDICATORS[code], table) for code, table in tables],
                computed_at=computed_at,
            )
    with _computing():
        report = Report(
            scope=scope,
            results=[Result(ind, ind.compute(scope)) for ind in INDICATORS.values()],
            computed_at=timezone.now(),
        )
    if key is not None:
        tables = [(r.indicator.code, r.table) for r in report.results]
        cache.set(key, (report.computed_at, tables), seconds)
    return report


#: the module name other apps give their indicators (found by ``ReportingConfig.ready``)
APP_MODULE = "reporting_indicators"


def discover() -> None:
    """Import ``<app>.reporting_indicators`` of every installed app that has one: their
    ``@indicator(...)`` functions join the report after this module's own."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules(APP_MODULE)
