from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "coopess.privacy"
    label = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        # events: the export log listens to « personal data exported »; sources: the
        # applications' and the selection's personal data, declared to the registry
        from coopess.privacy import events, sources  # noqa: F401
