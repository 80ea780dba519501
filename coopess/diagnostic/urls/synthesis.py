"""Routes of the diagnostic's synthesis (officer: under cohortes/<cohort_id>/, representative: under
structures/<structure_id>/)."""

urlpatterns: list = []
