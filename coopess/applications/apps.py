from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "coopess.applications"
    label = "applications"
    verbose_name = "Candidatures"
