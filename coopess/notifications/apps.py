from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coopess.notifications"
    verbose_name = "Calendrier et notifications"

    def ready(self):
        # the built-in event sources (call calendar, diagnostic, support) register themselves
        # the hooks subscribe to the other steps' events (coopess.common.events)
        from coopess.notifications import (  # noqa: F401
            hooks,
            privacy,
            sources,
        )
