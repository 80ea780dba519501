"""Writes of the interviews: slots, booking, invitations, records."""

from __future__ import annotations

from coopess.calls.models import Call


def guide_setup(*, call: Call) -> None:
    """Give ``call`` the default interview guide when it has none (idempotent)."""
