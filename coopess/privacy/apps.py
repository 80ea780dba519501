from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "coopess.privacy"
    label = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        # The applications' and the selection's personal data, declared to the registry.
        from coopess.privacy import sources  # noqa: F401
