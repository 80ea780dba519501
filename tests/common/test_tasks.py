"""Emails leave from the real database-backed worker, and only after the commit."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from coopess.common.mail import queue_email_message

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE


@pytest.mark.django_db(transaction=True)
def test_email_is_queued_at_commit_and_sent_by_the_worker(database_queue):
    with transaction.atomic():
        message = EmailMessage("Votre code", "Code : ABCD-EFGH", to=["lea@example.org"])
        queue_email_message(message)
        assert DBTaskResult.objects.count() == 0, "queued before the commit"
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Votre code"
    assert mail.outbox[0].to == ["lea@example.org"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    # running the worker again sends nothing twice
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email_message(EmailMessage("Annulé", "…", to=["lea@example.org"]))
        raise RuntimeError
    assert DBTaskResult.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_html_alternative_survives_the_queue(database_queue):
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives("Objet", "texte", to=["a@example.org"])
    message.attach_alternative("<p>Texte é</p>", "text/html")
    queue_email_message(message)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert mail.outbox[0].alternatives[0][0] == "<p>Texte é</p>"


@pytest.mark.django_db
def test_demo_mailbox_keeps_every_email(settings, client):
    settings.COOPESS_DEMO = True
    settings.EMAIL_BACKEND = "coopess.common.mail.DemoMailboxBackend"
    EmailMessage("Votre code de connexion", "Code : WXYZ-1234", to=["lea@example.org"]).send()
    response = client.get("/demo/courriels/")
    assert response.status_code == 200
    assert "Votre code de connexion" in response.content.decode()
    from coopess.common.models import DemoEmail

    email = DemoEmail.objects.get()
    response = client.get(f"/demo/courriels/{email.pk}/")
    assert "WXYZ-1234" in response.content.decode()
    # the banner links to it
    assert 'href="/demo/courriels/"' in client.get("/").content.decode()
