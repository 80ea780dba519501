from django.conf import settings

from coopess.notifications.services import lazy_unread_count


def site(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "user_is_officer": signed_in and user.has_role("officer"),
        "user_is_reviewer": signed_in and user.has_role("reviewer"),
        "user_is_consultant": signed_in and user.has_role("consultant"),
        "user_is_funder": signed_in and user.has_role("funder"),
        "SITE_NAME": settings.COOPESS_SITE_NAME,
        "DEMO_MODE": settings.COOPESS_DEMO,
        "STAFF_MFA_REQUIRED": settings.COOPESS_REQUIRE_STAFF_MFA,
        "unread_notifications": lazy_unread_count(user),
    }
