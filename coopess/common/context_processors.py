from django.conf import settings


def site(request) -> dict:
    return {
        "SITE_NAME": settings.COOPESS_SITE_NAME,
        "DEMO_MODE": settings.COOPESS_DEMO,
        "STAFF_MFA_REQUIRED": settings.COOPESS_REQUIRE_STAFF_MFA,
    }
