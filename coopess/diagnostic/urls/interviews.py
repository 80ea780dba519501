"""Routes of the diagnostic's interviews (officer: under cohortes/<cohort_id>/, representative: under
structures/<structure_id>/)."""

urlpatterns: list = []
