"""The lead structure's partners: invitations by email, acceptance and confirmation, removal,
and the SIRET lookup in the public directory (applied on demand, retried from the worker).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.applications.choices import LookupStatus
from coopess.applications.errors import ApplicationError
from coopess.applications.models import (
    AccessRole,
    Application,
    ApplicationAccess,
    ApplicationStructure,
    Representative,
)
from coopess.applications.services.completeness import missing_items
from coopess.applications.services.drafts import (
    CapReached,
    Incomplete,
    _check_editable,
    _lock,
    refresh_search_text,
)
from coopess.common.jobs import task_named
from coopess.common.mail import queue_email_message

logger = logging.getLogger("coopess")


# --- The public directory (SIRET lookup) ------------------------------------------------------

LOOKUP_FIELDS = {
    "name": "name",
    "address": "address",
    "postal_code": "postal_code",
    "commune": "commune",
    "commune_code": "commune_code",
    "departement": "departement",
    "naf_code": "naf_code",
    "legal_category_code": "legal_category_code",
    "rna": "rna",
}


@transaction.atomic
def structure_apply_lookup(*, structure: ApplicationStructure, result, overwrite: bool) -> None:
    """Record a directory answer; pre-fill the fields (all of them when the representative asked
    for it, only the empty ones when a background retry finds the structure later)."""
    from dataclasses import asdict

    structure = ApplicationStructure.objects.select_for_update().get(pk=structure.pk)
    structure.lookup_status = result.status
    structure.lookup_checked_at = timezone.now()
    if result.record is not None:
        record = result.record
        structure.lookup_data = asdict(record)
        for field, attribute in LOOKUP_FIELDS.items():
            value = getattr(record, attribute, "") or ""
            if value and (overwrite or not getattr(structure, field)):
                setattr(structure, field, value)
        if (
            record.legal_form
            and record.legal_form != "other"
            and (overwrite or not structure.legal_form)
        ):
            structure.legal_form = record.legal_form
    structure.save()
    if structure.is_lead:
        Application.objects.filter(pk=structure.application_id).update(lead_name=structure.name)
    refresh_search_text(structure.application_id)


def structure_lookup(*, structure: ApplicationStructure):
    """Ask the public directory about the structure's SIRET; retry later when it does not answer."""
    from coopess.structures.sirene import lookup_siret

    result = lookup_siret(structure.siret)
    structure_apply_lookup(structure=structure, result=result, overwrite=True)
    if result.status == LookupStatus.UNAVAILABLE:
        structure_id = structure.pk
        transaction.on_commit(lambda: schedule_lookup_retry(structure_id, attempt=1))
    return result


def schedule_lookup_retry(structure_id: int, *, attempt: int) -> None:
    """Ask the directory again later (15 min, then doubling), from the worker."""
    retry_structure_lookup = task_named("coopess.applications.tasks.retry_structure_lookup")
    delay = dt.timedelta(minutes=15 * 2 ** (attempt - 1))
    if retry_structure_lookup.get_backend().supports_defer:
        retry_structure_lookup.using(run_after=timezone.now() + delay).enqueue(
            structure_id, attempt
        )
    else:  # a backend that cannot schedule (immediate mode): the officer's check will do
        logger.info("Task backend cannot defer: directory lookup of %s not retried", structure_id)


# --- Partners ---------------------------------------------------------------------------------


@transaction.atomic
def partner_invite(
    *, application: Application, by: User, name: str, email: str
) -> ApplicationStructure:
    application = _lock(application)
    _check_editable(application, "partners")
    if application.structures.count() >= application.call.max_structures:
        raise CapReached(application.call)
    email = email.strip().lower()
    if application.structures.filter(invited_email=email).exists():
        raise ApplicationError(f"Une invitation a déjà été envoyée à {email}.")
    position = (application.structures.order_by("-position").first().position or 0) + 1
    structure = ApplicationStructure.objects.create(
        application=application,
        position=position,
        name=name.strip(),
        invited_email=email,
        invitation_token=secrets.token_urlsafe(32),
        invited_at=timezone.now(),
    )
    Representative.objects.create(structure=structure, position=1, email=email)
    application.structure_count = application.structures.count()
    application.save(update_fields=["structure_count", "updated_at"])
    refresh_search_text(application.pk)
    _send_invitation(application=application, structure=structure, by=by)
    return structure


def _send_invitation(
    *, application: Application, structure: ApplicationStructure, by: User
) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage

    link = settings.COOPESS_BASE_URL + reverse(
        "applications:invitation", args=[structure.invitation_token]
    )
    body = render_to_string(
        "applications/email/invitation.txt",
        {"application": application, "structure": structure, "by": by, "link": link},
    )
    queue_email_message(
        EmailMessage(
            subject=f"[CoopESS] Invitation à rejoindre une candidature : {application.call.title}",
            body=body,
            to=[structure.invited_email],
        )
    )


@transaction.atomic
def partner_accept(*, structure: ApplicationStructure, user: User) -> ApplicationAccess:
    """The invited representative signs in and joins the application for their structure."""
    application = _lock(structure.application)
    structure = ApplicationStructure.objects.select_for_update().get(pk=structure.pk)
    existing = ApplicationAccess.objects.filter(application=application, user=user).first()
    if existing:
        return existing
    access = ApplicationAccess.objects.create(
        application=application, user=user, structure=structure, role=AccessRole.PARTNER
    )
    structure.invitation_token = None
    structure.save(update_fields=["invitation_token", "updated_at"])
    RoleAssignment.objects.get_or_create(user=user, role=Role.APPLICANT, organisation=None)
    return access


@transaction.atomic
def partner_confirm(*, structure: ApplicationStructure, by: User) -> None:
    application = _lock(structure.application)
    _check_editable(application, "partners")
    missing = [
        item
        for item in missing_items(application)
        if item.structure_id == structure.pk and item.section != "partners"
    ]
    if missing:
        raise Incomplete(missing)
    ApplicationStructure.objects.filter(pk=structure.pk).update(
        confirmed_at=timezone.now(), confirmed_by=by
    )


@transaction.atomic
def partner_remove(*, structure: ApplicationStructure, by: User) -> None:
    application = _lock(structure.application)
    _check_editable(application, "partners")
    if structure.is_lead:
        raise ApplicationError("La structure cheffe de file ne peut pas être retirée.")
    for attachment in structure.attachments.all():
        attachment.file.delete(save=False)
    structure.delete()
    application.pending_input = {
        k: v
        for k, v in application.pending_input.items()
        if not k.startswith(f"structure:{structure.pk}:")
    }
    application.structure_count = application.structures.count()
    application.save(update_fields=["pending_input", "structure_count", "updated_at"])
    refresh_search_text(application.pk)
