"""URLs of the follow-ups. Officers under ``suivi/cohortes/<cohort_id>/``; representatives reach
a questionnaire through ``suivi/questionnaire/<followup_token>/`` (emailed; sign-in required)
and list their structure's follow-ups under ``suivi/structures/<structure_id>/``."""

from django.urls import path

from coopess.followups import views

app_name = "followups"

COHORT = "suivi/cohortes/<int:cohort_id>/"

urlpatterns = [
    path(COHORT, views.cohort, name="cohort"),
    path(COHORT + "cloture/", views.close, name="close"),
    path(COHORT + "cloture-de-la-cohorte/", views.cohort_close, name="cohort_close"),
    path(COHORT + "suivis/<int:followup_id>/", views.followup, name="followup"),
    path(COHORT + "suivis/<int:followup_id>/orientation/", views.referral, name="referral"),
    path("suivi/questionnaire/<str:followup_token>/", views.answer, name="answer"),
    path("suivi/structures/<int:structure_id>/", views.structure, name="structure"),
]
