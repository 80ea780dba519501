"""The webhooks the other apps' events queue, inside the announcing transaction.

Each handler subscribes to an event of ``coopess.common.events`` with
``during_transaction=True``: the delivery rows are written in the transaction of the action
itself, so a rolled-back decision queues nothing and a committed one is never lost.

Each payload is thin: the event's type, the UUIDs of what changed and its new state, never
personal data; the receiver reads the rest from the API with its token. The key makes an event
queued once per endpoint, however many times a service runs."""

from __future__ import annotations

from coopess.api.models import Event
from coopess.api.webhooks import emit
from coopess.common import events as E


def _at(moment) -> str | None:
    return moment.isoformat() if moment else None


@E.subscribe(E.APPLICATION_SUBMITTED, during_transaction=True)
def application_submitted(application, *, first: bool) -> None:
    key = (
        str(application.public_id)
        if first
        else f"{application.public_id}:{_at(application.updated_at)}"
    )
    emit(
        event=Event.APPLICATION_SUBMITTED,
        operator_id=application.call.operator_id,
        key=key,
        data={
            "application": str(application.public_id),
            "call": str(application.call.public_id),
            "receipt_number": application.receipt_number,
            "complements": not first,
            "submitted_at": _at(application.submitted_at),
        },
    )


@E.subscribe(E.DECISION_TAKEN, during_transaction=True)
def decision_taken(decision) -> None:
    application = decision.application
    emit(
        event=Event.DECISION_TAKEN,
        operator_id=application.call.operator_id,
        key=f"{application.public_id}:{_at(decision.decided_at)}",
        data={
            "application": str(application.public_id),
            "call": str(application.call.public_id),
            "outcome": decision.outcome,
            "decided_at": _at(decision.decided_at),
        },
    )


@E.subscribe(E.COHORT_FORMED, during_transaction=True)
def cohort_formed(cohort) -> None:
    """The cohort leaves « en constitution » for its diagnostic: its members are known."""
    emit(
        event=Event.COHORT_FORMED,
        operator_id=cohort.call.operator_id,
        key=str(cohort.public_id),
        data={
            "cohort": str(cohort.public_id),
            "call": str(cohort.call.public_id),
            "applications": [
                str(m.application.public_id) for m in cohort.members.select_related("application")
            ],
        },
    )


@E.subscribe(E.SYNTHESIS_VALIDATED, during_transaction=True)
def synthesis_validated(version) -> None:
    cohort = version.cohort
    emit(
        event=Event.SYNTHESIS_VALIDATED,
        operator_id=cohort.call.operator_id,
        key=f"{cohort.public_id}:v{version.number}",
        data={
            "cohort": str(cohort.public_id),
            "version": version.number,
            "validated_at": _at(version.validated_at),
        },
    )


@E.subscribe(E.SESSION_HELD, during_transaction=True)
def session_held(session) -> None:
    cohort = session.cohort
    emit(
        event=Event.SESSION_HELD,
        operator_id=cohort.call.operator_id,
        key=str(session.uid),
        data={
            "session": str(session.uid),
            "cohort": str(cohort.public_id),
            "starts_at": _at(session.starts_at),
            "held_at": _at(session.held_at),
        },
    )


@E.subscribe(E.FOLLOWUP_ANSWERED, during_transaction=True)
def followup_answered(followup) -> None:
    cohort = followup.cohort
    emit(
        event=Event.FOLLOWUP_ANSWERED,
        operator_id=cohort.call.operator_id,
        key=str(followup.public_id),
        data={
            "followup": str(followup.public_id),
            "cohort": str(cohort.public_id),
            "structure": str(followup.structure.public_id),
            "offset_months": followup.offset_months,
            "answered_at": _at(followup.answered_at),
        },
    )
