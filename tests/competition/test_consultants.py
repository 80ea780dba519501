"""The consultants a proposal names: one per line with an optional address, checked next to the
field; choosing the proposal gives each address the consultant role for the firm and access to
the cohort's support (nothing typed twice); those who cannot get it are named to the officer."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.common.models import OutgoingEmail
from coopess.competition.models import Proposal
from coopess.competition.services import CompetitionError
from coopess.competition.services import consultation as services
from coopess.competition.services.proposals import ProposedConsultant, consultant_lines
from coopess.support.models import Engagement
from tests.competition.helpers import make_consultation, provider_page, send, submit
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(seed=83)


def test_consultant_lines_read_names_and_optional_addresses():
    assert consultant_lines("Nadia Benali") == [ProposedConsultant("Nadia", "Benali", "")]
    assert consultant_lines(
        "Nadia Benali, Nadia.Benali@Example.org\n\n  Paul de la Tour <paul@exemple.fr>\n"
    ) == [
        ProposedConsultant("Nadia", "Benali", "nadia.benali@example.org"),
        ProposedConsultant("Paul", "de la Tour", "paul@exemple.fr"),
    ]
    for text, message in (
        ("Nadia Benali, nadia@", "Ligne 1 : « nadia@ » n'est pas une adresse"),
        ("Paul\nNadia a@exemple.fr b@exemple.fr", "Ligne 2 : une seule adresse"),
        ("nadia@exemple.fr", "Ligne 1 : indiquez le prénom et le nom"),
    ):
        with pytest.raises(CompetitionError, match=message) as refused:
            consultant_lines(text)
        assert refused.value.field == "consultants"


def test_a_bad_address_is_refused_next_to_the_field_and_what_was_typed_is_kept(client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    url = provider_page(client, consulted)
    typed = "Nadia Benali, nadia.benali@exemple\nPaul Martin"
    response = client.post(
        url,
        {
            "method": "Ateliers collectifs.",
            "consultants": typed,
            "half_days": "4",
            "price_per_half_day": "1000",
            "total": "4000",
            "action": "save",
        },
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    error = re.search(r'id="id_consultants_error">(.*?)</div>', html, re.S)
    assert (
        error and "« nadia.benali@exemple » n'est pas une adresse électronique valide" in error[1]
    )
    assert typed in html  # the textarea keeps every line
    assert "Ateliers collectifs." in html
    assert not Proposal.objects.filter(consulted=consulted, consultants=typed).exists()


def test_choosing_gives_the_named_consultants_access_to_the_cohort(client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = list(consultation.consulted.all())
    proposals = [submit(c) for c in consulted[:2]]
    representative = setup.cohort.members.first().application.accesses.first().user
    Proposal.objects.filter(pk=proposals[0].pk).update(
        consultants="Nadia Benali, nadia.benali@exemple.fr\n"
        f"Paul Martin\nLéa Structure, {representative.email}"
    )
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    sign_in(client, setup.officer)
    url = reverse("competition:choose", args=[setup.cohort.pk, proposals[0].pk])
    response = client.post(url, {"justification": "Meilleure méthode."}, follow=True)
    assert response.status_code == 200
    engagement = Engagement.objects.get(cohort=setup.cohort)
    nadia = User.objects.get(email="nadia.benali@exemple.fr")
    assert list(engagement.consultants.all()) == [nadia]
    assert (nadia.first_name, nadia.last_name) == ("Nadia", "Benali")
    assert RoleAssignment.objects.filter(
        user=nadia, role=Role.CONSULTANT, organisation=engagement.firm
    ).exists()
    assert OutgoingEmail.objects.filter(to="nadia.benali@exemple.fr").count() == 1
    # the officer is told who has no access yet: no address, or a structure's representative
    html = unescape(response.content.decode())
    assert "n'ont pas encore accès à l'accompagnement : Paul Martin, Léa Structure." in html
    # the consultant now reaches the cohort's support page
    sign_in(client, nadia)
    cohort_page = reverse("support:cohort", kwargs={"cohort_id": setup.cohort.pk})
    assert client.get(cohort_page).status_code == 200


def test_a_proposal_naming_no_address_creates_the_engagement_without_consultants(setup):
    consultation = send(setup, make_consultation(setup))
    proposal = submit(consultation.consulted.first())  # « Nadia Consultante », no address
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    engagement = services.proposal_choose(
        proposal=proposal, by=setup.officer, justification="Seule proposition."
    )
    assert not engagement.consultants.exists()
    assert services.consultants_left_out(proposal, engagement) == ["Nadia Consultante"]


def test_text_written_before_the_addresses_were_checked_never_blocks_the_choice(setup):
    """A proposal saved before this check may hold a broken address: the choice goes on, the
    line counts as a name without an address."""
    assert consultant_lines("Paul Martin, paul@", lenient=True) == [
        ProposedConsultant("Paul", "Martin, paul@", "")
    ]
    consultation = send(setup, make_consultation(setup))
    proposal = submit(consultation.consulted.first())
    Proposal.objects.filter(pk=proposal.pk).update(consultants="Paul Martin, paul@")
    proposal.refresh_from_db()
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    engagement = services.proposal_choose(
        proposal=proposal, by=setup.officer, justification="Seule proposition."
    )
    assert not engagement.consultants.exists()
    assert services.consultants_left_out(proposal, engagement) == ["Paul Martin, paul@"]
