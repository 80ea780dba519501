"""The last gaps of the competition: a provider the directory says is closed cannot be
consulted; a consulted provider's invitation sent again (not accepted yet) or its account
detached (accepted); a comité d'appui member taken back while they marked nothing; refused
choices answer next to the field with status 400."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.common.models import OutgoingEmail
from coopess.competition.models import (
    CommitteeMember,
    ConsultationStatus,
    ConsultationTransition,
    ConsultedProvider,
    LookupStatus,
)
from coopess.competition.services import CompetitionError
from coopess.competition.services import committee as committee_services
from coopess.competition.services import consultation as services
from coopess.competition.services import proposals as proposal_services
from tests.competition.helpers import make_consultation, make_provider, provider_user, send, submit
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import add_totp, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(seed=13)


@pytest.fixture
def officer_client(client, setup):
    sign_in(client, setup.officer)
    return client


def _error_of(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}_error">(.*?)</div>', html, re.S)
    assert match, f"no error slot for {field_id}"
    return unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def _page(client, setup) -> str:
    response = client.get(reverse("competition:consultation", args=[setup.cohort.pk]))
    assert response.status_code == 200
    return unescape(response.content.decode())


# --- 1. a closed establishment is not consulted ---------------------------------------------


def test_the_service_refuses_a_closed_provider(setup):
    consultation = make_consultation(setup, providers=0)
    closed = make_provider(setup.call.operator, 1, lookup_status=LookupStatus.CLOSED)
    with pytest.raises(CompetitionError, match="établissement est fermé") as refused:
        services.provider_consult(consultation=consultation, provider=closed, by=setup.officer)
    assert refused.value.field == "provider"
    assert not consultation.consulted.exists()
    active = make_provider(setup.call.operator, 2, lookup_status=LookupStatus.FOUND)
    services.provider_consult(consultation=consultation, provider=active, by=setup.officer)
    assert list(consultation.consulted.values_list("provider", flat=True)) == [active.pk]


def test_the_page_shows_a_closed_provider_disabled_and_refuses_it_next_to_the_field(
    officer_client, setup
):
    consultation = make_consultation(setup, providers=0)
    closed = make_provider(setup.call.operator, 1, lookup_status=LookupStatus.CLOSED)
    active = make_provider(setup.call.operator, 2)
    html = unescape(_page(officer_client, setup))
    assert (
        f'<option value="{closed.pk}" disabled>{closed.name} — établissement fermé '
        "d'après le répertoire</option>" in html
    )
    assert f'<option value="{active.pk}">{active.name}</option>' in html
    # found closed by the background retry after the page was shown: refused all the same
    response = officer_client.post(
        reverse("competition:consult", args=[setup.cohort.pk]), {"provider": closed.pk}
    )
    assert response.status_code == 400
    assert "établissement est fermé" in _error_of(
        unescape(response.content.decode()), "id_provider"
    )
    assert not consultation.consulted.exists()
    response = officer_client.post(
        reverse("competition:consult", args=[setup.cohort.pk]), {"provider": "9999999"}
    )
    assert response.status_code == 400
    assert "Choisissez un prestataire" in _error_of(
        unescape(response.content.decode()), "id_provider"
    )
    response = officer_client.post(
        reverse("competition:consult", args=[setup.cohort.pk]), {"provider": active.pk}
    )
    assert response.status_code == 302
    assert consultation.consulted.get().provider == active


# --- 2. re-invite, detach -------------------------------------------------------------------


def _other_officer():
    other = make_user(Role.OFFICER)  # an officer of another DLA
    add_totp(other)
    return other


def _invitations(consulted):
    return OutgoingEmail.objects.filter(
        subject__startswith="Consultation", to=consulted.provider.email
    )


def test_reinvite_sends_once_per_click_to_the_current_address_and_logs_it(officer_client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.select_related("provider").first()
    assert _invitations(consulted).count() == 1
    provider = consulted.provider
    provider.email = "nouveau.contact@example.org"
    provider.save(update_fields=["email"])
    assert "Renvoyer l'invitation" in _page(officer_client, setup)
    url = reverse("competition:reinvite", args=[setup.cohort.pk, consulted.pk])
    for _ in range(2):
        consulted.refresh_from_db()  # the page reloaded after each click
        assert f'value="{consulted.invitation_stamp}"' in _page(officer_client, setup)
        assert officer_client.post(url, {"sent": consulted.invitation_stamp}).status_code == 302
    sent = OutgoingEmail.objects.filter(to="nouveau.contact@example.org")
    assert sent.count() == 2  # one per click
    assert consulted.token in str(sent.first().payload)
    logs = ConsultationTransition.objects.filter(
        consultation=consultation, comment__startswith="Invitation renvoyée"
    )
    assert logs.count() == 2
    assert all(log.by == setup.officer for log in logs)
    assert "@" not in logs.first().comment  # no address kept in the log (erasure)
    assert "Invitation renvoyée à" in _page(officer_client, setup)  # the history shows it
    # the new contact accepts with the directory's address
    user = provider_user(consulted)
    assert user.email == "nouveau.contact@example.org"
    response = officer_client.post(url, {"sent": consulted.invitation_stamp}, follow=True)
    assert "détachez d'abord le compte" in unescape(response.content.decode())
    assert sent.count() == 2


def test_a_double_click_on_reinvite_sends_one_invitation(officer_client, setup):
    """Both posts of a double click carry the stamp of the page they came from: the second finds
    the invitation sent since and sends nothing, saying so; the reloaded page sends again."""
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.select_related("provider").first()
    url = reverse("competition:reinvite", args=[setup.cohort.pk, consulted.pk])
    seen = consulted.invitation_stamp
    assert officer_client.post(url, {"sent": seen}).status_code == 302
    response = officer_client.post(url, {"sent": seen}, follow=True)
    assert "n'est pas renvoyée une seconde fois" in unescape(response.content.decode())
    assert _invitations(consulted).count() == 2  # the first sending and one re-sending
    response = officer_client.post(url, {"sent": ""}, follow=True)  # no stamp: nothing sent
    assert "n'est pas renvoyée une seconde fois" in unescape(response.content.decode())
    assert _invitations(consulted).count() == 2
    consulted.refresh_from_db()
    assert officer_client.post(url, {"sent": consulted.invitation_stamp}).status_code == 302
    assert _invitations(consulted).count() == 3
    assert (
        ConsultationTransition.objects.filter(
            consultation=consultation, comment__startswith="Invitation renvoyée"
        ).count()
        == 2
    )


def test_reinvite_refused_before_sending_and_after_the_deadline(setup):
    consultation = make_consultation(setup)
    consulted = consultation.consulted.first()
    with pytest.raises(CompetitionError, match="pendant la consultation"):
        services.consulted_reinvite(consulted=consulted, by=setup.officer, seen="")
    send(setup, consultation)
    consulted.refresh_from_db()
    with (
        time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False),
        pytest.raises(CompetitionError, match="avant la date limite"),
    ):
        services.consulted_reinvite(
            consulted=consulted, by=setup.officer, seen=consulted.invitation_stamp
        )
    assert _invitations(consulted).count() == 1


def test_detach_needs_a_confirmation_then_lets_another_contact_accept(
    client, officer_client, setup
):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.select_related("provider").first()
    proposal_services.proposal_save(consulted=consulted, method="Brouillon gardé.")
    former = provider_user(consulted)
    html = _page(officer_client, setup)
    assert f"par {former.email}" in html
    assert "Détacher le compte" in html
    url = reverse("competition:detach", args=[setup.cohort.pk, consulted.pk])
    response = officer_client.post(url)  # no confirmation
    assert response.status_code == 400
    assert "Cochez la confirmation" in _error_of(
        unescape(response.content.decode()), f"detach-{consulted.pk}-confirm"
    )
    consulted.refresh_from_db()
    assert consulted.user == former
    response = officer_client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    consulted.refresh_from_db()
    assert consulted.user is None and consulted.accepted_at is None
    assert ConsultationTransition.objects.filter(
        consultation=consultation,
        comment__contains=f"Compte détaché de l'invitation de {consulted.provider.name}",
        by=setup.officer,
    ).exists()
    # the former account no longer reaches it
    sign_in(client, former)
    home = reverse("competition:provider_home", args=[consulted.pk])
    assert client.get(home).status_code == 404
    client.logout()
    # a new contact, at the directory's new address, is invited again and accepts
    consulted.provider.email = "relais@example.org"
    consulted.provider.save(update_fields=["email"])
    consulted.refresh_from_db()
    assert (
        officer_client.post(
            reverse("competition:reinvite", args=[setup.cohort.pk, consulted.pk]),
            {"sent": consulted.invitation_stamp},
        ).status_code
        == 302
    )
    newcomer = provider_user(ConsultedProvider.objects.get(pk=consulted.pk))
    assert newcomer != former
    sign_in(client, newcomer)
    response = client.get(home)
    assert response.status_code == 200
    assert "Brouillon gardé." in unescape(
        response.content.decode()
    )  # the draft stays the provider's
    # nothing left to detach once no account is linked
    consulted.refresh_from_db()
    services.consulted_detach(consulted=consulted, by=setup.officer)
    with pytest.raises(CompetitionError, match="Aucun compte"):
        services.consulted_detach(consulted=consulted, by=setup.officer)


def test_another_dlas_officer_cannot_reinvite_nor_detach(client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    provider_user(consulted)
    sign_in(client, _other_officer())
    consulted.refresh_from_db()
    for name in ("reinvite", "detach"):
        url = reverse(f"competition:{name}", args=[setup.cohort.pk, consulted.pk])
        data = {"confirm": "on", "sent": consulted.invitation_stamp}
        assert client.post(url, data).status_code == 404
    consulted.refresh_from_db()
    assert consulted.user is not None
    assert _invitations(consulted).count() == 1


# --- 3. the comité d'appui: remove a member, a refused choice next to the field --------------


def _member(setup, **fields):
    user = make_user(Role.REVIEWER, organisation=setup.call.operator, **fields)
    add_totp(user)
    return user


@pytest.fixture
def committee(setup):
    consultation = send(setup, make_consultation(setup, providers=3))
    proposals = [submit(c) for c in consultation.consulted.all()]
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    first = _member(setup, first_name="Alix", last_name="Premier")
    second = _member(setup, first_name="Basile", last_name="Second")
    assigned = [
        committee_services.committee_member_assign(
            consultation=consultation, member=m, by=setup.officer
        )
        for m in (first, second)
    ]
    return consultation, proposals, assigned


def test_a_member_who_marked_nothing_can_be_removed_not_one_who_declared(
    officer_client, setup, committee
):
    consultation, proposals, (idle, busy) = committee
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    committee_services.member_declare(assigned=busy, proposal=proposals[0], has_conflict=True)
    html = _page(officer_client, setup)
    assert reverse("competition:committee_remove", args=[setup.cohort.pk, idle.pk]) in html
    assert reverse("competition:committee_remove", args=[setup.cohort.pk, busy.pk]) not in html
    response = officer_client.post(
        reverse("competition:committee_remove", args=[setup.cohort.pk, busy.pk]), follow=True
    )
    assert "ne peut plus être retiré" in unescape(response.content.decode())
    assert CommitteeMember.objects.filter(pk=busy.pk).exists()
    response = officer_client.post(
        reverse("competition:committee_remove", args=[setup.cohort.pk, idle.pk]), follow=True
    )
    assert "Alix Premier ne note plus les propositions" in unescape(response.content.decode())
    assert not CommitteeMember.objects.filter(pk=idle.pk).exists()
    # once chosen, nobody is removed
    services.proposal_choose(
        proposal=proposals[1], by=setup.officer, justification="La meilleure méthode."
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CHOSEN
    with pytest.raises(CompetitionError, match="comparaison est terminée"):
        committee_services.committee_member_remove(assigned=busy, by=setup.officer)


def test_another_dlas_officer_cannot_remove_a_member(client, setup, committee):
    _, _, (idle, _) = committee
    sign_in(client, _other_officer())
    url = reverse("competition:committee_remove", args=[setup.cohort.pk, idle.pk])
    assert client.post(url).status_code == 404
    assert CommitteeMember.objects.filter(pk=idle.pk).exists()


def test_a_refused_member_choice_answers_next_to_the_field_and_keeps_the_selection(
    officer_client, setup
):
    consultation = make_consultation(setup)
    candidate = _member(setup, first_name="Chloé", last_name="Candidate")
    url = reverse("competition:committee_assign", args=[setup.cohort.pk])
    # the comité does not mark yet: the service refuses, the selection is kept
    response = officer_client.post(url, {"member": candidate.pk})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Indiquez d'abord que le comité d'appui note" in _error_of(html, "id_member")
    assert f'<option value="{candidate.pk}" selected>' in html
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    # not a member of the DLA's committee
    outsider = make_user(Role.APPLICANT)
    response = officer_client.post(url, {"member": outsider.pk})
    assert response.status_code == 400
    assert "Choisissez un membre du comité de votre DLA" in _error_of(
        unescape(response.content.decode()), "id_member"
    )
    assert not consultation.committee.exists()
    assert officer_client.post(url, {"member": candidate.pk}).status_code == 302
    assert consultation.committee.get().member == candidate


def test_demo_directory_has_a_closed_provider_that_cannot_be_consulted(client):
    from coopess.common.demo import demo_load
    from coopess.competition.demo import CLOSED_PROVIDER
    from coopess.competition.models import Provider

    demo_load()
    demo_load()  # idempotent
    closed = Provider.objects.get(name=CLOSED_PROVIDER[0])
    assert closed.lookup_status == LookupStatus.CLOSED
    assert not closed.consultations.exists()
    officer = closed.operator.role_assignments.filter(role=Role.OFFICER).first().user
    sign_in(client, officer)
    html = unescape(client.get(reverse("competition:providers")).content.decode())
    assert closed.name in html and "Établissement fermé" in html


def test_a_provider_found_closed_after_being_added_blocks_the_sending_until_removed(
    officer_client, setup
):
    consultation = make_consultation(setup, providers=3)
    first = consultation.consulted.select_related("provider").first()
    first.provider.lookup_status = LookupStatus.CLOSED  # found closed by the background retry
    first.provider.save(update_fields=["lookup_status"])
    html = _page(officer_client, setup)
    assert "établissement fermé d'après le répertoire des entreprises" in unescape(html)
    send_url = reverse("competition:send", args=[setup.cohort.pk])
    response = officer_client.post(send_url, follow=True)
    assert f"« {first.provider.name} » est fermé" in unescape(response.content.decode())
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.DRAFT
    assert not OutgoingEmail.objects.filter(subject__startswith="Consultation").exists()
    remove = reverse("competition:unconsult", args=[setup.cohort.pk, first.pk])
    assert officer_client.post(remove).status_code == 302
    assert not consultation.consulted.filter(pk=first.pk).exists()
    officer_client.post(send_url, {"fewer_reason": "Le troisième cabinet a fermé."})
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CONSULTING
    assert OutgoingEmail.objects.filter(subject__startswith="Consultation").count() == 2
    # once sent, the list no longer changes
    other = consultation.consulted.first()
    with pytest.raises(CompetitionError, match="déjà envoyée"):
        services.consulted_remove(consulted=other, by=setup.officer)
    assert consultation.consulted.count() == 2


def test_draft_page_queries_do_not_grow_with_the_directory(officer_client, setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_consultation(setup, providers=1)
    url = reverse("competition:consultation", args=[setup.cohort.pk])
    counts = []
    for extra in (range(200, 202), range(202, 210)):
        for index in extra:
            make_provider(
                setup.call.operator,
                index,
                lookup_status=LookupStatus.CLOSED if index % 2 else LookupStatus.FOUND,
            )
        with CaptureQueriesContext(connection) as queries:
            assert officer_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_invitation_links_use_the_site_address_not_the_request_host(
    officer_client, setup, settings
):
    """Sent and re-sent invitations link to ``COOPESS_BASE_URL``, as the receipts do, whatever
    host the officer's request named."""
    settings.COOPESS_BASE_URL = "https://coopess.example.org"
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.select_related("provider").first()
    link = "https://coopess.example.org" + reverse("competition:invitation", args=[consulted.token])
    assert link in str(_invitations(consulted).get().payload)
    url = reverse("competition:reinvite", args=[setup.cohort.pk, consulted.pk])
    consulted.refresh_from_db()
    data = {"sent": consulted.invitation_stamp}
    assert officer_client.post(url, data, HTTP_HOST="testserver").status_code == 302
    resent = _invitations(consulted).order_by("-pk").first()
    assert link in str(resent.payload) and "testserver" not in str(resent.payload)
