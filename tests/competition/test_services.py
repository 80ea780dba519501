"""The consultation's state machine, its database invariants and the choice that creates the
engagement."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from coopess.common.models import OutgoingEmail
from coopess.competition.models import ConsultationStatus, Proposal
from coopess.competition.services import CompetitionError
from coopess.competition.services import consultation as services
from coopess.competition.services import proposals as proposal_services
from coopess.support.models import Engagement
from tests.competition.helpers import make_consultation, send, submit
from tests.diagnostic.helpers import make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(seed=3)


def test_create_prefills_from_action_plan(setup):
    from coopess.diagnostic.models import ActionItem

    ActionItem.objects.create(cohort=setup.cohort, action="Mutualiser la comptabilité")
    consultation = make_consultation(setup)
    assert "- Mutualiser la comptabilité" in consultation.objectives
    assert consultation.status == ConsultationStatus.DRAFT
    assert [c["weight"] for c in consultation.criteria] == [40, 30, 30]


def test_update_makes_a_new_version(setup):
    consultation = make_consultation(setup)
    services.consultation_update(consultation=consultation, by=setup.officer, contact="DLA")
    assert consultation.version == 2


def test_fewer_providers_than_required_need_a_reason(setup):
    consultation = make_consultation(setup, providers=2)
    with pytest.raises(CompetitionError) as error:
        send(setup, consultation)
    assert error.value.field == "fewer_reason"
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.DRAFT
    send(setup, consultation, fewer_reason="Deux cabinets seulement couvrent la Mayenne.")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CONSULTING
    log = consultation.transitions.get()
    assert "Mayenne" in log.comment and log.by == setup.officer


def test_send_emails_each_provider_its_link(setup):
    consultation = send(setup, make_consultation(setup))
    tokens = [c.token for c in consultation.consulted.all()]
    emails = OutgoingEmail.objects.filter(subject__startswith="Consultation")
    assert emails.count() == 3
    assert all(c.invited_at for c in consultation.consulted.all())
    assert len(set(tokens)) == 3


def test_proposal_refused_after_deadline_draft_kept(setup):
    consultation = send(setup, make_consultation(setup, days=2))
    consulted = consultation.consulted.first()
    with time_machine.travel(consultation.deadline, tick=False):
        proposal_services.proposal_save(consulted=consulted, method="Ma méthode")
        with pytest.raises(CompetitionError):
            proposal_services.proposal_submit(consulted=consulted)
    proposal = Proposal.objects.get(consulted=consulted)
    assert proposal.method == "Ma méthode" and proposal.submitted_at is None


def test_proposal_one_minute_before_deadline_accepted_with_receipt(setup):
    consultation = send(setup, make_consultation(setup, days=2))
    consulted = consultation.consulted.first()
    with time_machine.travel(consultation.deadline - dt.timedelta(minutes=1), tick=False):
        proposal = submit(consulted)
    assert proposal.submitted_at is not None
    assert OutgoingEmail.objects.filter(subject__startswith="Accusé").count() == 1


def test_database_refuses_a_late_submission(setup):
    consultation = send(setup, make_consultation(setup))
    proposal = proposal_services.proposal_for(consultation.consulted.first())
    proposal.submitted_at = proposal.deadline + dt.timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.save()


def _closed_with_proposals(setup, prices=("1000", "1100", "1500"), ceiling="5000"):
    consultation = send(setup, make_consultation(setup, ceiling=ceiling))
    proposals = [
        submit(c, price=p) for c, p in zip(consultation.consulted.all(), prices, strict=False)
    ]
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    return consultation, proposals


def test_close_refused_before_deadline(setup):
    consultation = send(setup, make_consultation(setup))
    with pytest.raises(CompetitionError):
        services.consultation_close(consultation=consultation, by=setup.officer)


def test_choice_creates_the_engagement_from_the_proposal(setup):
    consultation, proposals = _closed_with_proposals(setup)
    engagement = services.proposal_choose(
        proposal=proposals[1],
        by=setup.officer,
        justification="Meilleure méthode.",
    )
    engagement = Engagement.objects.get(cohort=setup.cohort)
    assert engagement.budget == Decimal("4400.00")
    assert engagement.planned_half_days == 4
    assert engagement.firm.name == proposals[1].consulted.provider.name
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CHOSEN
    assert consultation.transitions.order_by("pk").last().comment == "Meilleure méthode."


def test_choice_without_justification_refused(setup):
    _consultation, proposals = _closed_with_proposals(setup)
    with pytest.raises(CompetitionError):
        services.proposal_choose(
            proposal=proposals[0],
            by=setup.officer,
            justification=" ",
        )


def test_over_ceiling_needs_a_derogation(setup):
    consultation, proposals = _closed_with_proposals(setup, ceiling="4200")
    kwargs = {"by": setup.officer, "justification": "Seul à couvrir le besoin."}
    with pytest.raises(CompetitionError) as error:
        services.proposal_choose(proposal=proposals[2], **kwargs)
    assert error.value.field == "derogation"
    services.proposal_choose(proposal=proposals[2], derogation="Accord du financeur.", **kwargs)
    assert "Dérogation" in consultation.transitions.order_by("pk").last().comment


def test_database_refuses_two_chosen_and_over_ceiling(setup):
    _consultation, proposals = _closed_with_proposals(setup, ceiling="4200")
    Proposal.objects.filter(pk=proposals[0].pk).update(chosen=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposals[1].pk).update(chosen=True)
    Proposal.objects.filter(pk=proposals[0].pk).update(chosen=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposals[2].pk).update(chosen=True)


def test_letters_sent_once_with_marks(setup):
    consultation, proposals = _closed_with_proposals(setup)
    proposal_services.score_save(
        proposal=proposals[0],
        by=setup.officer,
        marks={"method": Decimal(16), "experience": Decimal(12), "price": Decimal(18)},
        no_conflict=True,
    )
    services.proposal_choose(
        proposal=proposals[0],
        by=setup.officer,
        justification="Meilleur rapport qualité-prix.",
    )
    assert services.letters_send(consultation=consultation, by=setup.officer) == 3
    letters = OutgoingEmail.objects.filter(subject="Résultat de la consultation")
    assert letters.count() == 3
    with pytest.raises(CompetitionError):
        services.letters_send(consultation=consultation, by=setup.officer)
    assert proposal_services.average_marks(proposals[0], consultation.criteria) == 15.4


def test_score_needs_conflict_declaration(setup):
    _consultation, proposals = _closed_with_proposals(setup)
    with pytest.raises(CompetitionError) as error:
        proposal_services.score_save(
            proposal=proposals[0], by=setup.officer, marks={}, no_conflict=False
        )
    assert error.value.field == "no_conflict"


def test_abandon_needs_reason_and_is_logged(setup):
    consultation = make_consultation(setup)
    with pytest.raises(CompetitionError):
        services.consultation_abandon(consultation=consultation, by=setup.officer, reason="")
    consultation = services.consultation_abandon(
        consultation=consultation, by=setup.officer, reason="Cohorte dissoute."
    )
    assert consultation.status == ConsultationStatus.ABANDONED
    with pytest.raises(CompetitionError):
        services.consultation_abandon(consultation=consultation, by=setup.officer, reason="x")


def test_question_answer_published(setup):
    consultation = send(setup, make_consultation(setup))
    question = proposal_services.question_ask(
        consulted=consultation.consulted.first(), text="Le distanciel est-il possible ?"
    )
    proposal_services.question_answer(question=question, by=setup.officer, answer="Oui.")
    assert question.answered_at is not None
    assert timezone.now() >= question.asked_at


def test_confidential_synthesis_sections_stay_unless_kept(setup):
    from coopess.diagnostic.models import SynthesisSection, SynthesisVersion

    version = SynthesisVersion.objects.create(
        cohort=setup.cohort,
        number=1,
        status="validated",
        created_by=setup.officer,
        validated_at=timezone.now(),
        pdf_sha256="0" * 64,
    )
    for position, (key, body) in enumerate(
        [("context", "Secret de la structure A"), ("support", "Travailler la gouvernance")]
    ):
        SynthesisSection.objects.create(
            version=version, position=position, key=key, title=key, body=body
        )
    assert "Secret" not in services.prefill(setup.cohort)["context"]
    assert "Travailler la gouvernance" in services.prefill(setup.cohort)["context"]
    kept = services.prefill(setup.cohort, keep=frozenset({"context"}))
    assert "Secret de la structure A" in kept["context"]
