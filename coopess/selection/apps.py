from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "coopess.selection"
    label = "selection"
    verbose_name = "Instruction et sélection"
