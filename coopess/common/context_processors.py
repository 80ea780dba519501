from django.conf import settings


def site(request) -> dict:
    """The site's name and modes and the signed-in person's roles (the unread notifications
    count is ``coopess.notifications.context_processors.unread``)."""
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
    }
