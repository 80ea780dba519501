from django.shortcuts import render
from django.views.decorators.http import require_GET

from coopess.accounts.models import Role
from coopess.calls.models import Call


@require_GET
def dashboard(request):
    """The signed-in home: what this person can do, by role."""
    user = request.user
    managed_calls = (
        list(Call.objects.managed_by(user).select_related("operator"))
        if user.has_role(Role.OFFICER)
        else []
    )
    return render(
        request,
        "accounts/dashboard.html",
        {"assignments": user.role_assignments, "managed_calls": managed_calls},
    )
