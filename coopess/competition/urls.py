from django.urls import path

from coopess.competition.views import officer, provider

app_name = "competition"

urlpatterns = [
    path("concurrence/prestataires/", officer.providers, name="providers"),
    path(
        "concurrence/prestataires/<int:provider_id>/modifier/",
        officer.provider_edit,
        name="provider_edit",
    ),
    path(
        "concurrence/prestations/<int:engagement_id>/satisfaction/",
        officer.engagement_review,
        name="engagement_review",
    ),
    path("concurrence/cohorte/<int:cohort_id>/", officer.consultation, name="consultation"),
    path("concurrence/cohorte/<int:cohort_id>/consulter/", officer.consult, name="consult"),
    path("concurrence/cohorte/<int:cohort_id>/envoyer/", officer.send, name="send"),
    path(
        "concurrence/cohorte/<int:cohort_id>/question/<int:question_id>/repondre/",
        officer.answer,
        name="answer",
    ),
    path("concurrence/cohorte/<int:cohort_id>/clore/", officer.close, name="close"),
    path(
        "concurrence/cohorte/<int:cohort_id>/proposition/<int:proposal_id>/noter/",
        officer.score,
        name="score",
    ),
    path(
        "concurrence/cohorte/<int:cohort_id>/proposition/<int:proposal_id>/choisir/",
        officer.choose,
        name="choose",
    ),
    path(
        "concurrence/cohorte/<int:cohort_id>/proposition/<int:proposal_id>/piece-jointe/",
        officer.proposal_attachment,
        name="proposal_attachment",
    ),
    path("concurrence/cohorte/<int:cohort_id>/lettres/", officer.letters, name="letters"),
    path("concurrence/cohorte/<int:cohort_id>/abandonner/", officer.abandon, name="abandon"),
    path(
        "concurrence/cohorte/<int:cohort_id>/cahier-des-charges.<str:fmt>",
        officer.terms_file,
        name="terms_file",
    ),
    path("concurrence/lien/<str:token>/", provider.home, name="provider_home"),
    path(
        "concurrence/lien/<str:token>/cahier-des-charges.pdf",
        provider.terms_pdf,
        name="provider_terms_pdf",
    ),
    path(
        "concurrence/lien/<str:token>/piece-jointe/",
        provider.attachment,
        name="provider_attachment",
    ),
]
