"""``/api/v1/`` (the API itself, public: each endpoint checks its token), its French
documentation page, and the officers' pages (tokens, webhooks)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path

from coopess.api import views
from coopess.api.rest.api import api


def _public(patterns):
    """The API answers 401 / 404 problem documents itself: no redirect to the sign-in page."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _public(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback = login_not_required(entry.callback)
    return patterns


api_patterns, api_app_name, api_namespace = api.urls
_public(api_patterns)

officer_patterns = (
    [
        path("", views.home, name="home"),
        path("jetons/nouveau/", views.token_new, name="token_new"),
        path("jetons/<uuid:public_id>/revoquer/", views.token_revoke, name="token_revoke"),
        path("webhooks/nouveau/", views.endpoint_new, name="endpoint_new"),
        path("webhooks/<uuid:public_id>/", views.endpoint_detail, name="endpoint_detail"),
        path("webhooks/<uuid:public_id>/secret/", views.endpoint_rotate, name="endpoint_rotate"),
        path("webhooks/<uuid:public_id>/supprimer/", views.endpoint_delete, name="endpoint_delete"),
    ],
    "api_admin",
)

urlpatterns = [
    path("api/v1/documentation/", views.documentation, name="api_documentation"),
    path("api/demo/recepteur/", views.demo_receiver, name="api_demo_receiver"),
    path("api/v1/", (api_patterns, api_app_name, api_namespace)),
    path("espace/api/", include(officer_patterns)),
]
