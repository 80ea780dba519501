"""Routes of the self-diagnostic, the synergy map and the decision aid (officer: under
cohortes/<cohort_id>/, representative: under structures/<structure_id>/)."""

from django.urls import path

from coopess.diagnostic.views import selfdiag

urlpatterns: list = [
    path(
        "diagnostic/structures/<int:structure_id>/autodiagnostic/",
        selfdiag.fill,
        name="selfdiag_fill",
    ),
    path(
        "diagnostic/structures/<int:structure_id>/synergies/",
        selfdiag.synergy_structure,
        name="structure_synergy",
    ),
    path(
        "diagnostic/structures/<int:structure_id>/synergies.svg",
        selfdiag.synergy_svg_structure,
        name="structure_synergy_svg",
    ),
    path(
        "diagnostic/structures/<int:structure_id>/aide-a-la-decision/",
        selfdiag.decision_aid_structure,
        name="structure_decision_aid",
    ),
    path(
        "diagnostic/cohortes/<int:cohort_id>/autodiagnostics/<int:structure_id>/",
        selfdiag.officer_answers,
        name="selfdiag_answers",
    ),
    path(
        "diagnostic/cohortes/<int:cohort_id>/synergies/", selfdiag.synergy_officer, name="synergy"
    ),
    path(
        "diagnostic/cohortes/<int:cohort_id>/synergies.svg",
        selfdiag.synergy_svg_officer,
        name="synergy_svg",
    ),
    path(
        "diagnostic/cohortes/<int:cohort_id>/aide-a-la-decision/",
        selfdiag.decision_aid_officer,
        name="decision_aid",
    ),
]
