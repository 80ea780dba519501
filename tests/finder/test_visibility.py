"""A structure that did not opt in (or withdrew, or whose consent expired) never appears, for
any role, on any page of the finder; one open to officers only never appears to structures."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role
from coopess.finder import services
from coopess.finder.models import FinderProfile
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.factories import add_totp, make_user
from tests.finder.helpers import applicant_structure, consent, representative

pytestmark = pytest.mark.django_db

NEVER = ("Jamais Vue", "Retirée Désormais", "Expirée Depuis")
OFFICERS_ONLY = "Pour Le DLA"


@pytest.fixture
def world():
    call = open_call()
    start = timezone.now()
    old = applicant_structure(call, "Expirée Depuis")
    with time_machine.travel(start - dt.timedelta(days=400)):
        expired = consent(old, resources=["admin"], months=6)
    seeker = consent(applicant_structure(call, "Cherche Paie"), needs=["admin"])
    visible = consent(applicant_structure(call, "Visible Partout"), resources=["admin"])
    withdrawn = consent(applicant_structure(call, "Retirée Désormais"), resources=["admin"])
    services.consent_withdraw(profile=withdrawn, by=representative(withdrawn.structure))
    officers_only = consent(
        applicant_structure(call, OFFICERS_ONLY), resources=["admin"], audience="officers"
    )
    silent = applicant_structure(call, "Jamais Vue", shared_domains=["admin"])
    request = services.contact_request(
        seeker=seeker, target=visible, by=representative(seeker.structure)
    )
    officer = make_user(Role.OFFICER, organisation=call.operator)
    services.introduction_propose(officer=officer, first=seeker, second=officers_only)
    return {
        "call": call,
        "seeker": seeker,
        "officer": officer,
        "request": request,
        "hidden_profiles": [expired.pk, withdrawn.pk],
        "officers_only": officers_only,
        "silent": silent,
    }


def people(world):
    users = {
        "representative": representative(world["seeker"].structure),
        "silent representative": representative(world["silent"]),
        "officer": world["officer"],
        "other officer": make_user(Role.OFFICER),
    }
    for role in (Role.REVIEWER, Role.CONSULTANT, Role.FUNDER, Role.ADMIN):
        users[role.label] = make_user(role)
    for user in users.values():
        if user.needs_second_factor:
            add_totp(user)
    return users


def urls(world):
    seeker = world["seeker"].structure_id
    out = [
        reverse("finder:home"),
        reverse("finder:search", args=[seeker]),
        reverse("finder:search", args=[seeker]) + "?domaine=admin",
        reverse("finder:officer"),
        reverse("finder:counts"),
        reverse("finder:request", args=[world["request"].pk]),
        reverse("finder:consent", args=[world["silent"].pk]),
    ]
    out += [reverse("finder:officer") + f"?profil={p.pk}" for p in FinderProfile.objects.active()]
    return out


def test_never_shown_for_any_role(client, world):
    for label, user in people(world).items():
        sign_in(client, user)
        for url in urls(world):
            response = client.get(url)
            content = response.content.decode()
            for name in NEVER:
                if name == "Jamais Vue" and label == "silent representative":
                    continue  # their own structure, on their own pages
                assert name not in content, (label, url, name)
            if "recherche" in url:  # structures' search: never the officers-only profile
                assert OFFICERS_ONLY not in content, (label, url)


def test_officers_only_profile_not_found_by_structures(client, world):
    seeker = world["seeker"]
    sign_in(client, representative(seeker.structure))
    search = client.get(reverse("finder:search", args=[seeker.structure_id])).content.decode()
    assert OFFICERS_ONLY not in search
    contact = reverse("finder:contact", args=[seeker.structure_id, world["officers_only"].pk])
    assert client.get(contact).status_code == 404


@pytest.mark.parametrize("which", ["hidden_profiles"])
def test_hidden_profiles_answer_404(client, world, which):
    seeker = world["seeker"]
    officer = world["officer"]
    add_totp(officer)
    for pk in world[which]:
        sign_in(client, representative(seeker.structure))
        assert (
            client.get(reverse("finder:contact", args=[seeker.structure_id, pk])).status_code == 404
        )
        sign_in(client, officer)
        assert client.get(reverse("finder:officer") + f"?profil={pk}").status_code == 404
