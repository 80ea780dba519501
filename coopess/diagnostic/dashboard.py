"""The diagnostic's part of « Mon espace » (``coopess/accounts/dashboard.py``): the cohort
structures the person represents (links to their diagnostic, support and follow-ups),
registered from ``DiagnosticConfig.ready``."""

from __future__ import annotations

from coopess.accounts.dashboard import register_dashboard_context
from coopess.diagnostic.permissions import represented_structures


def accompanied_structures(*, user) -> dict:
    return {"accompanied": list(represented_structures(user).order_by("pk"))}


register_dashboard_context("diagnostic.accompanied", accompanied_structures)
