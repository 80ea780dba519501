"""Contact requests, introductions, acceptance and the joint application."""

import pytest
from django.core import mail  # noqa: F401

from coopess.accounts.models import Role
from coopess.applications.models import ApplicationStructure
from coopess.common.models import OutgoingEmail
from coopess.finder import services
from coopess.finder.models import Audience, ContactStatus
from coopess.notifications.models import Notification
from tests.applications.helpers import open_call
from tests.factories import make_user
from tests.finder.helpers import applicant_structure, consent, representative

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return open_call()


@pytest.fixture
def pair(call):
    seeker = consent(applicant_structure(call, "Cherche Paie"), needs=["admin"])
    target = consent(applicant_structure(call, "Paie Solidaire"), resources=["admin"])
    return seeker, target


def test_search_needs_reciprocity_and_shows_consenting_only(call, pair):
    seeker, _target = pair
    applicant_structure(call, "Sans accord")
    hidden = consent(
        applicant_structure(call, "DLA seulement"), resources=["admin"], audience=Audience.OFFICERS
    )
    results = services.search(seeker=seeker)
    assert [r.profile.name for r in results] == ["Paie Solidaire"]
    assert hidden.pk not in [r.profile.pk for r in results]
    with pytest.raises(services.FinderError):
        services.search(seeker=hidden)


def test_request_notifies_without_disclosing_and_acceptance_discloses(call, pair):
    seeker, target = pair
    asker, answerer = representative(seeker.structure), representative(target.structure)
    request = services.contact_request(seeker=seeker, target=target, by=asker, message="Bonjour")
    notification = Notification.objects.get(user=answerer)
    assert "Cherche Paie" in notification.title
    email = OutgoingEmail.objects.get(to__contains=answerer.email)
    assert asker.email not in str(email.payload)
    with pytest.raises(services.FinderError):  # one pending request at a time
        services.contact_request(seeker=seeker, target=target, by=asker)
    with pytest.raises(services.FinderError):  # the asker cannot accept for the other side
        services.contact_answer(request=request, by=asker, accept=True)
    services.contact_answer(request=request, by=answerer, accept=True)
    request.refresh_from_db()
    assert request.status == ContactStatus.ACCEPTED
    assert Notification.objects.filter(user=asker, title__contains="acceptée").exists()


def test_decline(call, pair):
    seeker, target = pair
    request = services.contact_request(
        seeker=seeker, target=target, by=representative(seeker.structure)
    )
    services.contact_answer(request=request, by=representative(target.structure), accept=False)
    request.refresh_from_db()
    assert request.status == ContactStatus.DECLINED


def test_no_request_to_a_withdrawn_or_self(call, pair):
    seeker, target = pair
    with pytest.raises(services.FinderError):
        services.contact_request(seeker=seeker, target=seeker, by=representative(seeker.structure))
    services.consent_withdraw(profile=target, by=representative(target.structure))
    with pytest.raises(services.FinderError):
        services.contact_request(seeker=seeker, target=target, by=representative(seeker.structure))


def test_introduction_needs_both_sides_and_stays_in_the_dla(call, pair):
    seeker, target = pair
    officer = make_user(Role.OFFICER, organisation=call.operator)
    stranger = make_user(Role.OFFICER)
    with pytest.raises(services.FinderError):
        services.introduction_propose(officer=stranger, first=seeker, second=target)
    request = services.introduction_propose(officer=officer, first=seeker, second=target)
    assert Notification.objects.filter(user=representative(seeker.structure)).exists()
    assert Notification.objects.filter(user=representative(target.structure)).exists()
    services.contact_answer(request=request, by=representative(seeker.structure), accept=True)
    request.refresh_from_db()
    assert request.status == ContactStatus.PENDING
    services.contact_answer(request=request, by=representative(target.structure), accept=True)
    request.refresh_from_db()
    assert request.status == ContactStatus.ACCEPTED


def test_joint_application_prefills_both_structures(call, pair):
    seeker, target = pair
    ApplicationStructure.objects.filter(pk=target.structure_id).update(siret="12345678900011")
    request = services.contact_request(
        seeker=seeker, target=target, by=representative(seeker.structure)
    )
    with pytest.raises(services.FinderError):
        services.joint_application_start(
            request=request, by=representative(seeker.structure), call=call
        )
    services.contact_answer(request=request, by=representative(target.structure), accept=True)
    application = services.joint_application_start(
        request=request, by=representative(target.structure), call=call
    )
    lead, partner = application.structures.order_by("position")
    assert (lead.name, lead.siret) == ("Paie Solidaire", "12345678900011")
    assert partner.name == "Cherche Paie" and partner.departement == "44"
    assert partner.invited_email == representative(seeker.structure).email
    request.refresh_from_db()
    assert request.joint_application == application
    with pytest.raises(services.FinderError):
        services.joint_application_start(
            request=request, by=representative(seeker.structure), call=call
        )
