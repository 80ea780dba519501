import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from coopess.applications import services as application_services
from coopess.applications.choices import ApplicationStatus as S
from coopess.diagnostic.models import Interview, Mode
from coopess.diagnostic.services import interviews as interview_services
from coopess.diagnostic.services import synthesis as synthesis_services
from coopess.notifications import services
from coopess.notifications.models import EmailMode, EmailState, Notification
from coopess.selection import services as selection_services
from tests.applications.helpers import complete_application, open_call
from tests.conftest import sign_in
from tests.diagnostic.test_synthesis_helpers import full_cohort
from tests.factories import make_user
from tests.notifications.helpers import dated_cohort
from tests.selection.helpers import officer_of, under_review
from tests.support.helpers import make_support, plan

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


# --- the wired services -------------------------------------------------------------------------


def test_a_submission_notifies_its_people_in_app_and_the_officers_by_email(
    django_capture_on_commit_callbacks,
):
    application = complete_application()
    officer = officer_of(application.call)
    with django_capture_on_commit_callbacks(execute=True):
        application_services.application_submit(application=application, by=application.created_by)
    lead = Notification.objects.get(user=application.created_by)
    assert lead.kind == "application_submitted"
    assert lead.email_state == EmailState.NONE  # the receipt is their email
    assert lead.link == reverse("applications:detail", args=[application.public_id])
    received = Notification.objects.get(user=officer)
    assert received.kind == "application_received"
    assert received.email_state == EmailState.SENT
    to_officer = [m for m in mail.outbox if officer.email in m.to]
    assert len(to_officer) == 1
    assert to_officer[0].subject.startswith("[CoopESS] Nouvelle candidature")
    assert "http" in to_officer[0].body


def test_nothing_is_notified_when_the_action_rolls_back(django_capture_on_commit_callbacks):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_services.application_submit(application=application, by=application.created_by)
    assert callbacks  # the hook waits for the commit
    assert not Notification.objects.exists()


def test_decisions_notify_each_applicant(django_capture_on_commit_callbacks):
    call = open_call()
    officer = officer_of(call)
    retained = under_review(call, by=officer)
    selection_services.decision_record(application=retained, outcome=S.SELECTED, by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.decisions_send(call=call, by=officer)
    notification = Notification.objects.get(user=retained.created_by, kind="decision")
    assert "retenue" in notification.title or "sélectionn" in notification.title.lower()


def test_an_interview_booking_notifies_the_structure_and_the_officer(
    django_capture_on_commit_callbacks,
):
    dated = dated_cohort()
    setup = dated.setup
    second = setup.structures[1]
    start = timezone.now() + dt.timedelta(days=15)
    slot = Interview.objects.create(
        cohort=setup.cohort, officer=setup.officer, starts_at=start,
        ends_at=start + dt.timedelta(minutes=90), mode=Mode.REMOTE,
        link="https://visio.example.org/x",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        interview_services.interview_book(slot=slot, structure=second, by=setup.person(second))
    assert kinds(setup.person(second)) == ["interview"]
    assert kinds(setup.officer) == ["interview"]
    assert not Notification.objects.filter(user=setup.person(setup.structures[2])).exists()
    notification = Notification.objects.get(user=setup.person(second))
    assert notification.title.startswith("Entretien de diagnostic réservé")
    assert notification.email_state == EmailState.NONE  # the invitation is their email


def test_circulating_the_synthesis_notifies_every_structure(django_capture_on_commit_callbacks):
    setup = full_cohort(with_data=False)
    version = synthesis_services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    with django_capture_on_commit_callbacks(execute=True):
        synthesis_services.synthesis_circulate(version=version, by=setup.officer)
    for structure in setup.structures:
        notification = Notification.objects.get(user=setup.person(structure))
        assert notification.kind == "synthesis"
        assert notification.link == reverse("diagnostic:structure", args=[structure.pk])


def test_a_planned_session_notifies_structures_and_consultants(django_capture_on_commit_callbacks):
    dated = dated_cohort()
    support = make_support(dated.setup)
    with django_capture_on_commit_callbacks(execute=True):
        plan(support, title="Lancement")
    assert kinds(support.consultant) == ["session"]
    for structure in dated.setup.structures:
        assert kinds(dated.setup.person(structure)) == ["session"]


# --- immediate emails and the daily digest ----------------------------------------------------


def test_staff_choosing_the_digest_get_one_email_a_day_even_if_run_twice(
    django_capture_on_commit_callbacks,
):
    officer = officer_of(open_call())
    services.email_mode_set(user=officer, mode=EmailMode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([officer], "other", "Première", "/notifications/")
        services.notify([officer], "other", "Seconde", "/notifications/")
    assert mail.outbox == []  # nothing immediately
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.DIGEST}
    tomorrow = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_send(now=tomorrow) == 1
        assert services.digests_send(now=tomorrow) == 0
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [officer.email]
    assert "Première" in digest.body and "Seconde" in digest.body
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.DIGESTED}


def test_the_digest_command_waits_for_the_day_to_be_over_and_is_idempotent(
    django_capture_on_commit_callbacks,
):
    officer = officer_of(open_call())
    services.email_mode_set(user=officer, mode=EmailMode.DIGEST)
    today = services.notify([officer], "other", "Aujourd'hui", "")[0]
    yesterday = services.notify([officer], "other", "Hier", "")[0]
    Notification.objects.filter(pk=yesterday.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=io.StringIO())
        call_command("send_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert "Hier" in mail.outbox[0].body and "Aujourd'hui" not in mail.outbox[0].body
    today.refresh_from_db()
    assert today.email_state == EmailState.DIGEST  # tomorrow's digest


def test_immediate_staff_and_representatives_get_an_email_at_once(
    django_capture_on_commit_callbacks,
):
    officer = officer_of(open_call())
    representative = make_user("applicant")
    services.email_mode_set(user=representative, mode=EmailMode.DIGEST)  # not theirs to choose
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([officer, representative, officer], "followup", "Suivi à 6 mois", "/x/")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, representative.email])
    assert Notification.objects.filter(user=officer).count() == 1


# --- pages ----------------------------------------------------------------------------------------


def test_the_list_shows_unread_and_marks_read_only_ones_own(client):
    person = make_user("applicant")
    other = make_user("applicant")
    mine = services.notify([person], "other", "Pour moi", "/notifications/", email=False)[0]
    theirs = services.notify([other], "other", "Pas pour moi", "", email=False)[0]
    sign_in(client, person)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Pour moi" in page and "Pas pour moi" not in page
    assert "1 non lue" in page
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at and not theirs.read_at
    assert services.unread_count(person) == 0


def test_only_staff_choose_the_digest(client):
    representative = make_user("applicant")
    sign_in(client, representative)
    assert (
        "Courriels de notification"
        not in client.get(reverse("notifications:settings")).content.decode()
    )
    response = client.post(reverse("notifications:email_mode"), {"email_mode": "digest"})
    assert response.status_code == 404
    officer = officer_of(open_call())
    client.logout()
    sign_in(client, officer)
    response = client.post(reverse("notifications:email_mode"), {"email_mode": "digest"})
    assert response.status_code == 302
    assert services.email_mode(officer) == EmailMode.DIGEST


def test_the_menu_count_is_lazy_and_counts_only_unread(rf, django_assert_num_queries):
    from coopess.notifications.context_processors import unread

    person = make_user("applicant")
    services.notify([person], "other", "Une", "", email=False)
    read = services.notify([person], "other", "Deux", "", email=False)[0]
    services.mark_read(user=person, notification_id=read.pk)
    request = rf.get("/")
    request.user = person
    assert person.has_role("applicant")  # roles are read once per request, before counting
    with django_assert_num_queries(0):
        count = unread(request)["unread_notifications"]  # nothing asked until a template shows it
    with django_assert_num_queries(1):
        assert count() == 1
