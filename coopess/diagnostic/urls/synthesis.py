"""Routes of the diagnostic's synthesis (officer: under cohortes/<cohort_id>/, representative: under
structures/<structure_id>/)."""

from django.urls import path

from coopess.diagnostic.views import synthesis as views

OFFICER = "diagnostic/cohortes/<int:cohort_id>/synthese/"
STRUCTURE = "diagnostic/structures/<int:structure_id>/synthese/"

urlpatterns: list = [
    path(OFFICER, views.officer_home, name="synthesis"),
    path(f"{OFFICER}preparer/", views.create, name="synthesis_create"),
    path(f"{OFFICER}nouvelle-version/", views.new_version, name="synthesis_new_version"),
    path(f"{OFFICER}versions/<int:version_id>/", views.version_detail, name="synthesis_version"),
    path(
        f"{OFFICER}versions/<int:version_id>/diffuser/",
        views.circulate,
        name="synthesis_circulate",
    ),
    path(
        f"{OFFICER}versions/<int:version_id>/synthese.pdf",
        views.officer_file,
        {"fmt": "pdf"},
        name="synthesis_pdf",
    ),
    path(
        f"{OFFICER}versions/<int:version_id>/synthese.docx",
        views.officer_file,
        {"fmt": "docx"},
        name="synthesis_docx",
    ),
    path(f"{OFFICER}sections/<int:section_id>/", views.section_edit, name="synthesis_section"),
    path(
        f"{OFFICER}sections/<int:section_id>/texte-prepare/",
        views.section_prepare,
        name="synthesis_section_prepare",
    ),
    path(f"{STRUCTURE}versions/<int:version_id>/", views.review, name="synthesis_review"),
    path(
        f"{STRUCTURE}versions/<int:version_id>/synthese.pdf",
        views.structure_file,
        {"fmt": "pdf"},
        name="structure_synthesis_pdf",
    ),
    path(
        f"{STRUCTURE}versions/<int:version_id>/synthese.docx",
        views.structure_file,
        {"fmt": "docx"},
        name="structure_synthesis_docx",
    ),
]
