"""URLs of the collective support. The team works under ``accompagnement/cohortes/<cohort_id>/``
(officers of the cohort's DLA and its engaged consultants), representatives under
``accompagnement/structures/<structure_id>/`` (their own structure)."""

from django.urls import path

from coopess.support.views import referrals, staff, structure

app_name = "support"

COHORT = "accompagnement/cohortes/<int:cohort_id>/"
SESSION = COHORT + "seances/<int:session_id>/"
STRUCTURE = "accompagnement/structures/<int:structure_id>/"

urlpatterns = [
    path("accompagnement/", staff.home, name="home"),
    path(COHORT, staff.cohort, name="cohort"),
    path(COHORT + "cadre/", staff.settings_save, name="settings"),
    path(COHORT + "prestation/", staff.engagement_save, name="engagement"),
    path(COHORT + "consultants/", staff.consultant_add, name="consultant_add"),
    path(
        COHORT + "consultants/<int:consultant_id>/retirer/",
        staff.consultant_remove,
        name="consultant_remove",
    ),
    path(COHORT + "seances/nouvelle/", staff.session_new, name="session_new"),
    path(SESSION, staff.session, name="session"),
    path(SESSION + "modifier/", staff.session_edit, name="session_edit"),
    path(SESSION + "seance.ics", staff.session_ics, name="session_ics"),
    path(SESSION + "annuler/", staff.session_cancel, name="session_cancel"),
    path(SESSION + "compte-rendu/", staff.session_record, name="session_record"),
    path(SESSION + "livrables/", staff.deliverable_add, name="deliverable_add"),
    path(COHORT + "livrables/<uuid:deliverable_id>/", staff.deliverable, name="deliverable"),
    path(
        COHORT + "livrables/<uuid:deliverable_id>/supprimer/",
        staff.deliverable_delete,
        name="deliverable_delete",
    ),
    path(COHORT + "orientations/", referrals.referral_add, name="referral_add"),
    path(
        COHORT + "orientations/<int:referral_id>/etat/",
        referrals.referral_move,
        name="referral_move",
    ),
    path(
        COHORT + "structures/<int:structure_id>/",
        referrals.officer_structure,
        name="officer_structure",
    ),
    path(
        COHORT + "structures/<int:structure_id>/orientation-dla/",
        referrals.officer_dla_referral,
        name="officer_dla_referral",
    ),
    path("accompagnement/acteurs/", referrals.actors, name="actors"),
    path("accompagnement/acteurs/<int:actor_id>/", referrals.actor, name="actor"),
    path(STRUCTURE, structure.structure, name="structure"),
    path(
        STRUCTURE + "livrables/<uuid:deliverable_id>/",
        structure.structure_deliverable,
        name="structure_deliverable",
    ),
    path(
        STRUCTURE + "seances/<int:session_id>/seance.ics",
        structure.structure_session_ics,
        name="structure_session_ics",
    ),
    path(
        STRUCTURE + "orientation-dla/",
        structure.structure_dla_request,
        name="structure_dla_request",
    ),
]
