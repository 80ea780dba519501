from django.shortcuts import render
from django.views.decorators.http import require_GET

from coopess.accounts.models import Role
from coopess.applications.models import ApplicationAccess
from coopess.calls.models import Call
from coopess.diagnostic.permissions import represented_structures


@require_GET
def dashboard(request):
    """The signed-in home: what this person can do, by role."""
    user = request.user
    managed_calls = (
        list(Call.objects.managed_by(user).select_related("operator"))
        if user.has_role(Role.OFFICER)
        else []
    )
    applications = ApplicationAccess.objects.filter(user=user).select_related("application")[:20]
    accompanied = list(represented_structures(user).order_by("pk"))
    return render(
        request,
        "accounts/dashboard.html",
        {
            "assignments": user.role_assignments,
            "is_officer": user.has_role(Role.OFFICER),
            "managed_calls": managed_calls,
            "applications": applications,
            "accompanied": accompanied,
        },
    )
