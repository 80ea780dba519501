"""Pages of the diagnostic's interviews."""

from __future__ import annotations


def officer_panel(cohort) -> dict:
    """Context of this feature's block on the officer's cohort page."""
    return {}


def structure_panel(structure, user) -> dict:
    """Context of this feature's block on a representative's structure page."""
    return {}
