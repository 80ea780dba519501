from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "coopess.selection"
    label = "selection"
    verbose_name = "Instruction et sélection"

    def ready(self) -> None:
        # events: screening listens to « application submitted » (coopess.common.events);
        # officer_site: its inlines of « Gestion des appels » (coopess/calls/officer_site.py);
        # panels: the messages panel of the application page (coopess/applications/panels.py)
        from coopess.selection import events, officer_site, panels  # noqa: F401
