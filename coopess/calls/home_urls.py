"""The site's home page (``/``): the calls open now, a page of the calls app (namespace
``home``, included first by ``config/urls.py``)."""

from django.urls import path

from coopess.calls import views

app_name = "home"
urlpatterns = [
    path("", views.home, name="index"),
]
