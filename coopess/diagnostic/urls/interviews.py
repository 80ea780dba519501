"""Routes of the diagnostic's interviews (officer: under cohortes/<cohort_id>/, representative: under
structures/<structure_id>/)."""

from django.urls import path

from coopess.diagnostic.views import interviews as views

OFFICER = "diagnostic/cohortes/<int:cohort_id>/entretiens/"
SLOT = OFFICER + "<int:interview_id>/"
STRUCTURE = "diagnostic/structures/<int:structure_id>/entretien/"

urlpatterns: list = [
    path(OFFICER, views.slots, name="interviews"),
    path(OFFICER + "publier/", views.slots_publish, name="interview_slots_publish"),
    path(OFFICER + "date-limite/", views.deadline, name="interview_deadline"),
    path(SLOT + "reserver/", views.officer_book, name="interview_officer_book"),
    path(SLOT + "deplacer/", views.officer_move, name="interview_officer_move"),
    path(SLOT + "annuler/", views.officer_cancel, name="interview_officer_cancel"),
    path(SLOT + "compte-rendu/", views.record, name="interview_record"),
    path(STRUCTURE + "reserver/", views.structure_book, name="interview_book"),
    path(STRUCTURE + "deplacer/", views.structure_move, name="interview_move"),
    path(STRUCTURE + "annuler/", views.structure_cancel, name="interview_cancel"),
    path(STRUCTURE + "invitation.ics", views.structure_ics, name="interview_ics"),
]
