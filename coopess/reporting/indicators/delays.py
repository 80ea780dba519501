"""Indicators of delays: from closing to decision and from the start of the diagnostic to the
validated synthesis (means and medians in days).
"""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import TruncDate

from coopess.diagnostic.models import SynthesisStatus
from coopess.reporting.aggregates import (
    calls_in_scope,
    decisions_by_day,
    local_date,
    weighted_mean,
    weighted_median,
)
from coopess.reporting.registry import indicator
from coopess.reporting.scope import PARIS, Scope
from coopess.reporting.tables import Column, Kind, Row, Table

# --- Delays -------------------------------------------------------------------------------------

DELAY_COLUMNS = [
    Column("n", "Nombre"),
    Column("median", "Médiane (jours)", Kind.DAYS, basis="n"),
    Column("mean", "Moyenne (jours)", Kind.DAYS, basis="n"),
]


def _delay_rows(groups: dict[str, tuple[str, list[tuple[float, int]]]]) -> tuple[list[Row], Row]:
    rows, everything = [], []
    for key, (label, pairs) in groups.items():
        everything.extend(pairs)
        rows.append(
            Row(
                key,
                label,
                {
                    "n": sum(n for _, n in pairs),
                    "median": weighted_median(pairs),
                    "mean": weighted_mean(pairs),
                },
            )
        )
    total = Row(
        "total",
        "Ensemble",
        {
            "n": sum(n for _, n in everything),
            "median": weighted_median(everything),
            "mean": weighted_mean(everything),
        },
    )
    return rows, total


@indicator(
    code="delai_decision",
    section="delais",
    label="Délai entre la clôture de l'appel et la décision",
    definition=(
        "Nombre de jours entre la date de clôture de l'appel et la date de la décision "
        "(heure de Paris), pour les décisions prises dans la période : médiane et moyenne, "
        "par appel."
    ),
    sheet="Délai clôture-décision",
)
def decision_delay(scope: Scope) -> Table:
    calls = calls_in_scope(scope)
    lines = sorted(
        decisions_by_day(scope),
        key=lambda line: (calls[line["call_id"]].label, line["call_id"]),
    )
    groups: dict[str, tuple[str, list]] = {}
    for line in lines:  # one line per call, outcome and decision day
        call = calls[line["call_id"]]
        days = (line["day"] - local_date(call.closes_at)).days
        groups.setdefault(str(line["call_id"]), (call.label, []))[1].append((days, line["n"]))
    rows, total = _delay_rows(groups)
    return Table(columns=DELAY_COLUMNS, rows=rows, category="Appel", partition=True, total=total)


@indicator(
    code="delai_synthese",
    section="delais",
    label="Délai entre le début du diagnostic et la validation de la synthèse",
    definition=(
        "Nombre de jours entre le lancement du diagnostic partagé d'une cohorte et la "
        "validation de sa synthèse par toutes ses structures, pour les synthèses validées "
        "dans la période : médiane et moyenne, par appel."
    ),
    sheet="Délai diagnostic-synthèse",
)
def synthesis_delay(scope: Scope) -> Table:
    from coopess.diagnostic.models import SynthesisVersion

    lines = (
        SynthesisVersion.objects.filter(
            cohort__in=scope.cohorts(),
            status=SynthesisStatus.VALIDATED,
            cohort__diagnostic__isnull=False,
        )
        .filter(scope.period.q("validated_at"))
        .annotate(
            started=TruncDate("cohort__diagnostic__started_at", tzinfo=PARIS),
            validated=TruncDate("validated_at", tzinfo=PARIS),
        )
        # grouped by the delay itself: one line per call and number of days
        .annotate(delay=ExpressionWrapper(F("validated") - F("started"), DurationField()))
        .values("cohort__call_id", "delay")
        .annotate(n=Count("pk"))
        .order_by()
    )
    calls = calls_in_scope(scope)
    groups: dict[str, tuple[str, list]] = {}
    for line in sorted(
        lines, key=lambda line: (calls[line["cohort__call_id"]].label, line["cohort__call_id"])
    ):
        label = calls[line["cohort__call_id"]].label
        groups.setdefault(str(line["cohort__call_id"]), (label, []))[1].append(
            (line["delay"].days, line["n"])
        )
    rows, total = _delay_rows(groups)
    return Table(columns=DELAY_COLUMNS, rows=rows, category="Appel", partition=True, total=total)
