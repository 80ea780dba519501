from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "coopess.support"
    label = "support"
    verbose_name = "Accompagnement collectif"

    def ready(self) -> None:
        # the collective support's personal data, declared to the privacy registry
        from coopess.support import privacy  # noqa: F401
