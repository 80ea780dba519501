"""Work done by the worker: the receipt (PDF + emails) and directory look-ups retried later."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django_tasks import task

from coopess.applications.choices import LookupStatus
from coopess.common.mail import queue_email_message

logger = logging.getLogger("coopess")

MAX_LOOKUP_ATTEMPTS = 5


@task()
def send_receipt(application_id: int) -> int:
    """Build the récépissé PDF (once) and email it to every representative. Returns the number
    of emails sent."""
    from coopess.applications.models import Application, Attachment
    from coopess.applications.receipts import receipt_pdf, recipients_of
    from coopess.common.uploads import storage_name

    application = Application.objects.select_related("call", "call__operator").get(
        pk=application_id
    )
    attachment = application.attachments.filter(is_receipt=True).first()
    if attachment is None:
        pdf = receipt_pdf(application)
        import hashlib

        attachment = Attachment(
            application=application,
            is_receipt=True,
            original_name=f"recepisse-{application.receipt_number}.pdf",
            kind="pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        attachment.file.save(storage_name("pdf"), ContentFile(pdf), save=False)
        attachment.save()
    pdf = attachment.file.open("rb").read()
    attachment.file.close()
    link = settings.COOPESS_BASE_URL + application_url(application)
    sent = 0
    for email in recipients_of(application):
        body = render_to_string(
            "applications/email/receipt.txt", {"application": application, "link": link}
        )
        message = EmailMessage(
            subject=f"[CoopESS] Récépissé de votre candidature {application.receipt_number}",
            body=body,
            to=[email],
        )
        message.attach(attachment.original_name, pdf, "application/pdf")
        # through the outbox, keyed: a run again after a crash sends nothing twice
        queue_email_message(message, key=f"receipt:{application.pk}:{email}")
        sent += 1
    return sent


def application_url(application) -> str:
    from django.urls import reverse

    return reverse("applications:detail", args=[application.public_id])


@task()
def retry_structure_lookup(structure_id: int, attempt: int) -> str:
    """Ask the directory again about a structure it could not answer for; back off, then stop."""
    from coopess.applications.models import ApplicationStructure
    from coopess.applications.services import schedule_lookup_retry, structure_apply_lookup
    from coopess.structures.sirene import lookup_siret

    structure = ApplicationStructure.objects.filter(pk=structure_id).first()
    if (
        structure is None
        or not structure.siret
        or structure.lookup_status != LookupStatus.UNAVAILABLE
    ):
        return "skipped"
    result = lookup_siret(structure.siret)
    if result.status == LookupStatus.UNAVAILABLE:
        if attempt < MAX_LOOKUP_ATTEMPTS:
            schedule_lookup_retry(structure_id, attempt=attempt + 1)
        else:
            logger.warning(
                "Directory lookup for structure %s gave up after %s attempts", structure_id, attempt
            )
        return "unavailable"
    structure_apply_lookup(structure=structure, result=result, overwrite=False)
    return result.status
