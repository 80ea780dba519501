from django.urls import path

from coopess.applications import views as application_views
from coopess.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("<slug:slug>/", views.call_detail, name="detail"),
    path("<slug:slug>/candidater/", application_views.start, name="apply"),
    path("<slug:slug>/formulaire-vierge.pdf", application_views.blank_form, name="blank_form"),
]
