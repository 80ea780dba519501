"""The two pages of applying that hang under a call's address (``/appels/<slug>/…``): starting
an application and the blank form. They are the applications app's views, so this app owns
their routes (namespace ``apply``, included under ``appels/`` by ``config/urls.py``); the call's
own pages (``coopess/calls/urls.py``) never import them."""

from django.urls import path

from coopess.applications import views

app_name = "apply"
urlpatterns = [
    path("<slug:slug>/candidater/", views.start, name="start"),
    path("<slug:slug>/formulaire-vierge.pdf", views.blank_form, name="blank_form"),
]
