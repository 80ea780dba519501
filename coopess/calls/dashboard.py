"""The calls' part of « Mon espace » (``coopess/accounts/dashboard.py``): the calls of the
officer's DLA operators, registered from ``CallsConfig.ready``."""

from __future__ import annotations

from coopess.accounts.dashboard import register_dashboard_context
from coopess.accounts.models import Role
from coopess.calls.models import Call


def managed_calls(*, user) -> dict:
    calls = (
        list(Call.objects.managed_by(user).select_related("operator"))
        if user.has_role(Role.OFFICER)
        else []
    )
    return {"managed_calls": calls}


register_dashboard_context("calls.managed_calls", managed_calls)
