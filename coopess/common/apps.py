from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "coopess.common"
    label = "common"
    verbose_name = "Commun"
