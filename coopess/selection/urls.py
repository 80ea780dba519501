from django.urls import path

from coopess.selection import views

app_name = "selection"
urlpatterns = [
    path("instruction/", views.calls, name="calls"),
    path("instruction/appels/<slug:slug>/", views.table, name="table"),
    path("instruction/appels/<slug:slug>/export.<str:fmt>", views.export, name="export"),
    path("instruction/appels/<slug:slug>/classement/", views.ranking, name="ranking"),
    path("instruction/appels/<slug:slug>/lettres/", views.send_letters, name="send_letters"),
    path("instruction/candidatures/<uuid:public_id>/", views.application, name="application"),
    path(
        "instruction/candidatures/<uuid:public_id>/instruire/",
        views.start_review,
        name="start_review",
    ),
    path("instruction/candidatures/<uuid:public_id>/eligibilite/", views.rescreen, name="rescreen"),
    path(
        "instruction/candidatures/<uuid:public_id>/eligibilite/<int:result_id>/",
        views.override,
        name="override",
    ),
    path("instruction/candidatures/<uuid:public_id>/comite/", views.assign, name="assign"),
    path("instruction/candidatures/<uuid:public_id>/messages/", views.post_message, name="message"),
    # the representative's message, from their application page (a panel of applications:detail)
    path(
        "candidatures/<uuid:public_id>/messages/envoyer/",
        views.applicant_message,
        name="applicant_message",
    ),
    path(
        "instruction/candidatures/<uuid:public_id>/complements/",
        views.complements,
        name="complements",
    ),
    path("instruction/candidatures/<uuid:public_id>/decision/", views.decide, name="decide"),
    path("instruction/candidatures/<uuid:public_id>/rouvrir/", views.reopen, name="reopen"),
    path(
        "instruction/candidatures/<uuid:public_id>/pieces/<uuid:attachment_id>/",
        views.officer_attachment,
        name="attachment",
    ),
    path("comite/", views.reviewer_home, name="reviewer_home"),
    path("comite/candidatures/<uuid:public_id>/", views.review, name="review"),
    path(
        "comite/candidatures/<uuid:public_id>/pieces/<uuid:attachment_id>/",
        views.reviewer_attachment,
        name="reviewer_attachment",
    ),
]
