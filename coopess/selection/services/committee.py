"""The selection committee: assigning reviewers, conflict-of-interest declarations, scoring
on the call's weighted grid and the average mark of each application.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application
from coopess.applications.workflow import transition
from coopess.common.declarations import record_declaration
from coopess.selection.models import (
    ReviewerAssignment,
    Score,
    ScoringCriterion,
)
from coopess.selection.services.screening import SelectionError, _lock

logger = logging.getLogger("coopess")


# --- Committee -------------------------------------------------------------------------------


@transaction.atomic
def reviewer_assign(*, application: Application, reviewer: User, by: User) -> ReviewerAssignment:
    if not reviewer.has_role(Role.REVIEWER):
        raise SelectionError(f"{reviewer} n'est pas membre du comité de sélection.")
    application = _lock(application)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW):
        raise SelectionError(
            "Seule une candidature déposée ou en cours d'examen peut être confiée au comité."
        )
    assignment, _ = ReviewerAssignment.objects.get_or_create(
        application=application, reviewer=reviewer, defaults={"assigned_by": by}
    )
    if application.status == ApplicationStatus.SUBMITTED:
        transition(
            application,
            to=ApplicationStatus.UNDER_REVIEW,
            by=by,
            actor="officer",
            comment="Confiée au comité de sélection.",
        )
        application.save()
    return assignment


@transaction.atomic
def conflict_declare(
    *, assignment: ReviewerAssignment, has_conflict: bool, note: str = ""
) -> ReviewerAssignment:
    assignment = ReviewerAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.submitted_at:
        raise SelectionError("Votre évaluation est déjà envoyée.")
    record_declaration(assignment, has_conflict=has_conflict, note=note, at=timezone.now())
    assignment.save()
    return assignment


def weighted_score(values: dict[int, int], criteria: list[ScoringCriterion]) -> Decimal:
    """A reviewer's mark out of 20: each criterion brought to its share, weighted."""
    total_weight = sum(c.weight for c in criteria)
    raw = sum(Decimal(values[c.pk]) / c.scale_max * c.weight for c in criteria) / total_weight * 20
    return raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def review_submit(
    *, assignment: ReviewerAssignment, scores: dict[int, tuple[int, str]], overall_comment: str = ""
) -> ReviewerAssignment:
    """Record a complete review on the call's grid (every criterion, each within its scale)."""
    assignment = (
        ReviewerAssignment.objects.select_for_update()
        .select_related("application__call")
        .get(pk=assignment.pk)
    )
    if not assignment.can_see_application:
        raise SelectionError("Déclarez d'abord l'absence de conflit d'intérêts.")
    if assignment.submitted_at:
        raise SelectionError("Votre évaluation est déjà envoyée.")
    application = _lock(assignment.application)
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise SelectionError("Cette candidature n'est plus en cours d'examen.")
    criteria = list(application.call.criteria.all())
    errors = []
    for criterion in criteria:
        if criterion.pk not in scores or scores[criterion.pk][0] is None:
            errors.append(f"Notez le critère « {criterion.label} ».")
        elif not 0 <= scores[criterion.pk][0] <= criterion.scale_max:
            errors.append(f"« {criterion.label} » se note de 0 à {criterion.scale_max}.")
    if errors:
        raise SelectionError(" ".join(errors))
    for criterion in criteria:
        value, comment = scores[criterion.pk]
        Score.objects.update_or_create(
            assignment=assignment,
            criterion=criterion,
            defaults={"value": value, "comment": comment.strip()},
        )
    assignment.overall_comment = overall_comment.strip()
    assignment.submitted_at = timezone.now()
    assignment.weighted = weighted_score({c.pk: scores[c.pk][0] for c in criteria}, criteria)
    assignment.save()
    _refresh_average(application)
    return assignment


def _refresh_average(application: Application) -> None:
    average = ReviewerAssignment.objects.filter(
        application=application, submitted_at__isnull=False
    ).aggregate(value=Avg("weighted"))["value"]
    Application.objects.filter(pk=application.pk).update(
        average_score=Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if average is not None
        else None
    )
