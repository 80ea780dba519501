"""What one step of the process announces, and the later steps that listen.

A step never imports a later step's services: it *announces* what happened, in one line, from
inside its own transaction (``announce(APPLICATION_SUBMITTED, application=a, first=True)``), and
each later step *subscribes* a handler, registered when Django starts (the app's
``AppConfig.ready`` imports its ``events.py``, which uses the ``@subscribe`` decorator):

- by default a handler runs **after the transaction commits** (``transaction.on_commit``): a
  rolled-back action announces nothing, and background work sees the committed rows;
- ``@subscribe(..., during_transaction=True)`` runs the handler at once, **inside** the
  announcing transaction, for writes that must commit or roll back with the action itself (the
  API's webhook deliveries: a transactional outbox).

Handlers run in registration order (the order of ``INSTALLED_APPS``), receive the payload as
keyword arguments and must not assume any other listener exists. The names below are the whole
list of events; docs/architecture.md says who announces and who listens to each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

# --- event names (payload keywords in brackets) --------------------------------------------------
CALL_CREATED = "call.created"  # [call]
APPLICATION_SUBMITTED = "application.submitted"  # [application, first]
MESSAGE_POSTED = "message.posted"  # [message]
COMPLEMENTS_REQUESTED = "complements.requested"  # [application]
DECISION_TAKEN = "decision.taken"  # [decision]
DECISIONS_SENT = "decisions.sent"  # [decision_ids]
COHORT_FORMED = "cohort.formed"  # [cohort]
INTERVIEW_CHANGED = "interview.changed"  # [interview, kind]
WORKSHOP_CHANGED = "workshop.changed"  # [workshop, kind]
SYNTHESIS_CIRCULATED = "synthesis.circulated"  # [version]
SYNTHESIS_VALIDATED = "synthesis.validated"  # [version]
SESSION_CHANGED = "session.changed"  # [session, kind]
SESSION_HELD = "session.held"  # [session]
FOLLOWUPS_SENT = "followups.sent"  # [rows] (the scheduler's batch)
FOLLOWUPS_OVERDUE = "followups.overdue"  # [rows]
FOLLOWUP_ANSWERED = "followup.answered"  # [followup]
CONTACT_REQUEST_CHANGED = "contact_request.changed"  # [request, structure_id, title, body]
PERSONAL_DATA_EXPORTED = "personal_data.exported"  # [by, what, fmt, rows, call, filters]

EVENTS = frozenset(
    {
        CALL_CREATED,
        APPLICATION_SUBMITTED,
        MESSAGE_POSTED,
        COMPLEMENTS_REQUESTED,
        DECISION_TAKEN,
        DECISIONS_SENT,
        COHORT_FORMED,
        INTERVIEW_CHANGED,
        WORKSHOP_CHANGED,
        SYNTHESIS_CIRCULATED,
        SYNTHESIS_VALIDATED,
        SESSION_CHANGED,
        SESSION_HELD,
        FOLLOWUPS_SENT,
        FOLLOWUPS_OVERDUE,
        FOLLOWUP_ANSWERED,
        CONTACT_REQUEST_CHANGED,
        PERSONAL_DATA_EXPORTED,
    }
)


@dataclass(frozen=True)
class Subscription:
    event: str
    handler: Callable[..., None]
    during_transaction: bool

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_subscriptions: dict[str, list[Subscription]] = {}


def subscribe(event: str, *, during_transaction: bool = False):
    """Register the decorated function as a listener of ``event`` (once, however often the
    module is imported)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}: add it to coopess.common.events first.")

    def decorator(handler: Callable[..., None]) -> Callable[..., None]:
        subscription = Subscription(event, handler, during_transaction)
        listeners = _subscriptions.setdefault(event, [])
        if all(s.name != subscription.name for s in listeners):
            listeners.append(subscription)
        return handler

    return decorator


def announce(event: str, **payload) -> None:
    """Tell every listener of ``event`` what happened; call it inside the action's transaction."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}.")
    for subscription in _subscriptions.get(event, ()):
        if subscription.during_transaction:
            subscription.handler(**payload)
        else:
            transaction.on_commit(_later(subscription.handler, payload))


def _later(handler: Callable[..., None], payload: dict) -> Callable[[], None]:
    def run_handler() -> None:
        handler(**payload)

    run_handler.__qualname__ = f"{handler.__qualname__}.after_commit"
    return run_handler


def listeners(event: str) -> list[str]:
    """The dotted names of the handlers of ``event``, in the order they run (for docs and tests)."""
    return [s.name for s in _subscriptions.get(event, ())]
