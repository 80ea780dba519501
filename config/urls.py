from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse

from coopess.calls.officer_site import officer_site


@login_not_required
def admin_login(request, extra_context=None):
    """The admin has no sign-in of its own: allauth's, with its second factor, is the only one."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(
        request.GET.get("next", reverse("admin:index")), login_url=reverse("account_login")
    )


admin.site.login = admin_login

admin.site.site_header = "Administration de CoopESS"
admin.site.site_title = "CoopESS"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("", include("coopess.calls.home_urls")),
    path("", include("coopess.common.urls")),
    path("appels/", include("coopess.calls.urls")),
    path("appels/", include("coopess.applications.call_urls")),
    path("espace/", include("coopess.accounts.urls")),
    path("espace/donnees/", include("coopess.privacy.urls")),
    path("candidatures/", include("coopess.applications.urls")),
    path("", include("coopess.selection.urls")),
    path("", include("coopess.diagnostic.urls")),
    path("", include("coopess.support.urls")),
    path("", include("coopess.competition.urls")),
    path("", include("coopess.finder.urls")),
    path("", include("coopess.followups.urls")),
    path("", include("coopess.reporting.urls")),
    path("", include("coopess.notifications.urls")),
    path("", include("coopess.api.urls")),
    path("compte/", include("allauth.urls")),
    path("gestion/", officer_site.urls),
    path("administration/", admin.site.urls),
]

handler400 = "coopess.common.views.error_400"
handler403 = "coopess.common.views.error_403"
handler404 = "coopess.common.views.error_404"
handler500 = "coopess.common.views.error_500"
