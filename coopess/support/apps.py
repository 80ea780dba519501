from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "coopess.support"
    label = "support"
    verbose_name = "Accompagnement collectif"
