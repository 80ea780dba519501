from django.shortcuts import render
from django.views.decorators.http import require_GET

from coopess.accounts.dashboard import dashboard_context
from coopess.accounts.models import Role


@require_GET
def dashboard(request):
    """The signed-in home: what this person can do, by role (later steps add their part:
    ``coopess/accounts/dashboard.py``)."""
    user = request.user
    return render(
        request,
        "accounts/dashboard.html",
        {
            "assignments": user.role_assignments,
            "is_officer": user.has_role(Role.OFFICER),
            **dashboard_context(user),
        },
    )
