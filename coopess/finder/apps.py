from django.apps import AppConfig


class FinderConfig(AppConfig):
    name = "coopess.finder"
    label = "finder"
    verbose_name = "Recherche de partenaires"

    def ready(self) -> None:
        # the finder's personal data, declared to the privacy registry
        from coopess.finder import privacy  # noqa: F401
