"""Screening after submission and decision letters, done by the worker."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from coopess.common.mail import queue_email_message


@task()
def screen_application(application_id: int) -> str:
    from coopess.applications.models import Application
    from coopess.selection.services import application_screen

    application = Application.objects.select_related("call").get(pk=application_id)
    application_screen(application=application)
    return application.eligibility


@task()
def send_decision_letter(decision_id: int) -> int:
    """Render the letter (text and PDF) and email it to every representative, once."""
    from coopess.applications.receipts import recipients_of
    from coopess.common.pdf import render_pdf
    from coopess.common.uploads import storage_name
    from coopess.selection.models import Decision
    from coopess.selection.services import render_letter

    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update()
            .select_related("application", "application__call", "application__call__operator")
            .get(pk=decision_id)
        )
        if decision.letter_sent_at or not decision.is_current:
            return 0
        subject, body = render_letter(decision)
        pdf = render_pdf(
            "selection/pdf/letter.html",
            {
                "decision": decision,
                "application": decision.application,
                "subject": subject,
                "body": body,
            },
            kept=True,
        )
        decision.letter_subject, decision.letter_body = subject, body
        decision.letter_pdf.save(storage_name("pdf"), ContentFile(pdf), save=False)
        decision.letter_sent_at = timezone.now()
        decision.save()
        application = decision.application
        sent = 0
        for email in recipients_of(application):
            message = EmailMessage(subject=f"[CoopESS] {subject}", body=body, to=[email])
            message.attach(f"decision-{application.receipt_number}.pdf", pdf, "application/pdf")
            # recorded with the letter in this transaction, delivered once by the worker
            queue_email_message(message, key=f"decision:{decision.pk}:{email}")
            sent += 1
    return sent
