"""Routes of the collective workshop and the action plan (officer: under cohortes/<cohort_id>/,
representative: under structures/<structure_id>/)."""

from django.urls import path

from coopess.diagnostic.views import workshop

_OFFICER = "diagnostic/cohortes/<int:cohort_id>/"
_STRUCTURE = "diagnostic/structures/<int:structure_id>/"

urlpatterns: list = [
    path(f"{_OFFICER}atelier/", workshop.officer, name="workshop"),
    path(f"{_OFFICER}atelier/<int:workshop_id>/modifier/", workshop.update, name="workshop_update"),
    path(f"{_OFFICER}atelier/<int:workshop_id>/annuler/", workshop.cancel, name="workshop_cancel"),
    path(
        f"{_OFFICER}atelier/<int:workshop_id>/compte-rendu/",
        workshop.outcomes,
        name="workshop_outcomes",
    ),
    path(f"{_OFFICER}plan-d-action/nouvelle/", workshop.action_add, name="action_add"),
    path(f"{_OFFICER}plan-d-action/<int:action_id>/", workshop.action_edit, name="action_edit"),
    path(
        f"{_OFFICER}plan-d-action/<int:action_id>/supprimer/",
        workshop.action_delete,
        name="action_delete",
    ),
    path(f"{_STRUCTURE}atelier/", workshop.structure_page, name="structure_workshop"),
    path(
        f"{_STRUCTURE}atelier/<int:workshop_id>/invitation.ics",
        workshop.structure_ics,
        name="structure_workshop_ics",
    ),
]
