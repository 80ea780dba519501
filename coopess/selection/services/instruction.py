"""Instruction of a submitted application: starting the review, the messages between the DLA
and the structures, requests for complements, and the in-app notices they send.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from coopess.accounts.models import Role, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application
from coopess.applications.services import application_request_complements
from coopess.applications.workflow import transition
from coopess.calls.models import Call
from coopess.common.events import COMPLEMENTS_REQUESTED, MESSAGE_POSTED, announce
from coopess.common.mail import queue_email_message
from coopess.selection.models import (
    Message,
)
from coopess.selection.services.screening import SelectionError, _lock

logger = logging.getLogger("coopess")


# --- Instruction, messages, complements ----------------------------------------------------------


@transaction.atomic
def review_start(*, application: Application, by: User) -> Application:
    application = _lock(application)
    if application.status != ApplicationStatus.SUBMITTED:
        return application
    transition(
        application,
        to=ApplicationStatus.UNDER_REVIEW,
        by=by,
        actor="officer",
        comment="Instruction commencée.",
    )
    application.save()
    return application


def _application_link(application: Application) -> str:
    return settings.COOPESS_BASE_URL + reverse("applications:detail", args=[application.public_id])


def _representative_emails(application: Application) -> list[str]:
    from coopess.applications.receipts import recipients_of

    return recipients_of(application)


@transaction.atomic
def message_post(*, application: Application, author: User, body: str, from_dla: bool) -> Message:
    """A message in the thread; the other side gets an email with a link, never the content of
    attached documents, and a notification: the application's accounts for a message from the
    DLA (in-app, the email is already sent), the call's officers for a message from a
    representative (their notification email follows their choice: now or in the digest)."""
    message = _message_create(application=application, author=author, body=body, from_dla=from_dla)
    # the notifications app tells the other side in-app (coopess/notifications/hooks.py)
    announce(MESSAGE_POSTED, message=message)
    return message


def _message_create(
    *, application: Application, author: User, body: str, from_dla: bool
) -> Message:
    body = body.strip()
    if not body:
        raise SelectionError("Le message est vide.")
    message = Message.objects.create(
        application=application, author=author, body=body, from_dla=from_dla
    )
    call = application.call
    if from_dla:
        recipients = _representative_emails(application)
        link = _application_link(application)
    else:
        if _call_officers(call).exists():
            # the officers hear of it through their notification (immediate email or digest),
            # on « message.posted » (coopess/notifications/hooks.py)
            return message
        recipients = [call.contact_email]
        link = settings.COOPESS_BASE_URL + reverse(
            "selection:application", args=[application.public_id]
        )
    text = render_to_string(
        "selection/email/message.txt",
        {"application": application, "message": message, "link": link, "from_dla": from_dla},
    )
    for email in recipients:
        queue_email_message(
            EmailMessage(
                subject=f"[CoopESS] Nouveau message sur la candidature {application.receipt_number or ''}".strip(),
                body=text,
                to=[email],
            )
        )
    return message


def _project_title(application: Application) -> str:
    return application.project_title or "sans titre"


def _call_officers(call: Call):
    return User.objects.filter(
        roles_held__role=Role.OFFICER,
        roles_held__organisation_id=call.operator_id,
        is_active=True,
    ).distinct()


@transaction.atomic
def complements_request(
    *, application: Application, by: User, sections: list[str], message: str
) -> Application:
    application = application_request_complements(
        application=application, by=by, sections=sections, message=message
    )
    _message_create(application=application, author=by, body=message, from_dla=True)
    announce(COMPLEMENTS_REQUESTED, application=application)
    return application
