from django.urls import path

from coopess.competition.views import committee, officer, provider, terms

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
        "concurrence/cohorte/<int:cohort_id>/consulte/<int:consulted_id>/retirer/",
        officer.unconsult,
        name="unconsult",
    ),
    path(
        "concurrence/cohorte/<int:cohort_id>/consulte/<int:consulted_id>/renvoyer/",
        officer.reinvite,
        name="reinvite",
    ),
    path(
        "concurrence/cohorte/<int:cohort_id>/consulte/<int:consulted_id>/detacher/",
        officer.detach,
        name="detach",
    ),
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
    path(
        "concurrence/cohorte/<int:cohort_id>/cahier-des-charges/v<int:number>.<str:fmt>",
        terms.version_file,
        name="terms_version_file",
    ),
    # the provider: the emailed invitation, then its own consultations, signed in
    path("concurrence/lien/<str:token>/", provider.invitation, name="invitation"),
    path("concurrence/mes-consultations/", provider.consultations, name="provider_consultations"),
    path(
        "concurrence/mes-consultations/<int:consulted_id>/",
        provider.home,
        name="provider_home",
    ),
    path(
        "concurrence/mes-consultations/<int:consulted_id>/cahier-des-charges-v<int:number>.pdf",
        provider.terms_pdf,
        name="provider_terms_pdf",
    ),
    path(
        "concurrence/mes-consultations/<int:consulted_id>/piece-jointe/",
        provider.attachment,
        name="provider_attachment",
    ),
]

# the comité d'appui (views/committee.py)
urlpatterns += [
    path(
        "concurrence/cohorte/<int:cohort_id>/comite-appui/",
        committee.officer_settings,
        name="committee_settings",
    ),
    path(
        "concurrence/cohorte/<int:cohort_id>/comite-appui/designer/",
        committee.officer_assign,
        name="committee_assign",
    ),
    path(
        "concurrence/cohorte/<int:cohort_id>/comite-appui/<int:assigned_id>/retirer/",
        committee.officer_remove,
        name="committee_remove",
    ),
    path("comite-appui/", committee.home, name="committee_home"),
    path(
        "comite-appui/consultation/<int:consultation_id>/",
        committee.consultation,
        name="committee_consultation",
    ),
    path(
        "comite-appui/consultation/<int:consultation_id>/proposition/<int:proposal_id>/declarer/",
        committee.declare,
        name="committee_declare",
    ),
    path(
        "comite-appui/consultation/<int:consultation_id>/proposition/<int:proposal_id>/noter/",
        committee.score,
        name="committee_score",
    ),
    path(
        "comite-appui/consultation/<int:consultation_id>/proposition/<int:proposal_id>/"
        "piece-jointe/",
        committee.attachment,
        name="committee_attachment",
    ),
]
