"""Reads of the providers' directory: each provider's past engagements of the support, with
their attendance and the DLA's satisfaction — in a constant number of queries whatever the
number of providers.

An engagement belongs to a provider of the same DLA when it comes from a consultation whose
chosen proposal is that provider's (matched by SIRET), or, for an engagement made without a
consultation, when its consulting firm bears the provider's name (the choice creates the firm
under the provider's name: ``services.consultation._firm_for``).

Next to the DLA's mark, the structures' own satisfaction with the consultant, asked in their
follow-ups (``satisfaction.structures_satisfaction``, one more query for every engagement):
an average and a count, never one structure's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery

from coopess.competition.models import Proposal, Provider
from coopess.competition.satisfaction import satisfaction_label, structures_satisfaction
from coopess.support.models import Engagement, SessionStatus


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)} %"


@dataclass
class PastEngagement:
    engagement: Engagement
    held: int
    expected: int
    present: int
    #: each answering structure's mark of the consultant (follow-ups), 1 to 5
    structures_marks: list[int] = field(default_factory=list)

    @property
    def structures_satisfaction_label(self) -> str:
        return satisfaction_label(self.structures_marks)

    @property
    def attendance_rate(self) -> float | None:
        return self.present / self.expected if self.expected else None

    @property
    def attendance_label(self) -> str:
        return percent(self.attendance_rate)

    @property
    def satisfaction(self) -> int | None:
        review = getattr(self.engagement, "review", None)
        return review.satisfaction if review else None


@dataclass
class ProviderRecord:
    """What the directory shows of one provider's past engagements."""

    engagements: list[PastEngagement] = field(default_factory=list)

    @property
    def attendance_rate(self) -> float | None:
        expected = sum(e.expected for e in self.engagements)
        return sum(e.present for e in self.engagements) / expected if expected else None

    @property
    def attendance_label(self) -> str:
        return percent(self.attendance_rate)

    @property
    def satisfaction_label(self) -> str:
        mean = self.mean_satisfaction
        return "—" if mean is None else f"{mean:.1f}".replace(".", ",") + " sur 5"

    @property
    def structures_satisfaction_label(self) -> str:
        """Over every past engagement: each answering structure counts once."""
        return satisfaction_label([m for e in self.engagements for m in e.structures_marks])

    @property
    def mean_satisfaction(self) -> float | None:
        marks = [e.satisfaction for e in self.engagements if e.satisfaction is not None]
        return round(sum(marks) / len(marks), 1) if marks else None


def past_engagements(providers: list[Provider]) -> dict[int, ProviderRecord]:
    """Per provider id, its past engagements (one query for all the providers)."""
    records = {p.pk: ProviderRecord() for p in providers}
    if not providers:
        return records
    chosen_siret = Proposal.objects.filter(
        consultation__cohort=OuterRef("cohort"), chosen=True
    ).values("consulted__provider__siret")[:1]
    held = Q(sessions__status=SessionStatus.HELD)
    rows = (
        Engagement.objects.filter(cohort__call__operator_id__in={p.operator_id for p in providers})
        .annotate(chosen_siret=Subquery(chosen_siret))
        .filter(
            Q(chosen_siret__in={p.siret for p in providers})
            | Q(chosen_siret__isnull=True, firm__name__in={p.name for p in providers})
        )
        .annotate(
            held=Count("sessions", filter=held, distinct=True),
            expected=Count("sessions__attendances", filter=held),
            present=Count(
                "sessions__attendances", filter=held & Q(sessions__attendances__present=True)
            ),
        )
        .select_related("cohort__call", "firm", "review")
        .order_by("-starts_on", "-pk")
    )
    by_siret = {(p.operator_id, p.siret): p.pk for p in providers}
    by_name: dict[tuple[int, str], list[int]] = {}
    for p in providers:
        by_name.setdefault((p.operator_id, p.name), []).append(p.pk)
    rows = list(rows)
    marks = structures_satisfaction(row.cohort_id for row in rows)  # one query for all
    for row in rows:
        operator_id = row.cohort.call.operator_id
        if row.chosen_siret:
            owner = by_siret.get((operator_id, row.chosen_siret))
            owners = [owner] if owner else []
        else:
            owners = by_name.get((operator_id, row.firm.name), [])
        for owner in owners:
            records[owner].engagements.append(
                PastEngagement(
                    row,
                    held=row.held,
                    expected=row.expected,
                    present=row.present,
                    structures_marks=marks.get(row.cohort_id, []),
                )
            )
    return records
