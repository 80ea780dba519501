from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "coopess.selection"
    label = "selection"
    verbose_name = "Instruction et sélection"

    def ready(self) -> None:
        # screening listens to « application submitted » (coopess.common.events)
        from coopess.selection import events  # noqa: F401
