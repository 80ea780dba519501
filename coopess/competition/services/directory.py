"""The DLA's directory of consulting providers: adding or editing a provider looks its SIRET up
in the public company directory exactly as the applications do (``coopess.structures.sirene``:
one short call that never raises); a closed establishment is refused next to the field; a
directory that does not answer never blocks — the provider is kept as « à vérifier » and asked
about again later from the worker. Also the satisfaction the DLA records about a past
engagement."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from coopess.common.jobs import task_named
from coopess.competition.models import EngagementReview, LookupStatus, Provider
from coopess.competition.services import CompetitionError
from coopess.support.models import Engagement

logger = logging.getLogger("coopess")

CLOSED_MESSAGE = (
    "D'après le répertoire des entreprises, cet établissement est fermé (ou l'entreprise a "
    "cessé son activité) : vérifiez le SIRET de l'établissement actif."
)
EDITABLE_FIELDS = ("name", "siret", "expertise", "departements", "contact_name", "email", "phone")


def _status_of(result) -> str:
    if result.status == "found":
        return LookupStatus.FOUND if result.record.is_active else LookupStatus.CLOSED
    return result.status  # not_found, unavailable: the same words as the applications


def _address_of(record) -> str:
    return " ".join(
        part for part in (record.address, record.postal_code, record.commune) if part
    ).strip()


def provider_apply_lookup(*, provider: Provider, result, fill_name: bool) -> Provider:
    """Record the directory's answer on the provider (status, date, address, raw record)."""
    provider.lookup_status = _status_of(result)
    provider.lookup_checked_at = timezone.now()
    if result.record is not None:
        provider.lookup_data = asdict(result.record)
        provider.address = _address_of(result.record)[:300]
        if fill_name and result.record.name:
            provider.name = result.record.name[:200]
    return provider


def provider_save(
    *, operator_id: int, provider: Provider | None = None, **fields
) -> tuple[Provider, str]:
    """Add (``provider`` None) or edit a provider of the DLA's directory. Returns the provider
    and the directory's message for the officer. Raises ``CompetitionError`` (on its field) for
    a SIRET already in the directory, a closed establishment, or a name missing that the
    directory could not give."""
    from coopess.structures.sirene import lookup_siret

    provider = provider or Provider(operator_id=operator_id)
    siret = fields["siret"]
    duplicate = Provider.objects.filter(operator_id=provider.operator_id, siret=siret)
    if provider.pk:
        duplicate = duplicate.exclude(pk=provider.pk)
    if duplicate.exists():
        raise CompetitionError("Ce SIRET est déjà dans l'annuaire.", field="siret")
    for name in EDITABLE_FIELDS:
        setattr(provider, name, fields.get(name, getattr(provider, name)) or "")
    result = lookup_siret(siret)
    provider_apply_lookup(provider=provider, result=result, fill_name=not provider.name)
    if provider.lookup_status == LookupStatus.CLOSED:
        raise CompetitionError(CLOSED_MESSAGE, field="siret")
    if not provider.name:
        raise CompetitionError(
            "Indiquez la raison sociale : le répertoire des entreprises ne l'a pas donnée.",
            field="name",
        )
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError as error:  # the same SIRET added at the same moment by a colleague
        raise CompetitionError("Ce SIRET est déjà dans l'annuaire.", field="siret") from error
    if provider.lookup_status == LookupStatus.UNAVAILABLE:
        provider_id = provider.pk
        transaction.on_commit(lambda: schedule_provider_lookup_retry(provider_id, attempt=1))
    return provider, _message_of(provider)


def _message_of(provider: Provider) -> str:
    if provider.lookup_status == LookupStatus.FOUND:
        return "SIRET vérifié dans le répertoire des entreprises : établissement actif" + (
            f", {provider.address}." if provider.address else "."
        )
    if provider.lookup_status == LookupStatus.NOT_FOUND:
        return (
            "Aucun établissement ne correspond à ce SIRET dans le répertoire public : "
            "vérifiez-le avant de consulter ce prestataire."
        )
    return (
        "Le répertoire public des entreprises ne répond pas pour le moment : le SIRET n'a pas "
        "pu être vérifié. Nous réessaierons plus tard automatiquement."
    )


def schedule_provider_lookup_retry(provider_id: int, *, attempt: int) -> None:
    """Ask the directory again later (15 min, then doubling), from the worker — as for the
    applications' structures."""
    retry = task_named("coopess.competition.tasks.retry_provider_lookup")
    delay = dt.timedelta(minutes=15 * 2 ** (attempt - 1))
    if retry.get_backend().supports_defer:
        retry.using(run_after=timezone.now() + delay).enqueue(provider_id, attempt)
    else:  # a backend that cannot schedule (immediate mode): the next edit will check again
        logger.info(
            "Task backend cannot defer: directory lookup of provider %s not retried", provider_id
        )


def provider_lookup_again(*, provider: Provider) -> str:
    """The worker's retry: record what the directory says now (the name typed is kept; a
    closed establishment is shown in the directory). Returns the new status."""
    from coopess.structures.sirene import lookup_siret

    result = lookup_siret(provider.siret)
    if result.status == "unavailable":
        return LookupStatus.UNAVAILABLE
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        provider_apply_lookup(provider=provider, result=result, fill_name=False)
        provider.save(
            update_fields=["lookup_status", "lookup_checked_at", "lookup_data", "address"]
        )
    return provider.lookup_status


def engagement_review_save(
    *, engagement: Engagement, satisfaction: int, comment: str = ""
) -> EngagementReview:
    """Record (or correct) the DLA's satisfaction with a past engagement, from 1 to 5."""
    if not 1 <= satisfaction <= 5:
        raise CompetitionError("La satisfaction se note de 1 à 5.", field="satisfaction")
    review, _ = EngagementReview.objects.update_or_create(
        engagement=engagement,
        defaults={
            "satisfaction": satisfaction,
            "comment": comment.strip(),
            "recorded_at": timezone.now(),
        },
    )
    return review
