"""URLs of the « diagnostic partagé ». Officers work under ``diagnostic/cohortes/<cohort_id>/``,
representatives under ``diagnostic/structures/<structure_id>/`` (their own structure)."""

from django.urls import path

from coopess.diagnostic.urls import interviews, selfdiag, synthesis, workshop
from coopess.diagnostic.views import hub

app_name = "diagnostic"
urlpatterns = [
    path("diagnostic/", hub.mine, name="mine"),
    path("diagnostic/cohortes/", hub.cohorts, name="cohorts"),
    path("diagnostic/cohortes/<int:cohort_id>/", hub.cohort, name="cohort"),
    path("diagnostic/cohortes/<int:cohort_id>/ouvrir/", hub.start, name="start"),
    path("diagnostic/structures/<int:structure_id>/", hub.structure, name="structure"),
    *interviews.urlpatterns,
    *selfdiag.urlpatterns,
    *workshop.urlpatterns,
    *synthesis.urlpatterns,
]
