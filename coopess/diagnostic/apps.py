from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "coopess.diagnostic"
    label = "diagnostic"
    verbose_name = "Diagnostic partagé"

    def ready(self) -> None:
        # the diagnostic's personal data, declared to the privacy registry
        from coopess.diagnostic import privacy  # noqa: F401
