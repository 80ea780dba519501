"""The remaining steps notify the people concerned: the collective workshop (scheduled, changed,
cancelled), a complements request and the DLA's messages to an application, a representative's
message to the call's officers (email now or in the digest), follow-ups sent and overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coopess.applications.models import ApplicationAccess
from coopess.applications.services import REOPENABLE_SECTIONS
from coopess.diagnostic.services import workshop as workshop_services
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.scheduler import run_scheduler
from coopess.followups.services import support_close
from coopess.notifications import services as notification_services
from coopess.notifications.models import EmailMode, EmailState, Notification, NotificationKind
from coopess.selection import services as selection_services
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support, paris
from tests.selection.helpers import officer_of, under_review

pytestmark = pytest.mark.django_db


def notified(user, kind: str | None = None):
    rows = Notification.objects.filter(user=user)
    return list(rows.filter(kind=kind) if kind else rows)


# --- the collective workshop --------------------------------------------------------------------


@pytest.fixture
def workshop_setup(django_capture_on_commit_callbacks):
    setup = make_cohort(applications=(2, 1), status="diagnostic")
    start = timezone.now() + dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        setup.workshop = workshop_services.workshop_schedule(
            cohort=setup.cohort,
            by=setup.officer,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            mode="in_person",
            address="Maison de l'ESS, Nantes",
        )
    return setup


def test_a_scheduled_workshop_notifies_every_structure_and_the_officer(workshop_setup):
    setup = workshop_setup
    for structure in setup.structures:
        [notification] = notified(setup.person(structure), NotificationKind.WORKSHOP)
        assert notification.title.startswith("Atelier collectif prévu le")
        assert notification.link == reverse(
            "diagnostic:structure_workshop", kwargs={"structure_id": structure.pk}
        )
        assert notification.email_state == EmailState.NONE  # the invitation is the email
    [mine] = notified(setup.officer, NotificationKind.WORKSHOP)
    assert mine.link == reverse("diagnostic:workshop", kwargs={"cohort_id": setup.cohort.pk})


def test_a_changed_workshop_notifies_again(workshop_setup, django_capture_on_commit_callbacks):
    setup = workshop_setup
    later = setup.workshop.starts_at + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        workshop_services.workshop_update(
            workshop=setup.workshop,
            by=setup.officer,
            starts_at=later,
            ends_at=later + dt.timedelta(hours=3),
        )
    titles = [n.title for n in notified(setup.person(setup.structures[2]))]
    assert any(title.startswith("Atelier collectif modifié") for title in titles)
    assert len(titles) == 2


def test_a_cancelled_workshop_notifies_too(workshop_setup, django_capture_on_commit_callbacks):
    setup = workshop_setup
    with django_capture_on_commit_callbacks(execute=True):
        workshop_services.workshop_cancel(workshop=setup.workshop, by=setup.officer)
    assert any("annulé" in n.title for n in notified(setup.person(setup.structures[0])))
    assert any("annulé" in n.title for n in notified(setup.officer))


# --- the application's thread -------------------------------------------------------------------


@pytest.fixture
def reviewed(db):
    from tests.applications.helpers import open_call

    call = open_call()
    officer = officer_of(call)
    return officer, under_review(call, by=officer, partners=1)


def accounts(application):
    return [access.user for access in ApplicationAccess.objects.filter(application=application)]


def test_a_complements_request_notifies_the_applications_accounts_once(
    reviewed, django_capture_on_commit_callbacks
):
    officer, application = reviewed
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.complements_request(
            application=application,
            by=officer,
            sections=[REOPENABLE_SECTIONS[0]],
            message="Merci de préciser votre budget.",
        )
    for user in accounts(application):
        [notification] = notified(user)  # the complements, not a second « new message »
        assert notification.title.startswith("Compléments demandés")
        assert notification.application_id == application.pk
        assert notification.email_state == EmailState.NONE


def test_a_message_from_the_dla_notifies_the_applications_accounts(
    reviewed, django_capture_on_commit_callbacks
):
    officer, application = reviewed
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.message_post(
            application=application, author=officer, body="Une question.", from_dla=True
        )
    people = accounts(application)
    assert people
    for user in people:
        [notification] = notified(user)
        assert "le DLA vous a écrit" in notification.title
        assert notification.link == reverse("applications:detail", args=[application.public_id])


def test_a_representatives_message_follows_each_officers_email_choice(
    reviewed, django_capture_on_commit_callbacks
):
    officer, application = reviewed
    digest = officer_of(application.call)
    notification_services.email_mode_set(user=digest, mode=EmailMode.DIGEST)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.message_post(
            application=application,
            author=application.created_by,
            body="Voici nos précisions.",
            from_dla=False,
        )
    [now] = notified(officer)
    [later] = notified(digest)
    assert now.email_state == EmailState.SENT
    assert later.email_state == EmailState.DIGEST
    [email] = mail.outbox  # the immediate one; the other waits for the digest
    assert email.to == [officer.email]
    assert reverse("selection:application", args=[application.public_id]) in email.body


# --- follow-ups ---------------------------------------------------------------------------------


@pytest.fixture
def followups_setup():
    setup = in_support(make_cohort(applications=(1,)))
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    return setup


def test_a_sent_followup_notifies_the_structures_accounts(
    followups_setup, django_capture_on_commit_callbacks
):
    setup = followups_setup
    with django_capture_on_commit_callbacks(execute=True):
        run_scheduler(now=paris(2031, 3, 15, 8))
    followup = FollowUp.objects.get(structure=setup.structures[0], offset_months=6)
    assert followup.status == FollowUpStatus.SENT
    [notification] = notified(setup.person(setup.structures[0]), NotificationKind.FOLLOWUP)
    assert notification.link == reverse("followups:answer", args=[followup.token])
    assert notification.title.startswith("Suivi à 6 mois")
    assert notification.application_id == setup.structures[0].application_id
    assert not notified(setup.officer)
    with django_capture_on_commit_callbacks(execute=True):  # a second run: nothing new
        run_scheduler(now=paris(2031, 3, 15, 9))
    assert Notification.objects.count() == 1


def test_an_overdue_followup_notifies_the_officers_once(
    followups_setup, django_capture_on_commit_callbacks
):
    setup = followups_setup
    for day in (dt.date(2031, 3, 15), dt.date(2031, 3, 22), dt.date(2031, 3, 29)):
        with django_capture_on_commit_callbacks(execute=True):
            run_scheduler(now=paris(day.year, day.month, day.day, 8))
    assert not notified(setup.officer)
    for hour in (8, 9):
        with django_capture_on_commit_callbacks(execute=True):
            run_scheduler(now=paris(2031, 4, 5, hour))
    [notification] = notified(setup.officer)
    assert notification.kind == NotificationKind.FOLLOWUP
    assert notification.title.startswith("1 suivi en retard")
    assert notification.link == reverse("followups:cohort", args=[setup.cohort.pk])
