"""Who reads the reports, and on which calls.

- An officer reads the indicators of their DLA operator's calls, every number shown; they can
  also produce the funder version (statistical secrecy) of the same tables to hand it on.
- A funder reads aggregates only, always under statistical secrecy. Nothing in the data links
  a funder to the operators it funds (``RoleAssignment`` ties a funder to its own
  organisation, ``Call`` to its operator only): a funder reads every published call. When such
  a link exists, narrow ``reporting_calls`` here and nowhere else.
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
        return Call.objects.published()
    return Call.objects.none()


def must_hide_small_counts(audience: str | None, *, asked: bool = False) -> bool:
    """Funders always read under statistical secrecy; officers when they ask for it."""
    return audience != OFFICER or asked
