"""Indicators of applications and selection: applications and decisions, rejection reasons,
decisions by call and applications by month.
"""

from __future__ import annotations

from coopess.reporting.aggregates import (
    OUTCOMES,
    calls_in_scope,
    decisions_by_day,
    local_date,
    month_label,
    months_between,
    submitted_by_month,
    total_row,
)
from coopess.reporting.registry import indicator
from coopess.reporting.scope import Scope
from coopess.reporting.tables import Column, Row, Table
from coopess.selection.models import DecisionReason

# --- Applications and selection -------------------------------------------------------------------

C_APPLICATIONS = Column("applications", "Candidatures")
C_STRUCTURES = Column("structures", "Structures")


@indicator(
    code="candidatures",
    section="candidatures",
    label="Candidatures reçues, éligibles et décisions",
    definition=(
        "Candidatures déposées dans la période (brouillons exclus) et, parmi elles, celles "
        "jugées éligibles ; décisions prises dans la période : retenues, placées sur liste "
        "d'attente, non retenues (dernière décision de chaque candidature). « Structures » "
        "compte la structure cheffe de file et ses partenaires."
    ),
    chart="bar",
    sheet="Candidatures",
)
def applications_and_decisions(scope: Scope) -> Table:
    months = submitted_by_month(scope)
    decided: dict[str, list[int]] = {o: [0, 0] for o in OUTCOMES}
    for line in decisions_by_day(scope):
        decided[line["outcome"]][0] += line["n"]
        decided[line["outcome"]][1] += line["structures"] or 0
    lines = [
        ("received", "Candidatures reçues", sum(m["n"] for m in months),
         sum(m["structures"] or 0 for m in months)),
        ("eligible", "Candidatures éligibles", sum(m["eligible"] for m in months),
         sum(m["eligible_structures"] or 0 for m in months)),
        ("selected", "Retenues", *decided["selected"]),
        ("waitlisted", "Sur liste d'attente", *decided["waitlisted"]),
        ("rejected", "Non retenues", *decided["rejected"]),
    ]  # fmt: skip
    return Table(
        columns=[C_APPLICATIONS, C_STRUCTURES],
        rows=[
            Row(key, label, {"applications": n, "structures": s or 0}) for key, label, n, s in lines
        ],
        category="Étape",
    )


@indicator(
    code="motifs",
    section="candidatures",
    label="Motifs de non-sélection",
    definition=(
        "Pour les candidatures non retenues dans la période, nombre de décisions citant "
        "chaque motif. Une décision peut citer plusieurs motifs : la somme peut dépasser le "
        "nombre de candidatures non retenues."
    ),
    chart="bar",
    sheet="Motifs de non-sélection",
)
def rejection_reasons(scope: Scope) -> Table:
    lines = decisions_by_day(scope)
    counts = {
        reason.value: sum(line[f"reason_{reason.value}"] for line in lines)
        for reason in DecisionReason
    }
    return Table(
        columns=[Column("decisions", "Décisions")],
        rows=[
            Row(reason.value, reason.label, {"decisions": counts[reason.value]})
            for reason in DecisionReason
        ],
        category="Motif",
    )


@indicator(
    code="decisions_par_appel",
    section="candidatures",
    label="Décisions par appel",
    definition=(
        "Décisions prises dans la période, par appel et par issue (retenue, liste d'attente, "
        "non retenue)."
    ),
    chart="stacked",
    sheet="Décisions par appel",
)
def decisions_by_call(scope: Scope) -> Table:
    calls = calls_in_scope(scope)
    by_call: dict[int, Row] = {}
    for line in decisions_by_day(scope):
        call_id = line["call_id"]
        row = by_call.setdefault(
            call_id, Row(str(call_id), calls[call_id].label, dict.fromkeys(OUTCOMES, 0))
        )
        row.values[line["outcome"]] += line["n"]
    rows = sorted(by_call.values(), key=lambda row: (row.label, row.key))
    return Table(
        columns=[
            Column("selected", "Retenues"),
            Column("waitlisted", "Liste d'attente"),
            Column("rejected", "Non retenues"),
        ],
        rows=rows,
        category="Appel",
        partition=True,
        total=total_row(rows) if len(rows) > 1 else None,
    )


@indicator(
    code="candidatures_par_mois",
    section="candidatures",
    label="Candidatures reçues par mois",
    definition="Candidatures déposées chaque mois de la période (heure de Paris).",
    chart="line",
    sheet="Candidatures par mois",
)
def applications_by_month(scope: Scope) -> Table:
    counts = {
        local_date(line["month"]).replace(day=1): line["n"] for line in submitted_by_month(scope)
    }
    rows = []
    if counts:
        first, last = min(counts), max(counts)
        if scope.period.first_day:
            first = min(first, scope.period.first_day.replace(day=1))
        if scope.period.last_day:
            last = max(last, scope.period.last_day.replace(day=1))
        rows = [
            Row(f"{m:%Y-%m}", month_label(m), {"applications": counts.get(m, 0)})
            for m in months_between(first, last)
        ]
    return Table(columns=[C_APPLICATIONS], rows=rows, category="Mois", partition=True)
