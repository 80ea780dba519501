from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "coopess.diagnostic"
    label = "diagnostic"
    verbose_name = "Diagnostic partagé"

    def ready(self) -> None:
        # dashboard: the represented cohort structures on « Mon espace »
        # (coopess/accounts/dashboard.py);
        # officer_site: its inlines of « Gestion des appels » (coopess/calls/officer_site.py);
        # privacy: the diagnostic's personal data, declared to the privacy registry
        from coopess.diagnostic import dashboard, officer_site, privacy  # noqa: F401
