from django.urls import path

from coopess.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("<slug:slug>/", views.call_detail, name="detail"),
    # applying (/appels/<slug>/candidater/, the blank form) is the applications app's:
    # coopess/applications/call_urls.py, namespace « apply »
]
