"""URLs of the partner finder, under ``partenaires/``."""

from django.urls import path

from coopess.finder import views

app_name = "finder"

STRUCTURE = "partenaires/structures/<int:structure_id>/"
REQUEST = "partenaires/demandes/<int:request_id>/"

urlpatterns = [
    path("partenaires/", views.home, name="home"),
    path(STRUCTURE + "consentement/", views.consent, name="consent"),
    path(STRUCTURE + "consentement/retirer/", views.withdraw, name="withdraw"),
    path(STRUCTURE + "recherche/", views.search, name="search"),
    path(STRUCTURE + "fiches/<int:profile_id>/", views.contact, name="contact"),
    path(REQUEST, views.request_detail, name="request"),
    path(REQUEST + "reponse/", views.request_answer, name="request_answer"),
    path(REQUEST + "candidature-commune/", views.joint_application, name="joint_application"),
    path("partenaires/dla/", views.officer, name="officer"),
    path("partenaires/dla/mise-en-relation/", views.introduce, name="introduce"),
    path("partenaires/chiffres/", views.counts, name="counts"),
]
