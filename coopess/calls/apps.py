from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "coopess.calls"
    label = "calls"
    verbose_name = "Appels à manifestations d'intérêt"

    def ready(self) -> None:
        from coopess.calls.public_cache import connect_invalidation

        connect_invalidation()

        # dashboard: the officer's calls on « Mon espace » (coopess/accounts/dashboard.py)
        from coopess.calls import dashboard  # noqa: F401
