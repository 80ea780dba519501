from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "coopess.calls"
    label = "calls"
    verbose_name = "Appels à manifestations d'intérêt"
