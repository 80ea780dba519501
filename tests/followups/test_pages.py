"""The questionnaire from the emailed link (validation, drafts, permissions), the officer's
pages (filling during a phone call, results) and new needs turned into referrals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from coopess.diagnostic.models import ActionItem
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.services import support_close
from coopess.selection.models import CohortStatus
from coopess.support.models import Referral, SupportActor
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    setup = in_support(make_cohort())
    first, second, _third = setup.structures
    collective = ActionItem.objects.create(cohort=setup.cohort, action="Charte commune", position=1)
    mine = ActionItem.objects.create(cohort=setup.cohort, action="Mutualiser la paie", position=2)
    mine.structures.add(first)
    other = ActionItem.objects.create(cohort=setup.cohort, action="Local partagé", position=3)
    other.structures.add(second)
    setup.items = {"collective": collective, "mine": mine, "other": other}
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    FollowUp.objects.filter(cohort=setup.cohort, offset_months=6).update(
        status=FollowUpStatus.SENT, sent_on=dt.date(2031, 3, 15)
    )
    return setup


def followup_of(setup, structure, offset=6) -> FollowUp:
    return FollowUp.objects.get(structure=structure, offset_months=offset)


def valid_answers(setup, **overrides) -> dict:
    stage = setup.call.maturity_stages.first()
    data = {
        f"item_{setup.items['collective'].pk}_status": "done",
        f"item_{setup.items['collective'].pk}_comment": "Signée en janvier.",
        f"item_{setup.items['mine'].pk}_status": "in_progress",
        f"item_{setup.items['mine'].pk}_comment": "",
        "q_stage": stage.code,
        "q_form": "employers_group",
        "q_jobs": "12",
        "q_fte": "9,5",
        "q_finances": "Économie de 8 000 € sur la paie.",
        "q_services": "",
        "q_partnerships": "La mairie.",
        "q_needs": "Un appui juridique pour les statuts du groupement.",
        "send": "1",
    }
    data.update(overrides)
    return data


def test_the_representative_answers_from_the_link(client, setup):
    structure = setup.structures[0]
    followup = followup_of(setup, structure)
    sign_in(client, setup.person(structure))
    url = reverse("followups:answer", args=[followup.token])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    # the items that involve the structure (its own and the collective ones), not the others'
    assert "Mutualiser la paie" in content and "Charte commune" in content
    assert "Local partagé" not in content
    response = client.post(url, valid_answers(setup))
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.ANSWERED
    assert followup.answered_by == setup.person(structure)
    assert not followup.filled_by_officer
    assert followup.answers["q_fte"] == "9,5"
    assert followup.answers["q_form"] == "employers_group"
    assert list(followup.transitions.values_list("to_status", flat=True))[-1] == "answered"
    # read only afterwards
    page = client.get(url)
    assert "Répondu le" in page.content.decode()
    client.post(url, valid_answers(setup, q_jobs="99"))
    followup.refresh_from_db()
    assert followup.answers["q_jobs"] == "12"


def test_validation_messages_in_french_and_nothing_typed_is_lost(client, setup):
    structure = setup.structures[0]
    followup = followup_of(setup, structure)
    sign_in(client, setup.person(structure))
    url = reverse("followups:answer", args=[followup.token])
    data = valid_answers(
        setup,
        q_jobs="-2",
        q_fte="beaucoup",
        q_form="",
        q_finances="Texte long tapé avec soin.",
        **{f"item_{setup.items['mine'].pk}_status": ""},
    )
    response = client.post(url, data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Indiquez un nombre positif ou nul." in content
    assert "Indiquez un nombre, par exemple 3,5." in content
    assert "Répondez à cette question." in content
    assert "Indiquez où en est cette action." in content
    assert 'id="resume-erreurs"' in content
    assert "Texte long tapé avec soin." in content
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.SENT
    assert followup.answers["q_finances"] == "Texte long tapé avec soin."  # kept as a draft
    response = client.post(url, valid_answers(setup, q_jobs="3", q_fte="4"))
    assert "Les ETP ne peuvent pas dépasser le nombre de salarié·es." in response.content.decode()


def test_a_draft_is_kept_without_checks(client, setup):
    structure = setup.structures[0]
    followup = followup_of(setup, structure)
    sign_in(client, setup.person(structure))
    url = reverse("followups:answer", args=[followup.token])
    response = client.post(url, {"q_needs": "À compléter", "q_jobs": "douze", "draft": "1"})
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.SENT
    assert followup.answers == {"q_needs": "À compléter", "q_jobs": "douze"}
    assert "À compléter" in client.get(url).content.decode()


def test_another_structure_and_a_scheduled_followup_are_not_found(client, setup):
    first, second, _ = setup.structures
    sign_in(client, setup.person(second))
    assert (
        client.get(reverse("followups:answer", args=[followup_of(setup, first).token])).status_code
        == 404
    )
    # its own 12-month follow-up has not been sent yet
    later = followup_of(setup, second, 12)
    assert client.get(reverse("followups:answer", args=[later.token])).status_code == 404
    assert client.get(reverse("followups:structure", args=[first.pk])).status_code == 404
    page = client.get(reverse("followups:structure", args=[second.pk]))
    assert page.status_code == 200
    assert followup_of(setup, second).token in page.content.decode()
    assert later.token not in page.content.decode()
    # and never the officer's pages
    assert client.get(reverse("followups:cohort", args=[setup.cohort.pk])).status_code == 404


def test_the_consultant_sees_nothing_of_the_followups(client, setup):
    from tests.support.helpers import make_support

    support = make_support(setup)
    sign_in(client, support.consultant)
    followup = followup_of(setup, setup.structures[0])
    assert client.get(reverse("followups:cohort", args=[setup.cohort.pk])).status_code == 404
    assert (
        client.get(reverse("followups:followup", args=[setup.cohort.pk, followup.pk])).status_code
        == 404
    )
    assert client.get(reverse("followups:answer", args=[followup.token])).status_code == 404


def test_the_officer_fills_it_during_a_phone_call(client, setup):
    structure = setup.structures[2]
    followup = followup_of(setup, structure, 12)  # not even sent yet
    sign_in(client, setup.officer)
    url = reverse("followups:followup", args=[setup.cohort.pk, followup.pk])
    assert client.get(url).status_code == 200
    data = valid_answers(setup)
    data = {k: v for k, v in data.items() if not k.startswith(f"item_{setup.items['mine'].pk}")}
    response = client.post(url, data)
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.ANSWERED
    assert followup.filled_by_officer
    assert followup.answered_by == setup.officer
    assert "Rempli par téléphone" in followup.transitions.last().comment


def test_results_per_cohort_structure_and_item(client, setup, django_assert_max_num_queries):
    first = setup.structures[0]
    sign_in(client, setup.person(first))
    client.post(
        reverse("followups:answer", args=[followup_of(setup, first).token]), valid_answers(setup)
    )
    client.logout()
    sign_in(client, setup.officer)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("followups:cohort", args=[setup.cohort.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "1 réponse sur 3 suivis" in content
    assert "Groupement d&#x27;employeurs : 1" in content or "Groupement d'employeurs : 1" in content
    assert "Mutualiser la paie" in content and "En cours" in content
    assert "Signée en janvier." in content
    detail = client.get(
        reverse("followups:followup", args=[setup.cohort.pk, followup_of(setup, first).pk])
    )
    assert "Un appui juridique" in detail.content.decode()


def test_closing_from_the_page(client):
    setup = in_support(make_cohort(applications=(1,)))
    sign_in(client, setup.officer)
    page = client.get(reverse("followups:cohort", args=[setup.cohort.pk]))
    assert "Clore l'accompagnement et programmer les suivis" in page.content.decode()
    response = client.post(reverse("followups:close", args=[setup.cohort.pk]))
    assert response.status_code == 302
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.FOLLOW_UP
    assert FollowUp.objects.filter(cohort=setup.cohort).count() == 2
    # twice: refused with a message, nothing more scheduled
    client.post(reverse("followups:close", args=[setup.cohort.pk]))
    assert FollowUp.objects.filter(cohort=setup.cohort).count() == 2


def test_new_needs_become_a_referral(client, setup):
    from tests.support.helpers import departmental_dla

    first = setup.structures[0]
    followup = followup_of(setup, first)
    sign_in(client, setup.person(first))
    client.post(reverse("followups:answer", args=[followup.token]), valid_answers(setup))
    client.logout()
    actor = SupportActor.objects.create(operator=setup.call.operator, name="Juristes solidaires")
    sign_in(client, setup.officer)
    url = reverse("followups:referral", args=[setup.cohort.pk, followup.pk])
    assert client.post(url, {}).status_code == 302
    assert not Referral.objects.exists()
    client.post(url, {"actor": actor.pk})
    referral = Referral.objects.get()
    assert referral.structure == first and referral.actor == actor
    assert referral.need == "Un appui juridique pour les statuts du groupement."
    # or an individual DLA accompaniment with the structure's departmental DLA
    departmental_dla(setup.call.operator, first.departement)
    client.post(url, {"individual_dla": "on"})
    assert Referral.objects.filter(structure=first, actor__is_departmental_dla=True).exists()


def test_no_referral_without_needs(client, setup):
    first = setup.structures[0]
    followup = followup_of(setup, first)
    actor = SupportActor.objects.create(operator=setup.call.operator, name="Juristes solidaires")
    sign_in(client, setup.officer)
    client.post(
        reverse("followups:referral", args=[setup.cohort.pk, followup.pk]), {"actor": actor.pk}
    )
    assert not Referral.objects.exists()


def test_the_timeline_shows_each_audience_its_own_followups(setup):
    from coopess.notifications.registry import Audience, cohort_events

    first = setup.structures[0]
    officer = [e for e in cohort_events(setup.cohort, Audience("officer")) if "Suivi" in e.title]
    assert [e.starts for e in officer] == [dt.date(2031, 3, 15), dt.date(2031, 9, 15)]
    assert officer[0].title == "Suivi à 6 mois (0 réponse sur 3)"
    mine = [
        e
        for e in cohort_events(
            setup.cohort, Audience("representative", structure_ids=frozenset({first.pk}))
        )
        if e.lane == "Suivi à 6 mois et 1 an"
    ]
    assert len(mine) == 2 and all(first.name in e.title for e in mine)
    assert mine[0].link.endswith(followup_of(setup, first).token + "/")
    assert mine[1].link == ""  # not sent yet
    consultant = cohort_events(setup.cohort, Audience("consultant"))
    assert not [e for e in consultant if e.lane == "Suivi à 6 mois et 1 an"]
