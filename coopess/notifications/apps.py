from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coopess.notifications"
    verbose_name = "Calendrier et notifications"

    def ready(self):
        # the built-in event sources (call calendar, diagnostic, support) register themselves
        from coopess.notifications import privacy, sources  # noqa: F401
