"""Who may handle erasure requests: the officers of the DLAs concerned, and administrators."""

from __future__ import annotations

from coopess.accounts.models import Role, User
from coopess.calls.models import Call


def can_handle_erasure_requests(user: User) -> bool:
    return user.is_authenticated and (user.is_staff or bool(user.organisations_for(Role.OFFICER)))


def sees_call(user: User, call: Call) -> bool:
    """Whether the handler may read the details of an application to this call."""
    return user.is_staff or call.operator_id in {o.pk for o in user.organisations_for(Role.OFFICER)}
