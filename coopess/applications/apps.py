from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "coopess.applications"
    label = "applications"
    verbose_name = "Candidatures"

    def ready(self) -> None:
        # dashboard: the person's applications on « Mon espace » (coopess/accounts/dashboard.py)
        from coopess.applications import dashboard  # noqa: F401
