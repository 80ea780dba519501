"""The structures' satisfaction with the consultant, asked in every follow-up: a 1–5 scale
(radio buttons in a fieldset), optional, with an optional comment; a bad value refused next to
the field with what was typed kept; the average in the cohort's results; follow-ups answered
before the question existed show it as « Non demandé », including after the data migration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from coopess.competition.satisfaction import satisfaction_label
from coopess.followups.models import FollowUp, FollowUpQuestion, FollowUpStatus, QuestionKind
from coopess.followups.services import DEFAULT_QUESTIONS, answer_submit, support_close
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    setup = in_support(make_cohort(seed=41))
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    FollowUp.objects.filter(cohort=setup.cohort, offset_months=6).update(
        status=FollowUpStatus.SENT, sent_on=dt.date(2031, 3, 15)
    )
    return setup


def followup_of(structure, offset=6) -> FollowUp:
    return FollowUp.objects.get(structure=structure, offset_months=offset)


def answers(setup, **overrides) -> dict:
    data = {
        "q_stage": setup.call.maturity_stages.first().code,
        "q_form": "pooling",
        "q_jobs": "8",
        "q_fte": "6,5",
        "send": "1",
    }
    data.update(overrides)
    return data


def test_the_question_is_a_1_to_5_scale_in_a_fieldset(client, setup):
    question = FollowUpQuestion.objects.get(call=setup.call, code="satisfaction")
    assert question.kind == QuestionKind.SCALE and not question.required
    assert FollowUpQuestion.objects.get(call=setup.call, code="satisfaction_comment").kind == (
        QuestionKind.TEXT
    )
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    content = client.get(reverse("followups:answer", args=[followup_of(structure).token]))
    content = content.content.decode()
    start = content.index("<legend>Votre satisfaction sur l")
    fieldset = content[content.rindex("<fieldset", 0, start) : content.index("</fieldset>", start)]
    assert fieldset.count('type="radio"') == 5
    assert "1 — pas du tout satisfait" in fieldset and "5 — très satisfait" in fieldset
    assert "(obligatoire)" not in fieldset


def test_an_answer_without_satisfaction_is_accepted(client, setup):
    structure = setup.structures[0]
    followup = followup_of(structure)
    sign_in(client, setup.person(structure))
    response = client.post(reverse("followups:answer", args=[followup.token]), answers(setup))
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.ANSWERED
    assert followup.answers["q_satisfaction"] == ""


def test_a_bad_value_is_refused_next_to_the_field_and_what_was_typed_is_kept(client, setup):
    structure = setup.structures[0]
    followup = followup_of(structure)
    sign_in(client, setup.person(structure))
    url = reverse("followups:answer", args=[followup.token])
    data = answers(setup, q_satisfaction="7", q_satisfaction_comment="Très à l'écoute, merci.")
    response = client.post(url, data)
    assert response.status_code == 400
    content = response.content.decode()
    message = "Choisissez une note de 1 (pas du tout satisfait) à 5 (très satisfait)."
    error_slot = content.index('id="id_q_satisfaction_error"')
    assert message in content[error_slot : error_slot + 300]
    assert 'href="#id_q_satisfaction' in content  # the error summary links to the field
    assert "Très à l&#x27;écoute, merci." in content
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.SENT
    assert followup.answers["q_satisfaction_comment"] == "Très à l'écoute, merci."
    response = client.post(url, answers(setup, q_satisfaction="4"))
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.answers["q_satisfaction"] == "4"


def test_results_show_the_average_and_the_officer_sees_each_answer(client, setup):
    for structure, mark in zip(setup.structures, ("5", "4", ""), strict=True):
        answer_submit(
            followup=followup_of(structure),
            answers={"q_satisfaction": mark, "q_satisfaction_comment": ""},
            by=setup.officer,
            by_officer=True,
        )
    sign_in(client, setup.officer)
    content = client.get(reverse("followups:cohort", args=[setup.cohort.pk])).content.decode()
    assert "Satisfaction envers le consultant (moyenne)" in content
    assert "4,5/5 (2 réponses)" in content  # the structure that did not say is left out
    first = followup_of(setup.structures[0])
    detail = client.get(reverse("followups:followup", args=[setup.cohort.pk, first.pk]))
    assert "5 — très satisfait" in detail.content.decode()


def test_labels():
    assert satisfaction_label([]) == "aucune réponse"
    assert satisfaction_label([4]) == "4,0/5 (1 réponse)"
    assert satisfaction_label([5, 4, 4]) == "4,3/5 (3 réponses)"


def test_a_followup_answered_before_the_question_shows_it_not_asked(client, setup):
    followup = followup_of(setup.structures[0])
    FollowUp.objects.filter(pk=followup.pk).update(
        status=FollowUpStatus.ANSWERED,
        answered_at=timezone.now(),
        answers={"q_stage": "", "q_form": "pooling", "q_jobs": "3", "q_fte": "2"},
    )
    sign_in(client, setup.officer)
    detail = client.get(reverse("followups:followup", args=[setup.cohort.pk, followup.pk]))
    assert detail.status_code == 200
    content = detail.content.decode()
    start = content.index("Votre satisfaction sur l")
    assert "<dd>Non demandé</dd>" in content[start : start + 300]
    page = client.get(reverse("followups:cohort", args=[setup.cohort.pk]))
    assert page.status_code == 200
    assert "aucune réponse" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_adds_the_questions_to_calls_that_had_theirs():
    setup = make_cohort(seed=43)
    untouched = open_call(slug="sans-suivi")  # no questionnaire yet: defaults on first use
    FollowUpQuestion.objects.bulk_create(
        [
            FollowUpQuestion(call=setup.call, position=i, code=row["code"], label=row["label"],
                             kind=row["kind"])
            for i, row in enumerate(DEFAULT_QUESTIONS)
            if not row["code"].startswith("satisfaction")
        ]
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate([("followups", "0002_followup_public_id")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    codes = list(FollowUpQuestion.objects.filter(call=setup.call).values_list("code", "position"))
    assert codes[-2:] == [("satisfaction", 8), ("satisfaction_comment", 9)]
    assert FollowUpQuestion.objects.get(call=setup.call, code="satisfaction").kind == "scale"
    assert not FollowUpQuestion.objects.filter(call=untouched).exists()
