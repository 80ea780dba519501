"""The follow-ups declare their personal data: retention drops the free texts of the answers
(the comment on the consultant among them) and who answered, and keeps choices, numbers and the
satisfaction mark; erasure redacts the person's name from the free texts; the download of one's
data holds the answered follow-ups of one's structures and nothing of another structure."""

from __future__ import annotations

import datetime as dt

import pytest

from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.services import answer_submit, support_close
from coopess.privacy.models import AnonymisationRule
from coopess.privacy.registry import sources
from coopess.privacy.services import application_anonymise, person_data
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    setup = in_support(make_cohort(seed=45))
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    FollowUp.objects.filter(cohort=setup.cohort).update(
        status=FollowUpStatus.SENT, sent_on=dt.date(2031, 3, 15)
    )
    for index, structure in enumerate(setup.structures):
        person = setup.person(structure)
        answer_submit(
            followup=FollowUp.objects.get(structure=structure, offset_months=6),
            answers={
                "q_jobs": "7",
                "q_form": "pooling",
                "q_needs": f"Voir avec {person.first_name} {person.last_name} (Secret-{index})",
                "q_satisfaction": "4",
                "q_satisfaction_comment": f"Consultant parfait, dit {person.last_name} {person.first_name}",
            },
            by=person,
        )
    return setup


def test_registered():
    assert "followups" in [source.name for source in sources()]


def test_retention_keeps_the_marks_and_drops_the_free_texts(setup):
    structure = setup.structures[0]
    application_anonymise(application=structure.application, rule=AnonymisationRule.ACCOMPANIED)
    followup = FollowUp.objects.get(structure=structure, offset_months=6)
    assert followup.answers == {"q_jobs": "7", "q_form": "pooling", "q_satisfaction": "4"}
    assert followup.answered_by is None and followup.status == FollowUpStatus.ANSWERED
    other = FollowUp.objects.get(structure=setup.structures[2], offset_months=6)
    assert other.answers["q_needs"].endswith("(Secret-2)")  # another application: untouched


def test_erasure_redacts_the_person(setup):
    from coopess.followups.privacy import erase_from_followups

    structure = setup.structures[0]
    person = setup.person(structure)
    erase_from_followups(person, type(structure.application).objects.filter(
        pk=structure.application_id
    ))  # fmt: skip
    followup = FollowUp.objects.get(structure=structure, offset_months=6)
    # the person's full names (as in the diagnostic's erasure)
    assert person.last_name not in str(followup.answers)
    assert "(Secret-0)" in followup.answers["q_needs"] and followup.answered_by is None
    assert followup.answers["q_satisfaction"] == "4"


def test_the_download_holds_ones_own_followups_only(setup):
    structure = setup.structures[0]
    data = person_data(setup.person(structure))
    rows = data["Suivis à 6 mois et 1 an"]
    assert [row["structure"] for row in rows] == [structure.name]
    answers = {a["question"]: a["reponse"] for a in rows[0]["reponses"]}
    assert (
        answers["Votre satisfaction sur l'accompagnement collectif apporté par le consultant"]
        == "4"
    )
    assert rows[0]["repondu_par_vous"] is True
    assert "Secret-1" not in str(data) and "Secret-2" not in str(data)
