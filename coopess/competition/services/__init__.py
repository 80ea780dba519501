"""Every write of the competition: ``consultation`` (terms of reference, the consulted
providers, the moves of the state machine, the choice and the letters) and ``proposals`` (what a
consulted provider writes: questions and proposal; the marks of the comparison)."""

from __future__ import annotations


class CompetitionError(Exception):
    """A refused action, with a French message for the person."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
