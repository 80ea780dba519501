"""The applications' part of « Mon espace » (``coopess/accounts/dashboard.py``): the person's
last 20 applications, registered from ``ApplicationsConfig.ready``."""

from __future__ import annotations

from coopess.accounts.dashboard import register_dashboard_context
from coopess.applications.models import ApplicationAccess


def my_applications(*, user) -> dict:
    accesses = ApplicationAccess.objects.filter(user=user).select_related("application")[:20]
    return {"applications": accesses}


register_dashboard_context("applications.mine", my_applications)
