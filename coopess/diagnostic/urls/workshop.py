"""Routes of the diagnostic's workshop (officer: under cohortes/<cohort_id>/, representative: under
structures/<structure_id>/)."""

urlpatterns: list = []
