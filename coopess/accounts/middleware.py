"""Staff roles cannot reach any page before they have passed a second factor."""

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Pages a staff member needs to set up or pass the second factor, or to leave.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_authenticate",
        "mfa_index",
        "mfa_generate_recovery_codes",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
    }
)


def session_passed_second_factor(request) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class StaffMFAMiddleware:
    """Redirect a signed-in staff member to TOTP set-up or verification.

    allauth asks for the TOTP code after a password, but not after a sign-in by email code,
    and it never forces anyone to enrol: both gaps are closed here, for every URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.COOPESS_REQUIRE_STAFF_MFA:
            return None
        user = request.user
        if not user.is_authenticated or not user.needs_second_factor:
            return None
        match = request.resolver_match
        if match and match.url_name in MFA_SETUP_URL_NAMES and not match.namespace:
            return None
        if session_passed_second_factor(request):
            return None
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if not has_totp:
            messages.info(
                request,
                "Votre rôle donne accès à des données personnelles : activez la double "
                "authentification (application TOTP) pour continuer.",
            )
            return redirect("mfa_activate_totp")
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
