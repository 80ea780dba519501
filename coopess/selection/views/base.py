"""The scope every selection page checks: the officer's calls and applications (others answer
404) and the reviewers an officer may assign.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from coopess.accounts.models import Role, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application
from coopess.calls.models import Call

# --- Scope ------------------------------------------------------------------------------------


def _require_officer(user: User) -> list[int]:
    operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
    if not operators:
        raise Http404
    return operators


def _officer_call(request, slug: str) -> Call:
    operators = _require_officer(request.user)
    return get_object_or_404(Call.objects.filter(operator_id__in=operators), slug=slug)


def _officer_application(request, public_id) -> Application:
    operators = _require_officer(request.user)
    return get_object_or_404(
        Application.objects.select_related("call", "call__operator", "maturity_stage")
        .filter(call__operator_id__in=operators)
        .exclude(status=ApplicationStatus.DRAFT),
        public_id=public_id,
    )


def _reviewers() -> list[User]:
    return list(
        User.objects.filter(roles_held__role=Role.REVIEWER, is_active=True)
        .distinct()
        .order_by("last_name", "email")
    )
