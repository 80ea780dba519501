"""The competition's indicator and its declaration to the privacy registry."""

import pytest

from coopess.calls.models import Call
from coopess.competition.models import ConsultedProvider, Proposal, Provider
from coopess.competition.privacy import ERASED_CONSULTANTS
from coopess.competition.services.invitations import provider_accept
from coopess.privacy.registry import sources
from coopess.reporting.registry import INDICATORS
from coopess.reporting.scope import Scope
from tests.competition.helpers import make_consultation, send, submit
from tests.diagnostic.helpers import make_cohort
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_indicator_counts_consulted_and_proposals(django_assert_max_num_queries):
    setup = make_cohort(seed=8)
    consultation = send(setup, make_consultation(setup))
    for consulted in list(consultation.consulted.all())[:2]:
        submit(consulted)
    indicator = INDICATORS["concurrence_prestataires"]
    scope = Scope(calls=Call.objects.filter(pk=setup.call.pk))
    with django_assert_max_num_queries(3):
        table = indicator.compute(scope)
    assert table.value("consulting", "consultations") == 1
    assert table.value("consulting", "consulted") == 3
    assert table.value("consulting", "proposals") == 2
    assert table.value("chosen", "consultations") == 0


def test_provider_contact_exported_and_erased():
    setup = make_cohort(seed=9)
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    submit(consulted)
    person = make_user(None, email=consulted.provider.email)
    provider_accept(consulted=consulted, user=person)
    source = next(s for s in sources() if s.name == "mise_en_concurrence")
    exported = source.export_person(person)
    rows = exported["Annuaire des prestataires de conseil"]
    assert rows[0]["prestataire"] == consulted.provider.name
    accepted = exported["Consultations de prestataires acceptées avec ce compte"]
    assert accepted[0]["consultation"] == str(setup.cohort)
    source.erase_person(person, None)
    assert ConsultedProvider.objects.get(pk=consulted.pk).user is None
    provider = Provider.objects.get(pk=consulted.provider_id)
    assert provider.email != consulted.provider.email and provider.phone == ""
    assert Proposal.objects.get(consulted=consulted).consultants == ERASED_CONSULTANTS
    assert source.export_person(person) == {}
