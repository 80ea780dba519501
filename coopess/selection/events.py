"""What selection does when an earlier step announces something (``coopess.common.events``):
a submitted application (first time or with complements) is screened in the background."""

from __future__ import annotations

from coopess.common import events as E
from coopess.selection.tasks import screen_application


@E.subscribe(E.APPLICATION_SUBMITTED)
def screen_submitted_application(application, *, first: bool) -> None:
    screen_application.enqueue(application.pk)
