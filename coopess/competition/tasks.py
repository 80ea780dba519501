"""Work done by the worker: a provider's SIRET looked up again when the directory did not
answer (back off, then stop — as ``coopess.applications.tasks.retry_structure_lookup``)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("coopess")

MAX_LOOKUP_ATTEMPTS = 5


@task()
def retry_provider_lookup(provider_id: int, attempt: int) -> str:
    """Ask the directory again about a provider it could not answer for."""
    from coopess.competition.models import LookupStatus, Provider
    from coopess.competition.services.directory import (
        provider_lookup_again,
        schedule_provider_lookup_retry,
    )

    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None or provider.lookup_status != LookupStatus.UNAVAILABLE:
        return "skipped"
    status = provider_lookup_again(provider=provider)
    if status == LookupStatus.UNAVAILABLE:
        if attempt < MAX_LOOKUP_ATTEMPTS:
            schedule_provider_lookup_retry(provider_id, attempt=attempt + 1)
        else:
            logger.warning(
                "Directory lookup for provider %s gave up after %s attempts", provider_id, attempt
            )
    return status
