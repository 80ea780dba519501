"""Indicators of the shared diagnostic: interviews and workshops held, syntheses circulated and
validated.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from coopess.diagnostic.models import MeetingStatus, SynthesisStatus
from coopess.reporting.aggregates import (
    local_date,
    month_label,
    total_row,
)
from coopess.reporting.registry import indicator
from coopess.reporting.scope import PARIS, Scope
from coopess.reporting.tables import Column, Row, Table

# --- Diagnostic --------------------------------------------------------------------------------


@indicator(
    code="entretiens_ateliers",
    section="diagnostic",
    label="Entretiens individuels et ateliers collectifs",
    definition=(
        "Entretiens (un par structure) et ateliers collectifs dont la date tombe dans la "
        "période, selon leur état : tenus, prévus, annulés. Les créneaux proposés et non "
        "réservés ne sont pas comptés."
    ),
    chart="stacked",
    sheet="Entretiens et ateliers",
)
def meetings(scope: Scope) -> Table:
    from coopess.diagnostic.models import Interview, Workshop

    statuses = [MeetingStatus.HELD, MeetingStatus.PLANNED, MeetingStatus.CANCELLED]
    aggregates = {s.value: Count("pk", filter=Q(status=s)) for s in statuses}
    cohorts = scope.cohorts()
    interviews = (
        Interview.objects.filter(cohort__in=cohorts, structure__isnull=False)
        .filter(scope.period.q("starts_at"))
        .aggregate(**aggregates)
    )
    workshops = (
        Workshop.objects.filter(cohort__in=cohorts)
        .filter(scope.period.q("starts_at"))
        .aggregate(**aggregates)
    )
    return Table(
        columns=[Column(s.value, {"held": "Tenus", "planned": "Prévus", "cancelled": "Annulés"}[s.value]) for s in statuses],
        rows=[
            Row("interviews", "Entretiens individuels", interviews),
            Row("workshops", "Ateliers collectifs", workshops),
        ],
        category="Rencontre",
    )  # fmt: skip


@indicator(
    code="syntheses",
    section="diagnostic",
    label="Synthèses du diagnostic validées",
    definition=(
        "Cohortes dont la synthèse du diagnostic partagé a été validée par toutes ses "
        "structures, par mois de validation."
    ),
    chart="bar",
    sheet="Synthèses validées",
)
def syntheses(scope: Scope) -> Table:
    from coopess.diagnostic.models import SynthesisVersion

    lines = (
        SynthesisVersion.objects.filter(
            cohort__in=scope.cohorts(), status=SynthesisStatus.VALIDATED
        )
        .filter(scope.period.q("validated_at"))
        .annotate(month=TruncMonth("validated_at", tzinfo=PARIS))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    rows = [
        Row(f"{local_date(line['month']):%Y-%m}", month_label(local_date(line["month"])), {"cohorts": line["n"]})
        for line in lines
    ]  # fmt: skip
    return Table(
        columns=[Column("cohorts", "Cohortes")],
        rows=rows,
        category="Mois de validation",
        partition=True,
        total=total_row(rows) if rows else None,
    )
