"""Indicators of the collective support: consultancy half-days and budget, attendance at the
sessions and referrals to local support actors.
"""

from __future__ import annotations

from django.db.models import Count, Q

from coopess.reporting.aggregates import (
    calls_in_scope,
    engagements_by_call,
    support_sessions,
    total_row,
)
from coopess.reporting.registry import indicator
from coopess.reporting.scope import Scope
from coopess.reporting.tables import Column, Kind, Row, Table

# --- Collective support ------------------------------------------------------------------------


@indicator(
    code="demi_journees",
    section="accompagnement",
    label="Demi-journées de conseil prévues et réalisées",
    definition=(
        "Prestations de conseil financées par le DLA dont la période d'accompagnement commence "
        "dans la période, et leurs demi-journées prévues ; séances (une demi-journée chacune) "
        "datées dans la période : tenues (demi-journées réalisées), programmées mais pas encore "
        "tenues, annulées."
    ),
    chart="bar",
    sheet="Demi-journées de conseil",
)
def consultancy_half_days(scope: Scope) -> Table:
    engagements = engagements_by_call(scope)
    sessions = support_sessions(scope)
    lines = [
        ("engagements", "Prestations de conseil", sum(line["n"] for line in engagements)),
        ("planned", "Demi-journées prévues", sum(line["planned"] or 0 for line in engagements)),
        ("held", "Demi-journées réalisées (séances tenues)", sessions["held"]),
        ("scheduled", "Séances programmées, pas encore tenues", sessions["scheduled"]),
        ("cancelled", "Séances annulées", sessions["cancelled"]),
    ]
    return Table(
        columns=[Column("n", "Nombre")],
        rows=[Row(key, label, {"n": n}) for key, label, n in lines],
        category="",
    )


def _budget_row(key: str, label: str, n: int, planned: int, budget) -> Row:
    return Row(
        key,
        label,
        {
            "engagements": n,
            "planned": planned,
            "budget": budget,
            "per_half_day": budget / planned if planned and budget is not None else None,
        },
    )


@indicator(
    code="budget_conseil",
    section="accompagnement",
    label="Budget des prestations de conseil",
    definition=(
        "Budget toutes taxes comprises des prestations de conseil financées par le DLA dont la "
        "période d'accompagnement commence dans la période, par appel, et coût moyen d'une "
        "demi-journée prévue (budget divisé par les demi-journées prévues)."
    ),
    sheet="Budget du conseil",
)
def consultancy_budget(scope: Scope) -> Table:
    calls = calls_in_scope(scope)
    rows = [
        _budget_row(
            str(line["cohort__call_id"]),
            calls[line["cohort__call_id"]].label,
            line["n"],
            line["planned"] or 0,
            line["budget"],
        )
        for line in sorted(
            engagements_by_call(scope),
            key=lambda line: (calls[line["cohort__call_id"]].label, line["cohort__call_id"]),
        )
    ]
    budgets = [row.values["budget"] for row in rows if row.values["budget"] is not None]
    total = _budget_row(
        "total",
        "Ensemble",
        sum(row.values["engagements"] for row in rows),
        sum(row.values["planned"] for row in rows),
        sum(budgets) if budgets else None,
    )
    return Table(
        columns=[
            Column("engagements", "Prestations"),
            Column("planned", "Demi-journées prévues"),
            Column("budget", "Budget (€ TTC)", Kind.EUROS, basis="engagements"),
            Column(
                "per_half_day", "Coût moyen d'une demi-journée", Kind.EUROS, basis="engagements"
            ),
        ],
        rows=rows,
        category="Appel",
        partition=True,
        total=total if len(rows) > 1 else None,
    )


def _attendance_row(key: str, label: str, sessions: int, expected: int, present: int) -> Row:
    return Row(
        key,
        label,
        {
            "sessions": sessions,
            "expected": expected,
            "present": present,
            "rate": present / expected if expected else None,
        },
    )


@indicator(
    code="presence",
    section="accompagnement",
    label="Taux de présence aux séances d'accompagnement",
    definition=(
        "Pour les séances tenues dans la période : présences attendues (chaque représentant·e "
        "déclaré·e des structures concernées, à chaque séance : toutes les structures de la "
        "cohorte pour une séance collective, une seule pour une séance individuelle), "
        "présences constatées, et leur rapport."
    ),
    chart="bar",
    chart_column=3,
    sheet="Taux de présence",
)
def attendance(scope: Scope) -> Table:
    counts = support_sessions(scope)
    rows = [
        _attendance_row(
            kind,
            label,
            counts[f"held_{kind}"],
            counts[f"expected_{kind}"],
            counts[f"present_{kind}"],
        )
        for kind, label in (
            ("collective", "Séances collectives"),
            ("individual", "Séances individuelles"),
        )
    ]
    total = _attendance_row(
        "total",
        "Ensemble",
        *(sum(row.values[key] for row in rows) for key in ("sessions", "expected", "present")),
    )
    return Table(
        columns=[
            Column("sessions", "Séances tenues"),
            Column("expected", "Présences attendues"),
            Column("present", "Présences constatées"),
            Column("rate", "Taux de présence", Kind.PERCENT, basis=("present", "expected")),
        ],
        rows=rows,
        category="Séances",
        partition=True,
        total=total,
    )


@indicator(
    code="orientations",
    section="accompagnement",
    label="Orientations vers les acteurs locaux de l'accompagnement",
    definition=(
        "Besoins de structures accompagnées (ou actions de leur plan d'action) confiés à un "
        "acteur de l'annuaire du DLA, créés dans la période, selon leur état actuel ; dont "
        "orientations vers un DLA départemental."
    ),
    chart="bar",
    sheet="Orientations",
)
def referrals(scope: Scope) -> Table:
    from coopess.support.models import Referral, ReferralStatus

    lines = {
        line["status"]: line
        for line in Referral.objects.filter(cohort__in=scope.cohorts())
        .filter(scope.period.q("created_at"))
        .values("status")
        .annotate(n=Count("pk"), dla=Count("pk", filter=Q(actor__is_departmental_dla=True)))
        .order_by()
    }
    rows = [
        Row(
            status.value,
            status.label,
            {
                "referrals": lines.get(status.value, {}).get("n", 0),
                "dla": lines.get(status.value, {}).get("dla", 0),
            },
        )
        for status in ReferralStatus
    ]
    return Table(
        columns=[
            Column("referrals", "Orientations"),
            Column("dla", "dont vers un DLA départemental"),
        ],
        rows=rows,
        category="État",
        partition=True,
        total=total_row(rows),
    )
