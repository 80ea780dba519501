"""Consent: default off, only what is chosen, for a duration, withdrawable, logged."""

import datetime as dt

import pytest
import time_machine
from django.core import mail  # noqa: F401
from django.utils import timezone

from coopess.finder import services
from coopess.finder.models import Audience, ConsentAction, FinderProfile, Shown
from coopess.finder.privacy import anonymise_finder, erase_from_finder, finder_of
from tests.applications.helpers import open_call
from tests.finder.helpers import applicant_structure, consent, representative

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return open_call()


def test_default_off_nothing_findable(call):
    applicant_structure(call, "Sans accord")
    assert not FinderProfile.objects.exists()


def test_only_what_is_chosen_is_stored(call):
    structure = applicant_structure(call, "Atelier Vert", departement="49", employees=12)
    profile = consent(structure, needs=["admin"], resources=["it"], shown=[Shown.TERRITORY])
    assert profile.name == "Atelier Vert"
    assert profile.departement == "49"
    assert (profile.needs, profile.resources, profile.naf_code, profile.staff_band) == (
        [],
        [],
        "",
        "",
    )
    profile = consent(structure, needs=["admin"], shown=[Shown.DOMAINS, Shown.SIZE])
    assert profile.needs == ["admin"] and profile.staff_band == "11" and profile.departement == ""
    assert [e.action for e in profile.events.all()] == [
        ConsentAction.GRANTED,
        ConsentAction.UPDATED,
    ]
    assert profile.events.last().details["shown"] == [Shown.DOMAINS, Shown.SIZE]


def test_only_a_representative_consents(call):
    structure = applicant_structure(call, "A")
    other = applicant_structure(call, "B")
    with pytest.raises(services.FinderError):
        services.consent_save(
            structure=structure,
            by=representative(other),
            audience=Audience.EVERYONE,
            shown=[],
            duration_months=12,
        )


def test_a_domain_cannot_be_both_need_and_resource(call):
    structure = applicant_structure(call, "A")
    with pytest.raises(services.FinderError):
        consent(structure, needs=["admin"], resources=["admin"])


def test_withdrawal_empties_and_declines_pending_requests(call):
    a = consent(applicant_structure(call, "A"), needs=["admin"], pitch="Notre projet")
    b = consent(applicant_structure(call, "B"), resources=["admin"])
    request = services.contact_request(seeker=a, target=b, by=representative(a.structure))
    services.consent_withdraw(profile=b, by=representative(b.structure))
    b.refresh_from_db()
    request.refresh_from_db()
    assert b.withdrawn_at is not None and b.resources == [] and b.shown == []
    assert request.status == "declined"
    assert not FinderProfile.objects.findable_by_structures().filter(pk=b.pk).exists()
    assert b.events.last().action == ConsentAction.WITHDRAWN
    with pytest.raises(services.FinderError):
        services.consent_withdraw(profile=b, by=representative(b.structure))


def test_consent_expires_after_its_duration(call):
    structure = applicant_structure(call, "A")
    start = timezone.now()
    profile = consent(structure, needs=["admin"], months=6)
    assert profile.expires_at.date() > (start + dt.timedelta(days=180)).date()
    with time_machine.travel(start + dt.timedelta(days=200)):
        assert not FinderProfile.objects.active().exists()
        assert services.consents_expire() == 1
        assert services.consents_expire() == 0
    profile.refresh_from_db()
    assert profile.needs == [] and profile.events.last().action == ConsentAction.EXPIRED


def test_privacy_export_erasure_and_retention(call):
    a = consent(applicant_structure(call, "A"), needs=["admin"], pitch="Notre projet")
    b = consent(applicant_structure(call, "B"), resources=["admin"])
    person = representative(a.structure)
    services.contact_request(seeker=a, target=b, by=person, message="Écrit par Léa")
    exported = finder_of(person)
    assert exported["Recherche de partenaires : consentements"][0]["présentation"] == "Notre projet"
    assert exported["Recherche de partenaires : demandes de mise en relation"][0]["message"]
    erase_from_finder(person, call.applications.none())
    a.refresh_from_db()
    assert a.pitch == "" and a.granted_by is None
    assert not a.events.filter(by=person).exists()
    anonymise_finder(call.applications.filter(pk=b.structure.application_id))
    assert not FinderProfile.objects.filter(pk=b.pk).exists()
    from coopess.finder.models import ContactRequest

    assert ContactRequest.objects.count() == 1  # counts survive retention


def test_initial_values_come_from_the_application(call):
    structure = applicant_structure(call, "A", shared_domains=["hr", "premises"])
    initial = services.consent_initial(structure)
    assert initial["needs"] == ["hr", "premises"] and initial["shown"] == []


def test_expiry_command(call):
    from io import StringIO

    from django.core.management import call_command

    structure = applicant_structure(call, "A")
    start = timezone.now()
    consent(structure, needs=["admin"], months=6)
    out = StringIO()
    with time_machine.travel(start + dt.timedelta(days=200)):
        call_command("finder_expire_consents", stdout=out)
    assert out.getvalue().strip() == "1 consent(s) expired."


def test_registered_and_in_the_personal_data_download(client, call):
    from django.urls import reverse

    from coopess.privacy.registry import sources
    from tests.conftest import sign_in

    assert "recherche de partenaires" in [s.name for s in sources()]
    structure = applicant_structure(call, "A")
    consent(structure, needs=["admin"], pitch="Texte à retrouver")
    sign_in(client, representative(structure))
    response = client.get(reverse("privacy:download_json"))
    assert "Texte à retrouver" in response.content.decode()


def test_one_active_profile_per_siret_and_never_oneself(call):
    from coopess.applications.models import ApplicationStructure

    first = applicant_structure(call, "Même structure (2023)")
    second = applicant_structure(call, "Même structure", user=representative(first))
    ApplicationStructure.objects.filter(pk__in=[first.pk, second.pk]).update(siret="12345678900011")
    first.refresh_from_db()
    second.refresh_from_db()
    old = consent(first, resources=["admin"])
    new = consent(second, needs=["admin"])
    old.refresh_from_db()
    assert old.withdrawn_at is not None and old.events.last().comment
    assert services.search(seeker=new) == []
