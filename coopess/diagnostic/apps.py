from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "coopess.diagnostic"
    label = "diagnostic"
    verbose_name = "Diagnostic partagé"
