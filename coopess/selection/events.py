"""What selection does when an earlier step announces something (``coopess.common.events``):
a new call gets the default eligibility rules and scoring grid, in the creating transaction; a
submitted application (first time or with complements) is screened in the background."""

from __future__ import annotations

from coopess.common import events as E
from coopess.selection.services import call_setup_selection
from coopess.selection.tasks import screen_application


@E.subscribe(E.CALL_CREATED, during_transaction=True)
def give_the_call_its_selection_defaults(call) -> None:
    call_setup_selection(call=call)


@E.subscribe(E.APPLICATION_SUBMITTED)
def screen_submitted_application(application, *, first: bool) -> None:
    screen_application.enqueue(application.pk)
