"""Timelines, notifications, personal calendar settings and the private calendar feed."""

from django.urls import path

from coopess.notifications import views

app_name = "notifications"

SETTINGS = "espace/calendrier-et-notifications/"

urlpatterns = [
    path("calendrier/appels/<int:call_id>/", views.call_timeline, name="call_timeline"),
    path("calendrier/cohortes/<int:cohort_id>/", views.cohort_timeline, name="cohort_timeline"),
    path(
        "calendrier/structures/<int:structure_id>/",
        views.structure_timeline,
        name="structure_timeline",
    ),
    path("calendrier/flux/<str:feed_token>.ics", views.feed, name="feed"),
    path("notifications/", views.notification_list, name="list"),
    path("notifications/tout-lire/", views.notification_read_all, name="read_all"),
    path("notifications/<int:notification_id>/lue/", views.notification_read, name="read"),
    path(SETTINGS, views.personal_settings, name="settings"),
    path(SETTINGS + "agenda/nouvelle-adresse/", views.feed_regenerate, name="feed_regenerate"),
    path(SETTINGS + "agenda/supprimer/", views.feed_revoke, name="feed_revoke"),
    path(SETTINGS + "courriels/", views.email_mode, name="email_mode"),
]
