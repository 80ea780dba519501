"""Writes of the cooperation self-diagnostic."""

from __future__ import annotations

from coopess.calls.models import Call


def questionnaire_setup(*, call: Call) -> None:
    """Give ``call`` the default self-diagnostic questionnaire when it has none (idempotent)."""
