"""Decisions and the cohort: recording a decision (and the cohort membership it implies within
the call's structure cap), reopening it, and the cohort's workflow from « en constitution »
to closed, with its events.
"""

from __future__ import annotations

import logging

from django.db import transaction

from coopess.accounts.models import User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application, Eligibility
from coopess.applications.workflow import transition
from coopess.common import events
from coopess.selection.models import (
    Cohort,
    CohortMember,
    CohortStatus,
    CohortTransition,
    Decision,
    DecisionReason,
)
from coopess.selection.services.screening import SelectionError, _check_version, _lock

logger = logging.getLogger("coopess")


# --- Decisions and the cohort ---------------------------------------------------------------------

DECIDABLE = (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WAITLISTED)


@transaction.atomic
def decision_record(
    *,
    application: Application,
    outcome: str,
    by: User,
    reasons: list[str] | None = None,
    comment: str = "",
    against_ranking_reason: str = "",
    version: int | None = None,
) -> Decision:
    """Decide on one application. Final in the workflow: changing it needs ``decision_reopen``."""
    application = _lock(application)
    _check_version(application, version)
    if application.status not in DECIDABLE:
        raise SelectionError(
            f"La candidature est « {application.get_status_display()} » : on ne décide que sur une "
            "candidature en cours d'examen (ou sur liste d'attente)."
        )
    reasons = [r for r in (reasons or []) if r in DecisionReason.values]
    if outcome == ApplicationStatus.REJECTED and not reasons:
        raise SelectionError("Choisissez au moins un motif pour une candidature non retenue.")
    if outcome not in (
        ApplicationStatus.SELECTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.REJECTED,
    ):
        raise SelectionError("Décision inconnue.")
    if outcome == ApplicationStatus.SELECTED:
        passed_over = higher_ranked_not_selected(application)
        if passed_over and not against_ranking_reason.strip():
            raise SelectionError(
                "Cette candidature est moins bien classée que "
                + ", ".join(a.receipt_number for a in passed_over)
                + ", qui n'est pas retenue : écrivez pourquoi vous la retenez."
            )
        _add_to_cohort(application, by=by)
    Decision.objects.filter(application=application, is_current=True).update(is_current=False)
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        reasons=reasons,
        comment=comment.strip(),
        against_ranking_reason=against_ranking_reason.strip(),
        decided_by=by,
    )
    transition(
        application,
        to=outcome,
        by=by,
        actor="officer",
        comment=" ; ".join(
            [DecisionReason(r).label for r in reasons]
            + ([comment.strip()] if comment.strip() else [])
        ),
    )
    application.save()
    events.announce(events.DECISION_TAKEN, decision=decision)
    return decision


def higher_ranked_not_selected(application: Application) -> list[Application]:
    """Eligible applications of the call with a better average that are not retained."""
    if application.average_score is None:
        return []
    return list(
        Application.objects.filter(
            call_id=application.call_id,
            status__in=(ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WAITLISTED),
            average_score__gt=application.average_score,
        )
        .exclude(eligibility=Eligibility.INELIGIBLE)
        .exclude(pk=application.pk)
        .order_by("-average_score")
    )


def _add_to_cohort(application: Application, *, by: User) -> CohortMember:
    call = application.call
    cohort = Cohort.objects.select_for_update().filter(call=call).order_by("pk").first()
    if cohort is None:
        cohort = Cohort.objects.create(call=call, name=f"{call.title} — {call.edition}")
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    used = sum(
        member.application.structure_count
        for member in cohort.members.select_related("application")
    )
    if used + application.structure_count > call.max_structures:
        raise SelectionError(
            f"La cohorte compte déjà {used} structure(s) : retenir cette candidature "
            f"({application.structure_count} structure(s)) dépasserait le plafond de {call.max_structures}."
        )
    return CohortMember.objects.create(cohort=cohort, application=application)


@transaction.atomic
def decision_reopen(*, application: Application, by: User, reason: str) -> Application:
    """Undo a decision explicitly: logged, and the application goes back under review."""
    if not reason.strip():
        raise SelectionError("Expliquez pourquoi la décision est rouverte.")
    application = _lock(application)
    if application.status not in (
        ApplicationStatus.SELECTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.REJECTED,
    ):
        raise SelectionError("Il n'y a pas de décision à rouvrir.")
    from coopess.applications.models import ApplicationTransition

    ApplicationTransition.objects.create(
        application=application,
        from_status=application.status,
        to_status=ApplicationStatus.UNDER_REVIEW,
        by=by,
        comment=f"Décision rouverte : {reason.strip()}",
    )
    application.status = ApplicationStatus.UNDER_REVIEW
    application.version += 1
    application.save()
    Decision.objects.filter(application=application, is_current=True).update(is_current=False)
    CohortMember.objects.filter(application=application).delete()
    return application


# --- Cohort workflow ---------------------------------------------------------------------------

#: The only moves a cohort makes, each by one service call that logs it.
COHORT_TRANSITIONS: dict[str, frozenset[str]] = {
    CohortStatus.FORMING: frozenset({CohortStatus.DIAGNOSTIC}),
    CohortStatus.DIAGNOSTIC: frozenset({CohortStatus.SUPPORT}),
    CohortStatus.SUPPORT: frozenset({CohortStatus.FOLLOW_UP}),
    CohortStatus.FOLLOW_UP: frozenset({CohortStatus.CLOSED}),
    CohortStatus.CLOSED: frozenset(),
}


class CohortTransitionRefused(SelectionError):
    pass


@transaction.atomic
def cohort_transition(*, cohort: Cohort, to: str, by: User | None, comment: str = "") -> Cohort:
    """Move a cohort one step along its workflow, with a log row."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if to not in COHORT_TRANSITIONS[cohort.status]:
        raise CohortTransitionRefused(
            f"La cohorte est à l'étape « {cohort.get_status_display()} » : elle ne peut pas "
            f"passer à « {CohortStatus(to).label} »."
        )
    CohortTransition.objects.create(
        cohort=cohort, from_status=cohort.status, to_status=to, by=by, comment=comment
    )
    from_status = cohort.status
    cohort.status = to
    cohort.save(update_fields=["status"])
    if from_status == CohortStatus.FORMING:
        events.announce(events.COHORT_FORMED, cohort=cohort)
    return cohort
