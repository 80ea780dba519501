from django.urls import path

from coopess.reporting import views

app_name = "reporting"
urlpatterns = [
    path("rapports/", views.indicators, name="indicators"),
    path("rapports/export.<str:fmt>", views.export, name="export"),
    path("rapports/rapport-activite.pdf", views.annual_report, name="annual_report"),
    path("rapports/commentaire/<int:year>/", views.note, name="note"),
]
