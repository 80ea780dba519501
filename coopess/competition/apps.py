from django.apps import AppConfig


class CompetitionConfig(AppConfig):
    name = "coopess.competition"
    label = "competition"
    verbose_name = "Mise en concurrence des prestataires"

    def ready(self) -> None:
        # the providers' personal data, declared to the privacy registry
        # « Mes consultations » on « Mon espace » (coopess/accounts/dashboard.py)
        # officer_site: its inline of « Gestion des appels » (coopess/calls/officer_site.py)
        from coopess.competition import (
            dashboard,  # noqa: F401
            officer_site,  # noqa: F401
            privacy,  # noqa: F401
        )
