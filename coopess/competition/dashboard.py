"""The competition's part of « Mon espace » (``coopess/accounts/dashboard.py``): whether the
person's account accepted a consulting provider's invitation, registered from
``CompetitionConfig.ready``."""

from __future__ import annotations

from coopess.accounts.dashboard import register_dashboard_context
from coopess.competition.models import ConsultedProvider


def provider_consultations(*, user) -> dict:
    return {"is_consulted_provider": ConsultedProvider.objects.filter(user=user).exists()}


register_dashboard_context("competition.provider", provider_consultations)
