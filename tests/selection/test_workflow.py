"""The application's transition table, exhaustively, and the decision services on top of it."""

from __future__ import annotations

import itertools

import pytest

from coopess.applications.choices import ApplicationStatus as S
from coopess.applications.models import Application, ApplicationTransition
from coopess.applications.workflow import (
    TRANSITIONS,
    TransitionNotAllowed,
    can_transition,
    transition,
)
from coopess.selection import services
from coopess.selection.models import Cohort, CohortMember, Decision
from tests.selection.helpers import quick_application

ACTORS = ("representative", "officer")

# The workflow as the domain describes it, written out independently of the code's table.
ALLOWED = {
    (S.DRAFT, S.SUBMITTED, "representative"),
    (S.DRAFT, S.WITHDRAWN, "representative"),
    (S.SUBMITTED, S.UNDER_REVIEW, "officer"),
    (S.SUBMITTED, S.NEEDS_INFO, "officer"),
    (S.SUBMITTED, S.WITHDRAWN, "representative"),
    (S.UNDER_REVIEW, S.NEEDS_INFO, "officer"),
    (S.UNDER_REVIEW, S.SELECTED, "officer"),
    (S.UNDER_REVIEW, S.WAITLISTED, "officer"),
    (S.UNDER_REVIEW, S.REJECTED, "officer"),
    (S.UNDER_REVIEW, S.WITHDRAWN, "representative"),
    (S.NEEDS_INFO, S.SUBMITTED, "representative"),
    (S.NEEDS_INFO, S.WITHDRAWN, "representative"),
    (S.WAITLISTED, S.SELECTED, "officer"),
    (S.WAITLISTED, S.REJECTED, "officer"),
    (S.WAITLISTED, S.WITHDRAWN, "representative"),
}
ALL_TRIPLES = list(itertools.product(S.values, S.values, ACTORS))


def test_the_table_is_the_documented_workflow():
    as_triples = {(a, b, actor) for (a, b), actors in TRANSITIONS.items() for actor in actors}
    assert as_triples == ALLOWED


@pytest.mark.parametrize(("from_status", "to_status", "actor"), ALL_TRIPLES)
def test_can_transition_matches_the_table(from_status, to_status, actor):
    assert can_transition(from_status, to_status, actor) is (
        (from_status, to_status, actor) in ALLOWED
    )


def test_nobody_else_moves_an_application():
    assert not any(can_transition(a, b, "reviewer") for a, b, _ in ALL_TRIPLES)
    assert not can_transition(S.UNDER_REVIEW, S.SELECTED, "")


# --- workflow.transition ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "actor"), list(itertools.product(S.values, ACTORS)))
def test_transition_applies_the_table_and_logs_every_allowed_move(
    call, officer, from_status, actor
):
    application = quick_application(call, 1, status=from_status)
    problems = []
    for to_status in S.values:
        application.refresh_from_db()
        application.status = from_status  # ``transition`` changes the object; the caller saves
        version = application.version
        before = ApplicationTransition.objects.count()
        comment = f"{from_status} → {to_status} par {actor}"
        if (from_status, to_status, actor) in ALLOWED:
            log = transition(application, to=to_status, by=officer, actor=actor, comment=comment)
            log.refresh_from_db()
            seen = (log.from_status, log.to_status, log.by, log.comment, log.application_id)
            if seen != (from_status, to_status, officer, comment, application.pk):
                problems.append(f"{from_status}→{to_status} ({actor}) logged {seen}")
            if (application.status, application.version) != (to_status, version + 1):
                problems.append(f"{from_status}→{to_status} ({actor}) did not move the object")
        else:
            with pytest.raises(TransitionNotAllowed) as error:
                transition(application, to=to_status, by=officer, actor=actor, comment=comment)
            assert S(to_status).label in str(error.value)  # explained in French
            if application.status != from_status or application.version != version:
                problems.append(f"{from_status}→{to_status} ({actor}) changed the object")
            if ApplicationTransition.objects.count() != before:
                problems.append(f"{from_status}→{to_status} ({actor}) wrote a log")
        assert Application.objects.get(pk=application.pk).status == from_status
    assert problems == []


# --- Through the services ---------------------------------------------------------------------


def _nothing_written(application: Application, status: str) -> None:
    application.refresh_from_db()
    assert application.status == status
    assert not Decision.objects.filter(application=application).exists()
    assert not CohortMember.objects.exists()
    assert not Cohort.objects.exists()
    assert not application.transitions.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [S.DRAFT, S.SUBMITTED, S.NEEDS_INFO, S.SELECTED, S.REJECTED, S.WITHDRAWN],
)
@pytest.mark.parametrize("outcome", [S.SELECTED, S.REJECTED])
def test_no_decision_on_an_application_that_is_not_under_review(call, officer, status, outcome):
    application = quick_application(call, 1, status=status)
    with pytest.raises(services.SelectionError) as error:
        services.decision_record(
            application=application, outcome=outcome, by=officer, reasons=["ranking"]
        )
    label = S(status).label
    assert error.value.message == (
        f"La candidature est « {label} » : on ne décide que sur une candidature en cours "
        "d'examen (ou sur liste d'attente)."
    )
    _nothing_written(application, status)


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_an_unknown_outcome_is_refused(call, officer):
    application = quick_application(call, 1)
    with pytest.raises(services.SelectionError, match="au moins un motif"):
        services.decision_record(application=application, outcome=S.REJECTED, by=officer)
    with pytest.raises(services.SelectionError, match="Décision inconnue"):
        services.decision_record(application=application, outcome=S.WITHDRAWN, by=officer)
    _nothing_written(application, S.UNDER_REVIEW)


@pytest.mark.django_db
def test_a_waitlisted_application_can_still_be_decided(call, officer):
    application = quick_application(call, 1, status=S.WAITLISTED)
    decision = services.decision_record(application=application, outcome=S.SELECTED, by=officer)
    application.refresh_from_db()
    assert application.status == S.SELECTED and decision.is_current
    assert CohortMember.objects.get().application == application


@pytest.mark.django_db
def test_reopening_a_decision_is_logged_and_leaves_the_cohort(call, officer):
    application = quick_application(call, 1)
    decision = services.decision_record(
        application=application, outcome=S.SELECTED, by=officer, comment="Très bon dossier"
    )
    assert CohortMember.objects.filter(application=application).exists()
    version = Application.objects.get(pk=application.pk).version

    services.decision_reopen(application=application, by=officer, reason="Erreur de saisie")

    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert application.version == version + 1
    assert not CohortMember.objects.filter(application=application).exists()
    decision.refresh_from_db()
    assert not decision.is_current
    log = application.transitions.last()
    assert (log.from_status, log.to_status, log.by) == (S.SELECTED, S.UNDER_REVIEW, officer)
    assert log.comment == "Décision rouverte : Erreur de saisie"
    # and it can be decided again
    services.decision_record(
        application=application, outcome=S.REJECTED, by=officer, reasons=["ranking"]
    )
    assert Decision.objects.filter(application=application, is_current=True).get().outcome == (
        S.REJECTED
    )


@pytest.mark.django_db
def test_reopening_needs_a_reason_and_a_decision(call, officer):
    application = quick_application(call, 1)
    with pytest.raises(services.SelectionError, match="Il n'y a pas de décision à rouvrir"):
        services.decision_reopen(application=application, by=officer, reason="Pourquoi pas")
    services.decision_record(application=application, outcome=S.WAITLISTED, by=officer)
    with pytest.raises(services.SelectionError, match="Expliquez pourquoi"):
        services.decision_reopen(application=application, by=officer, reason="  ")
    application.refresh_from_db()
    assert application.status == S.WAITLISTED
    assert application.transitions.count() == 1
