"""The representative's messages with the DLA: a panel selection adds to the application page
(coopess/applications/panels.py) and the action behind its form (selection:applicant_message)."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from coopess.applications.panels import panel_names
from coopess.selection.models import Message
from tests.applications.helpers import complete_application
from tests.conftest import sign_in
from tests.selection.helpers import submitted_application


def test_selection_registers_its_messages_panel():
    assert "selection.messages" in panel_names()


def test_the_submitted_application_page_shows_the_thread_and_the_form(
    client, call, officer, django_capture_on_commit_callbacks
):
    application = submitted_application(call)
    lead = application.created_by
    sign_in(client, lead)
    page = client.get(reverse("applications:detail", args=[application.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Messages avec le DLA" in html
    assert "Aucun message." in html
    action = reverse("selection:applicant_message", args=[application.public_id])
    assert f'action="{action}"' in html

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(action, {"body": "Voici nos précisions."}, follow=True)
    assert answer.redirect_chain[-1][0].endswith(
        reverse("applications:detail", args=[application.public_id]) + "#messages"
    )
    assert "Message envoyé au DLA." in answer.content.decode()
    assert "Voici nos précisions." in answer.content.decode()
    message = Message.objects.get(application=application)
    assert (message.author, message.from_dla) == (lead, False)
    assert [email.to for email in mail.outbox] == [[officer.email]]


def test_an_empty_message_is_refused_in_french(client, call):
    application = submitted_application(call)
    sign_in(client, application.created_by)
    answer = client.post(
        reverse("selection:applicant_message", args=[application.public_id]),
        {"body": ""},
        follow=True,
    )
    assert "Le message est vide" in answer.content.decode()
    assert not Message.objects.exists()


def test_a_draft_has_no_messages_panel(client, call):
    application = complete_application(call)
    sign_in(client, application.created_by)
    page = client.get(reverse("applications:detail", args=[application.public_id]))
    assert page.status_code == 200
    assert "Messages avec le DLA" not in page.content.decode()


def test_another_persons_application_is_not_found(client, call):
    application = submitted_application(call)
    stranger = complete_application(call).created_by
    sign_in(client, stranger)
    answer = client.post(
        reverse("selection:applicant_message", args=[application.public_id]), {"body": "Bonjour"}
    )
    assert answer.status_code == 404
    assert not Message.objects.exists()
