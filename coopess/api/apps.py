from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "coopess.api"
    label = "api"
    verbose_name = "API et webhooks"

    def ready(self) -> None:
        from coopess.api.privacy import register_source

        register_source()
