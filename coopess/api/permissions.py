"""Who manages a DLA's API tokens and webhooks: its officers."""

from __future__ import annotations

from coopess.accounts.models import Organisation, Role, User


def managed_operators(user: User) -> list[Organisation]:
    if not user.is_authenticated:
        return []
    return user.organisations_for(Role.OFFICER)


def can_manage_api(user: User, operator: Organisation) -> bool:
    return any(o.pk == operator.pk for o in managed_operators(user))
