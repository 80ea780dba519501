from django.urls import path

from coopess.common import views

app_name = "common"
urlpatterns = [
    path("sante/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
    path("demo/courriels/", views.demo_mailbox, name="demo_mailbox"),
    path("demo/courriels/<int:pk>/", views.demo_email, name="demo_email"),
]
