"""Background work of the webhooks (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_webhook(delivery_id: str) -> str:
    """One attempt at one webhook delivery (idempotent: a delivered one is not sent again)."""
    from coopess.api.webhooks import deliver

    return deliver(delivery_id)
