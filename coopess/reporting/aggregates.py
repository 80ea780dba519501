"""Aggregates several indicators read, and helpers on the small lists they return.

Each aggregate is one query per report (kept in ``Scope.memo``): the applications submitted per
month, the decisions per call, outcome and day, and every breakdown of the accompanied
structures as ``Count(filter=...)``. Python only reshapes what comes back: a few dozen lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.db.models import Count, Q, Sum, TextField
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format

from coopess.applications.choices import LegalForm
from coopess.applications.models import Eligibility
from coopess.calls.models import ApplicationKind
from coopess.reporting.scope import PARIS, Scope
from coopess.reporting.tables import Row
from coopess.selection.models import DecisionReason
from coopess.structures.nomenclatures import staff_bands

UNKNOWN = "Non renseigné"
#: the départements of the Pays de la Loire, always listed (and drawn on the map)
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
OTHER_DEPARTEMENTS = "Autres départements"

# --- Helpers on small aggregated lists ----------------------------------------------------------


def weighted_median(pairs: list[tuple[float, int]]) -> float | None:
    """Median of values given as (value, how many times)."""
    pairs = sorted((v, n) for v, n in pairs if n)
    total = sum(n for _, n in pairs)
    if not total:
        return None

    def nth(k: int) -> float:  # 0-based k-th value
        seen = 0
        for value, n in pairs:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def weighted_mean(pairs: list[tuple[float, int]]) -> float | None:
    total = sum(n for _, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else None


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment, PARIS).date()
    return moment


def month_label(month: dt.date) -> str:
    return date_format(month, "F Y")


def total_row(rows: list[Row], label: str = "Total") -> Row:
    keys = rows[0].values.keys() if rows else []
    return Row(
        "total",
        label,
        {key: sum((row.values.get(key) or 0) for row in rows) for key in keys},
    )


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


# --- Aggregates several indicators read (one query each per report) ---------------------------

OUTCOMES = ("selected", "waitlisted", "rejected")


@dataclass(frozen=True)
class CallInfo:
    label: str
    closes_at: dt.datetime
    theme: str


def calls_in_scope(scope: Scope) -> dict[int, CallInfo]:
    """The calls in scope by id: their label, closing instant and theme (one small query)."""

    return {
        pk: CallInfo(f"{title} ({edition})", closes_at, theme.strip() or UNKNOWN)
        for pk, title, edition, closes_at, theme in scope.call_rows()
    }


def themes(scope: Scope) -> list[tuple[str, list[int]]]:
    """The themes of the calls in scope, alphabetically, with the ids of their calls."""
    by_theme: dict[str, list[int]] = {}
    for pk, info in calls_in_scope(scope).items():
        by_theme.setdefault(info.theme, []).append(pk)
    return sorted(by_theme.items())


def submitted_by_month(scope: Scope) -> list[dict]:
    """Applications submitted in the period, per month (Paris): how many, how many eligible,
    and their structures."""

    def compute() -> list[dict]:
        eligible = Q(eligibility=Eligibility.ELIGIBLE)
        return list(
            scope.applications()
            .filter(Q(submitted_at__isnull=False) & scope.period.q("submitted_at"))
            .annotate(month=TruncMonth("submitted_at", tzinfo=PARIS))
            .values("month")
            .annotate(
                n=Count("pk"),
                structures=Sum("structure_count"),
                eligible=Count("pk", filter=eligible),
                eligible_structures=Sum("structure_count", filter=eligible),
            )
            .order_by("month")
        )

    return scope.remember("applications_by_month", compute)


def cites_reason(code: str) -> Q:
    """The decision's list of reasons contains ``code``: JSON containment on PostgreSQL (no text
    conversion of each list, a third faster over 44,000 decisions); elsewhere the list as text,
    where a code between quotes matches itself (lists are stored as ["code", ...])."""
    if connection.vendor == "postgresql":
        return Q(reasons__contains=[code])
    return Q(reasons_text__contains=f'"{code}"')


def decisions_by_day(scope: Scope) -> list[dict]:
    """Current decisions taken in the period, per call, outcome and day (Paris): how many, the
    structures of their applications (as the decision recorded them), and how many rejections
    cite each reason. Read from the decisions alone (their copy of the call)."""

    def compute() -> list[dict]:
        return list(
            scope.decisions()
            .annotate(
                day=TruncDate("decided_at", tzinfo=PARIS),
                reasons_text=Cast("reasons", TextField()),
            )
            .values("call_id", "outcome", "day")
            .annotate(
                n=Count("pk"),
                structures=Sum("structure_count"),
                **{
                    f"reason_{reason.value}": Count(
                        "pk", filter=Q(outcome="rejected") & cites_reason(reason.value)
                    )
                    for reason in DecisionReason
                },
            )
            .order_by()
        )

    return scope.remember("decisions_by_day", compute)


DEPARTEMENT_GROUPS = (*REGION_DEPARTEMENTS, "other", "unknown")


@functools.cache
def naf_sections() -> list[tuple[str, str, int, int]]:
    path = Path(__file__).resolve().parent / "data" / "naf_sections.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (r["section"], r["label"], int(r["first_division"]), int(r["last_division"]))
            for r in csv.DictReader(handle)
        ]


def naf_section(division: str | None) -> str | None:
    """The NAF rév. 2 section (A… U) of a division (the first two digits of a NAF code)."""
    if not division or not division.isdigit():
        return None
    number = int(division)
    for section, _label, first, last in naf_sections():
        if first <= number <= last:
            return section
    return None


def staff_band_list() -> list:
    # « 00 » (no employee on 31 December but some during the year) is not a declared head count
    return [band for band in staff_bands().values() if band.code != "00"]


def departement_condition(group: str) -> Q:
    if group == "unknown":
        return Q(departement="")
    if group == "other":
        return ~Q(departement="") & ~Q(departement__in=REGION_DEPARTEMENTS)
    return Q(departement=group)


def maturity_stages(scope: Scope) -> list[tuple[str, list[int]]]:
    """The maturity stages of the calls in scope by label, in their order, with the ids each
    label has in those calls (one small query)."""

    def compute() -> list[tuple[str, list[int]]]:
        from coopess.calls.models import MaturityStage

        by_label: dict[str, tuple[int, list[int]]] = {}
        for pk, label, position in MaturityStage.objects.filter(
            call_id__in=scope.call_ids()
        ).values_list("pk", "label", "position"):
            first, ids = by_label.get(label, (position, []))
            by_label[label] = (min(first, position), [*ids, pk])
        ordered = sorted(by_label.items(), key=lambda item: (item[1][0], item[0]))
        return [(label, ids) for label, (_position, ids) in ordered]

    return scope.remember("maturity_stages", compute)


def stage_labels(scope: Scope) -> list[str]:
    """The maturity stages of the calls in scope, by label, in their order."""
    return [label for label, _ids in maturity_stages(scope)]


def structure_counts(scope: Scope) -> dict:
    """Every breakdown of the accompanied structures, in one aggregate query: one
    ``Count(filter=...)`` per category (legal form, kind, département, NAF section, staff band,
    maturity stage), and the jobs per département."""

    def compute() -> dict:
        stages = maturity_stages(scope)
        aggregates = {
            "structures": Count("pk"),
            "applications": Count("application", distinct=True),
            "cohorts": Count("application__cohort_membership__cohort", distinct=True),
        }
        for value, _label in LegalForm.choices:
            aggregates[f"legal_{value}"] = Count("pk", filter=Q(legal_form=value))
        for kind in ApplicationKind:
            aggregates[f"kind_{kind.value}"] = Count("pk", filter=Q(application__kind=kind.value))
        for group in DEPARTEMENT_GROUPS:
            condition = departement_condition(group)
            aggregates[f"dep_{group}"] = Count("pk", filter=condition)
            aggregates[f"employees_{group}"] = Sum("employees", filter=condition)
            aggregates[f"fte_{group}"] = Sum("fte", filter=condition)
        for section, _label, first, last in naf_sections():
            # on the code itself: « 88.99B » >= « 87 » and < « 89 » (no substring per row)
            condition = Q(naf_code__gte=f"{first:02d}")
            if last < 99:
                condition &= Q(naf_code__lt=f"{last + 1:02d}")
            aggregates[f"naf_{section}"] = Count("pk", filter=condition)
        for band in staff_band_list():
            condition = Q(employees__gte=band.min_employees)
            if band.max_employees is not None:
                condition &= Q(employees__lte=band.max_employees)
            aggregates[f"band_{band.code}"] = Count("pk", filter=condition)
        for index, (_theme, ids) in enumerate(themes(scope)):
            # through the cohort (joined already), not the application's own call: the
            # application's columns come from a covering index that does not hold its call
            aggregates[f"theme_{index}"] = Count(
                "pk", filter=Q(application__cohort_membership__cohort__call_id__in=ids)
            )
        for index, (_label, ids) in enumerate(stages):
            # by id (no join with the stages): a label may have an id in each call
            aggregates[f"stage_{index}"] = Count(
                "pk", filter=Q(application__maturity_stage_id__in=ids)
            )
        return scope.accompanied_structures().aggregate(**aggregates)

    return scope.remember("structure_counts", compute)


# --- Collective support (coopess/support) ---------------------------------------------------


def support_sessions(scope: Scope) -> dict:
    """The support sessions (one half-day each) of the cohorts in scope dated in the period, by
    state, the held ones by kind; and the attendance recorded at the held ones (one query each)."""

    def compute() -> dict:
        from coopess.support.models import Attendance, Session, SessionKind, SessionStatus

        held = Q(status=SessionStatus.HELD)
        collective, individual = SessionKind.COLLECTIVE, SessionKind.INDIVIDUAL
        sessions = (
            Session.objects.filter(cohort__in=scope.cohorts())
            .filter(scope.period.q("starts_at"))
            .aggregate(
                held=Count("pk", filter=held),
                scheduled=Count("pk", filter=Q(status=SessionStatus.PLANNED)),
                cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
                held_collective=Count("pk", filter=held & Q(kind=collective)),
                held_individual=Count("pk", filter=held & Q(kind=individual)),
            )
        )
        present = Q(present=True)
        attendance = (
            Attendance.objects.filter(
                session__cohort__in=scope.cohorts(), session__status=SessionStatus.HELD
            )
            .filter(scope.period.q("session__starts_at"))
            .aggregate(
                expected_collective=Count("pk", filter=Q(session__kind=collective)),
                expected_individual=Count("pk", filter=Q(session__kind=individual)),
                present_collective=Count("pk", filter=present & Q(session__kind=collective)),
                present_individual=Count("pk", filter=present & Q(session__kind=individual)),
            )
        )
        return {**sessions, **attendance}

    return scope.remember("support_sessions", compute)


def engagements_by_call(scope: Scope) -> list[dict]:
    """The consultancies (one per cohort) whose support period starts in the period, per call:
    how many, their planned half-days and their budget (one query)."""

    def compute() -> list[dict]:
        from coopess.support.models import Engagement

        return list(
            Engagement.objects.filter(cohort__in=scope.cohorts())
            .filter(scope.period.date_q("starts_on"))
            .values("cohort__call_id")
            .annotate(n=Count("pk"), planned=Sum("planned_half_days"), budget=Sum("budget"))
            .order_by()
        )

    return scope.remember("engagements_by_call", compute)
