"""Every write of the competition: ``consultation`` (terms of reference, the consulted
providers, the moves of the state machine, the choice and the letters) and ``proposals`` (what a
consulted provider writes: questions and proposal; the marks of the comparison); here, what the
call says of its competitions (``competition_settings_for``)."""

from __future__ import annotations


class CompetitionError(Exception):
    """A refused action, with a French message for the person."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def competition_settings_for(call):
    """What the call says of its competitions (``CompetitionSettings``: the providers to consult
    at least, whether the comité d'appui marks), created with the defaults on first use."""
    from coopess.competition.models import CompetitionSettings

    settings_, _ = CompetitionSettings.objects.get_or_create(call=call)
    return settings_
