from django.urls import path

from coopess.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.my_applications, name="mine"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/deposer/", views.submit, name="submit"),
    path("<uuid:public_id>/retirer/", views.withdraw, name="withdraw"),
    path("<uuid:public_id>/structures/<int:pk>/", views.structure, name="structure"),
    path(
        "<uuid:public_id>/structures/<int:pk>/confirmer/",
        views.structure_confirm,
        name="structure_confirm",
    ),
    path("<uuid:public_id>/partenaires/inviter/", views.partner_invite, name="partner_invite"),
    path(
        "<uuid:public_id>/partenaires/<int:pk>/retirer/",
        views.partner_remove,
        name="partner_remove",
    ),
    path("<uuid:public_id>/pieces/ajouter/", views.attachment_upload, name="attachment_upload"),
    path(
        "<uuid:public_id>/pieces/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<uuid:public_id>/pieces/<uuid:attachment_id>/supprimer/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("<uuid:public_id>/decision.pdf", views.decision_letter, name="decision_letter"),
    path("<uuid:public_id>/<slug:slug>/", views.section, name="section"),
]
