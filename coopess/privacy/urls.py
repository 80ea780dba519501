from django.urls import path

from coopess.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("mes-donnees.json", views.download_json, name="download_json"),
    path("mes-donnees.pdf", views.download_pdf, name="download_pdf"),
    path("effacement/", views.erasure, name="erasure"),
    path("demandes/", views.requests, name="requests"),
    path("demandes/<uuid:public_id>/", views.request_detail, name="request"),
    path("demandes/<uuid:public_id>/accepter/", views.request_accept, name="request_accept"),
    path("demandes/<uuid:public_id>/refuser/", views.request_refuse, name="request_refuse"),
    path("demandes/<uuid:public_id>/donnees.json", views.request_export, name="request_export"),
]
