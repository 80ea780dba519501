from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "coopess.api"
    label = "api"
    verbose_name = "API et webhooks"

    def ready(self) -> None:
        from coopess.api.privacy import register_source

        register_source()
        # the webhooks subscribe to the other steps' events (coopess.common.events)
        from coopess.api import events  # noqa: F401
