"""The competition's indicator of the funders' report (discovered by ``coopess.reporting``).

``concurrence_prestataires`` — one row per engagement put out to competition (a consultation
sent to the providers in the period, one per cohort): providers consulted, proposals received
before the deadline, and the chosen proposal's half-days and price; then the totals. One query
of its own (besides the scope's calls, read once per report), whatever the number of
consultations.

The consultancy half-days and budget already reported (``demi_journees``, ``budget_conseil``)
read the engagements, which the choice creates from the chosen proposal's half-days and total
(``services.consultation._choose``): their figures are the chosen proposal's.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery

from coopess.competition.models import Consultation, ConsultationStatus, Proposal
from coopess.reporting.registry import indicator
from coopess.reporting.scope import Scope
from coopess.reporting.tables import Column, Kind, Row, Table

SENT = [
    ConsultationStatus.CONSULTING,
    ConsultationStatus.CLOSED,
    ConsultationStatus.CHOSEN,
    ConsultationStatus.ABANDONED,
]


@indicator(
    code="concurrence_prestataires",
    section="accompagnement",
    label="Prestataires consultés et propositions reçues par prestation",
    definition=(
        "Pour chaque prestation de conseil mise en concurrence (cahier des charges envoyé aux "
        "prestataires dans la période) : nombre de prestataires consultés, de propositions "
        "déposées avant la date limite, et demi-journées et prix TTC de la proposition "
        "retenue ; puis l'ensemble."
    ),
    sheet="Mise en concurrence",
)
def competition_providers(scope: Scope) -> Table:
    sent = Consultation.objects.filter(cohort__in=scope.cohorts(), status__in=SENT).filter(
        scope.period.q("transitions__at") & Q(transitions__to_status=ConsultationStatus.CONSULTING)
    )
    chosen = Proposal.objects.filter(consultation=OuterRef("pk"), chosen=True)
    consultations = (
        Consultation.objects.filter(pk__in=Subquery(sent.values("pk")))
        .annotate(
            n_consulted=Count("consulted", distinct=True),
            n_proposals=Count(
                "proposals", filter=Q(proposals__submitted_at__isnull=False), distinct=True
            ),
            chosen_total=Subquery(chosen.values("total")[:1]),
            chosen_half_days=Subquery(chosen.values("half_days")[:1]),
        )
        .select_related("cohort")
        .order_by("cohort__name", "pk")
    )
    rows = [
        Row(
            str(item.pk),
            f"{item.cohort} ({item.get_status_display().lower()})",
            {
                "consulted": item.n_consulted,
                "proposals": item.n_proposals,
                "chosen": 1 if item.chosen_total is not None else 0,
                "half_days": item.chosen_half_days,
                "price": item.chosen_total,
            },
        )
        for item in consultations
    ]
    chosen_rows = [row for row in rows if row.values["price"] is not None]
    total = Row(
        "total",
        f"Ensemble ({len(rows)} prestation{'s' if len(rows) > 1 else ''})",
        {
            "consulted": sum(row.values["consulted"] for row in rows),
            "proposals": sum(row.values["proposals"] for row in rows),
            "chosen": len(chosen_rows),
            "half_days": sum(row.values["half_days"] or 0 for row in chosen_rows)
            if chosen_rows
            else None,
            "price": sum(row.values["price"] for row in chosen_rows) if chosen_rows else None,
        },
    )
    return Table(
        columns=[
            Column("consulted", "Prestataires consultés"),
            Column("proposals", "Propositions reçues"),
            Column("chosen", "Prestataire retenu"),
            Column("half_days", "Demi-journées retenues"),
            # a firm's price is not shown to funders when it is one or two firms' (as the
            # budget of the engagements: ``budget_conseil``)
            Column("price", "Prix retenu (€ TTC)", Kind.EUROS, basis="chosen"),
        ],
        rows=rows,
        category="Prestation (cohorte)",
        total=total if rows else None,
    )
