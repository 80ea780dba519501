"""The competition's indicator of the funders' report (discovered by ``coopess.reporting``).

``concurrence_prestataires`` — per state of the consultation (sent in the period), the number
of consultations, of providers consulted and of proposals received. Two aggregate queries
per report, whatever the number of consultations.
"""

from __future__ import annotations

from django.db.models import Count, Q

from coopess.competition.models import Consultation, ConsultationStatus, Proposal
from coopess.reporting.registry import indicator
from coopess.reporting.scope import Scope
from coopess.reporting.tables import Column, Row, Table

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
        "Mises en concurrence envoyées aux prestataires dans la période, par état : nombre de "
        "prestations, de prestataires consultés et de propositions déposées avant la date "
        "limite."
    ),
    sheet="Mise en concurrence",
)
def competition_providers(scope: Scope) -> Table:
    consultations = Consultation.objects.filter(cohort__in=scope.cohorts(), status__in=SENT).filter(
        scope.period.q("transitions__at") & Q(transitions__to_status=ConsultationStatus.CONSULTING)
    )
    per_status = {
        row["status"]: row
        for row in consultations.values("status").annotate(
            n=Count("pk", distinct=True), consulted=Count("consulted", distinct=True)
        )
    }
    proposals = {
        row["consultation__status"]: row["n"]
        for row in Proposal.objects.filter(
            consultation__in=consultations.values("pk"), submitted_at__isnull=False
        )
        .values("consultation__status")
        .annotate(n=Count("pk"))
    }
    rows = []
    for status in SENT:
        found = per_status.get(status, {"n": 0, "consulted": 0})
        n, received = found["n"], proposals.get(status, 0)
        rows.append(
            Row(
                str(status),
                ConsultationStatus(status).label,
                {
                    "consultations": n,
                    "consulted": found["consulted"],
                    "proposals": received,
                },
            )
        )
    return Table(
        columns=[
            Column("consultations", "Prestations"),
            Column("consulted", "Prestataires consultés"),
            Column("proposals", "Propositions reçues"),
        ],
        rows=rows,
        category="État de la mise en concurrence",
    )
