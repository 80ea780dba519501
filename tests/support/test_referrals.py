"""The directory of support actors and referrals: status flow with a log, the one-click referral
to the structure's departmental DLA."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from coopess.diagnostic.models import ActionItem
from coopess.support.models import Referral, ReferralStatus, SupportActor
from coopess.support.services import SupportError
from coopess.support.services import referrals as services
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import OrganisationFactory, make_seed_call
from tests.support.helpers import departmental_dla

pytestmark = pytest.mark.django_db
R = ReferralStatus


@pytest.fixture
def setup():
    return make_cohort(seed=41)


@pytest.fixture
def actor(setup):
    return SupportActor.objects.create(
        operator=setup.call.operator, name="France Active (fictif)", expertise=["finance"],
        departements=["44", "49"], email="contact@example.org",
    )  # fmt: skip


def _referral(setup, actor, **fields):
    values = {"cohort": setup.cohort, "structure": setup.structures[0], "actor": actor,
              "by": setup.officer, "need": "Financer le poste mutualisé"}  # fmt: skip
    values.update(fields)
    return services.referral_create(**values)


def test_status_flow_with_a_log(setup, actor):
    referral = _referral(setup, actor)
    assert referral.status == R.PROPOSED
    for to in (R.CONTACTED, R.IN_PROGRESS, R.DONE):
        services.referral_move(referral=referral, to=to, by=setup.officer, comment=f"→ {to}")
    referral.refresh_from_db()
    assert referral.status == R.DONE
    assert [(t.from_status, t.to_status) for t in referral.transitions.all()] == [
        ("", R.PROPOSED), (R.PROPOSED, R.CONTACTED), (R.CONTACTED, R.IN_PROGRESS),
        (R.IN_PROGRESS, R.DONE),
    ]  # fmt: skip
    assert referral.transitions.last().by == setup.officer


@pytest.mark.parametrize(
    ("path", "to"),
    [((), R.DONE), ((), R.IN_PROGRESS), ((R.CONTACTED,), R.PROPOSED),
     ((R.CONTACTED, R.DONE), R.IN_PROGRESS), ((R.CONTACTED, R.IN_PROGRESS), R.CONTACTED)],
)  # fmt: skip
def test_refused_moves(setup, actor, path, to):
    referral = _referral(setup, actor)
    for step in path:
        services.referral_move(referral=referral, to=step, by=setup.officer)
    with pytest.raises(services.ReferralTransitionRefused):
        services.referral_move(referral=referral, to=to, by=setup.officer)
    assert referral.transitions.count() == 1 + len(path)


def test_a_referral_needs_a_need_or_an_action_item(setup, actor):
    with pytest.raises(SupportError, match="Décrivez le besoin"):
        _referral(setup, actor, need="")
    item = ActionItem.objects.create(
        cohort=setup.cohort, action="Étudier un groupement d'employeurs"
    )
    assert _referral(setup, actor, need="", action_item=item).action_item == item
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            cohort=setup.cohort, structure=setup.structures[0], actor=actor, need=""
        )


def test_no_duplicate_open_referral_nor_foreign_actor(setup, actor):
    _referral(setup, actor)
    with pytest.raises(SupportError, match="déjà orientée"):
        _referral(setup, actor)
    stranger = SupportActor.objects.create(operator=OrganisationFactory(), name="Ailleurs")
    with pytest.raises(SupportError, match="annuaire de votre DLA"):
        _referral(setup, stranger)


def test_one_click_to_the_departmental_dla(client, setup):
    structure = setup.structures[0]
    dla = departmental_dla(setup.call.operator, structure.departement)
    departmental_dla(setup.call.operator, "99" if structure.departement != "99" else "98")
    sign_in(client, setup.officer)
    page = reverse("support:officer_structure", args=[setup.cohort.pk, structure.pk])
    assert f"Orienter vers {dla.name}" in client.get(page).content.decode()
    response = client.post(
        reverse("support:officer_dla_referral", args=[setup.cohort.pk, structure.pk])
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.actor, referral.structure, referral.status) == (dla, structure, R.PROPOSED)
    assert referral.need == services.INDIVIDUAL_DLA_NEED and not referral.requested_by_structure


def test_a_representative_asks_for_their_departmental_dla(client, setup):
    structure = setup.structures[1]
    dla = departmental_dla(setup.call.operator, structure.departement)
    sign_in(client, setup.person(structure))
    response = client.post(reverse("support:structure_dla_request", args=[structure.pk]))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.actor == dla and referral.requested_by_structure
    page = client.get(reverse("support:structure", args=[structure.pk])).content.decode()
    assert "Votre demande est en cours" in page and dla.name in page


def test_without_a_departmental_dla_the_message_says_so(setup):
    with pytest.raises(SupportError, match="Aucun DLA départemental"):
        services.referral_to_departmental_dla(structure=setup.structures[0], by=setup.officer)


def test_officer_moves_a_referral_through_the_page(client, setup, actor):
    referral = _referral(setup, actor)
    sign_in(client, setup.officer)
    url = reverse("support:referral_move", args=[setup.cohort.pk, referral.pk])
    client.post(url, {"to": R.DONE})  # refused: not contacted yet
    referral.refresh_from_db()
    assert referral.status == R.PROPOSED
    client.post(url, {"to": R.CONTACTED, "comment": "Appel le 3 octobre"})
    referral.refresh_from_db()
    assert referral.status == R.CONTACTED
    assert referral.transitions.last().comment == "Appel le 3 octobre"


def test_officer_adds_a_referral_from_the_structure_page(client, setup, actor):
    item = ActionItem.objects.create(cohort=setup.cohort, action="Construire le budget commun")
    structure = setup.structures[0]
    sign_in(client, setup.officer)
    response = client.post(
        reverse("support:referral_add", args=[setup.cohort.pk]),
        {"structure": structure.pk, "actor": actor.pk, "action_item": item.pk, "need": "",
         "next_structure": structure.pk},
    )  # fmt: skip
    assert response["Location"] == reverse(
        "support:officer_structure", args=[setup.cohort.pk, structure.pk]
    )
    assert Referral.objects.get().action_item == item


def test_directory_is_kept_by_the_officers_of_the_dla(client, setup):
    sign_in(client, setup.officer)
    response = client.post(
        reverse("support:actors"),
        {"name": "URSCOP (fictif)", "expertise": ["cooperation", "legal"],
         "departements": ["44", "85"], "email": "urscop@example.org", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    actor = SupportActor.objects.get()
    assert actor.operator == setup.call.operator
    assert actor.expertise == ["cooperation", "legal"] and actor.departements == ["44", "85"]
    response = client.post(reverse("support:actors"), {"name": "urscop (FICTIF)"})
    assert response.status_code == 400
    assert "déjà dans l&#x27;annuaire" in response.content.decode()
    other_officer = make_cohort(make_seed_call(), seed=42).officer
    sign_in(client, other_officer)
    assert client.get(reverse("support:actor", args=[actor.pk])).status_code == 404
