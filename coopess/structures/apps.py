from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "coopess.structures"
    label = "structures"
    verbose_name = "Structures"
