from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "coopess.reporting"
    label = "reporting"
    verbose_name = "Rapports aux financeurs"
