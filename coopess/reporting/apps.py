from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "coopess.reporting"
    label = "reporting"
    verbose_name = "Rapports aux financeurs"

    def ready(self) -> None:
        # the report's own indicators register on import, then those other apps define
        # (coopess/<app>/reporting_indicators.py)
        from coopess.reporting import indicators  # noqa: F401
        from coopess.reporting.registry import discover

        discover()
