from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Administration de CoopESS"
admin.site.site_title = "CoopESS"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("", include("coopess.common.urls")),
    path("appels/", include("coopess.calls.urls")),
    path("espace/", include("coopess.accounts.urls")),
    path("compte/", include("allauth.urls")),
    path("administration/", admin.site.urls),
]

handler400 = "coopess.common.views.error_400"
handler403 = "coopess.common.views.error_403"
handler404 = "coopess.common.views.error_404"
handler500 = "coopess.common.views.error_500"
