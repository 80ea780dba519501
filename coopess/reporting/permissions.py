"""Who reads the reports, and on which calls.

- An officer reads the indicators of their DLA operator's calls, every number shown; they can
  also produce the funder version (statistical secrecy) of the same tables to hand it on.
- A funder reads aggregates only, always under statistical secrecy, of the published calls
  that name its organisation among their funders (``Call.funders``, set by the DLA in
  « Gestion des appels »); a funder named on no call reads nothing.
- Everyone else: not found.
"""

from __future__ import annotations

from django.db.models import QuerySet

from coopess.accounts.models import Role, User
from coopess.calls.models import Call

OFFICER = "officer"
FUNDER = "funder"


def reporting_audience(user: User) -> str | None:
    if not user.is_authenticated:
        return None
    if user.organisations_for(Role.OFFICER):
        return OFFICER
    if user.has_role(Role.FUNDER):
        return FUNDER
    return None


def can_view_reports(user: User) -> bool:
    return reporting_audience(user) is not None


def reporting_calls(user: User) -> QuerySet[Call]:
    audience = reporting_audience(user)
    if audience == OFFICER:
        return Call.objects.managed_by(user)
    if audience == FUNDER:
        return Call.objects.funded_by(user)
    return Call.objects.none()


def must_hide_small_counts(audience: str | None, *, asked: bool = False) -> bool:
    """Funders always read under statistical secrecy; officers when they ask for it."""
    return audience != OFFICER or asked
