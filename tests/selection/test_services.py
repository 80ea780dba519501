"""Screening, committee review, cohort decisions, letters and messages, through the services."""

from __future__ import annotations

import io
import threading
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from coopess.accounts.models import Role
from coopess.applications import services as application_services
from coopess.applications.choices import ApplicationStatus as S
from coopess.applications.models import (
    Application,
    ApplicationStructure,
    ApplicationTransition,
    Eligibility,
)
from coopess.applications.receipts import recipients_of
from coopess.selection import services
from coopess.selection.models import (
    Cohort,
    CohortMember,
    Decision,
    EligibilityOverride,
    LetterTemplate,
    Message,
    Outcome,
    ReviewerAssignment,
    Score,
    ScoringCriterion,
)
from tests.applications.helpers import complete_application, open_call
from tests.factories import make_user
from tests.selection.helpers import (
    full_marks,
    officer_of,
    quick_application,
    reviewer,
    scored,
    under_review,
)

pytestmark = pytest.mark.django_db

RULE_CODES = ["ess_status", "employer", "departement", "regional_scope", "cap", "documents"]


# --- Screening --------------------------------------------------------------------------------


def _submit(application, capture):
    with capture(execute=True):
        application_services.application_submit(application=application, by=application.created_by)
    application.refresh_from_db()
    return application


def test_submission_screens_the_application(call, django_capture_on_commit_callbacks):
    application = _submit(complete_application(call), django_capture_on_commit_callbacks)
    results = list(application.eligibility_results.all())
    assert [r.code for r in results] == RULE_CODES
    assert {r.outcome for r in results} == {Outcome.PASS}
    assert all(r.reason for r in results)
    assert application.eligibility == Eligibility.ELIGIBLE


def test_a_structure_outside_the_region_makes_the_application_ineligible(
    call, django_capture_on_commit_callbacks
):
    application = complete_application(call)
    ApplicationStructure.objects.filter(application=application, is_lead=True).update(
        departement="35", postal_code="35000", commune="Rennes"
    )
    application = _submit(application, django_capture_on_commit_callbacks)
    assert application.eligibility == Eligibility.INELIGIBLE
    result = application.eligibility_results.get(code="departement")
    assert result.outcome == Outcome.FAIL
    assert "hors des départements de l'appel : Ille-et-Vilaine (35)" in result.reason
    assert "Association fictive n° 1" in result.reason


@pytest.fixture
def ineligible(call):
    application = complete_application(call)
    ApplicationStructure.objects.filter(application=application).update(departement="35")
    application_services.application_submit(application=application, by=application.created_by)
    services.application_screen(application=application)
    application.refresh_from_db()
    assert application.eligibility == Eligibility.INELIGIBLE
    return application


def test_an_override_with_a_reason_is_logged_and_recomputes_eligibility(ineligible, officer):
    result = ineligible.eligibility_results.get(code="departement")
    services.eligibility_override(
        result=result, outcome=Outcome.PASS, reason=" Siège transféré à Nantes ", by=officer
    )
    result.refresh_from_db()
    assert (result.outcome, result.override_outcome) == (Outcome.FAIL, Outcome.PASS)
    assert result.override_reason == "Siège transféré à Nantes"
    assert result.overridden_by == officer
    log = EligibilityOverride.objects.get()
    assert (log.result, log.from_outcome, log.to_outcome, log.by) == (
        result,
        Outcome.FAIL,
        Outcome.PASS,
        officer,
    )
    assert log.reason == "Siège transféré à Nantes"
    ineligible.refresh_from_db()
    assert ineligible.eligibility == Eligibility.ELIGIBLE
    # screening again keeps the officer's correction
    services.application_screen(application=ineligible)
    ineligible.refresh_from_db()
    assert ineligible.eligibility == Eligibility.ELIGIBLE
    # a second correction back to « à vérifier » is logged too
    services.eligibility_override(
        result=result, outcome=Outcome.WARNING, reason="À confirmer", by=officer
    )
    assert EligibilityOverride.objects.count() == 2
    ineligible.refresh_from_db()
    assert ineligible.eligibility == Eligibility.TO_CHECK


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_refused(ineligible, officer, reason):
    result = ineligible.eligibility_results.get(code="departement")
    with pytest.raises(services.SelectionError) as error:
        services.eligibility_override(
            result=result, outcome=Outcome.PASS, reason=reason, by=officer
        )
    assert error.value.message.startswith("Écrivez le motif de la correction")
    assert not EligibilityOverride.objects.exists()
    result.refresh_from_db()
    assert result.override_outcome == ""
    ineligible.refresh_from_db()
    assert ineligible.eligibility == Eligibility.INELIGIBLE


# --- Committee --------------------------------------------------------------------------------


def test_assigning_a_reviewer_puts_a_submitted_application_under_review(call, officer):
    application = quick_application(call, 1, status=S.SUBMITTED)
    member = reviewer()
    assignment = services.reviewer_assign(application=application, reviewer=member, by=officer)
    assert (assignment.reviewer, assignment.assigned_by) == (member, officer)
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    log = application.transitions.get()
    assert (log.from_status, log.to_status, log.by) == (S.SUBMITTED, S.UNDER_REVIEW, officer)
    # assigning twice keeps one assignment
    services.reviewer_assign(application=application, reviewer=member, by=officer)
    assert ReviewerAssignment.objects.count() == 1


def test_only_committee_members_are_assigned(call, officer):
    application = quick_application(call, 1)
    stranger = make_user(Role.APPLICANT)
    with pytest.raises(services.SelectionError, match="n'est pas membre du comité"):
        services.reviewer_assign(application=application, reviewer=stranger, by=officer)
    assert not ReviewerAssignment.objects.exists()


@pytest.fixture
def assignment(call, officer):
    application = quick_application(call, 1)
    return services.reviewer_assign(application=application, reviewer=reviewer(), by=officer)


def _nothing_scored(assignment):
    assignment.refresh_from_db()
    assert assignment.submitted_at is None and assignment.weighted is None
    assert not Score.objects.exists()
    assert Application.objects.get(pk=assignment.application_id).average_score is None


def test_a_review_needs_the_conflict_declaration_first(call, assignment):
    with pytest.raises(services.SelectionError) as error:
        services.review_submit(assignment=assignment, scores=full_marks(call))
    assert error.value.message == "Déclarez d'abord l'absence de conflit d'intérêts."
    _nothing_scored(assignment)
    services.conflict_declare(assignment=assignment, has_conflict=False)
    services.review_submit(assignment=assignment, scores=full_marks(call))
    assignment.refresh_from_db()
    assert assignment.submitted_at is not None
    assert Score.objects.count() == call.criteria.count()


def test_a_reviewer_with_a_conflict_cannot_score(call, assignment):
    services.conflict_declare(assignment=assignment, has_conflict=True, note=" Administratrice ")
    assignment.refresh_from_db()
    assert assignment.conflict_note == "Administratrice"
    assert not assignment.can_see_application
    with pytest.raises(services.SelectionError, match="conflit d'intérêts"):
        services.review_submit(assignment=assignment, scores=full_marks(call))
    _nothing_scored(assignment)


def test_a_score_outside_the_scale_is_refused_and_nothing_is_stored(call, assignment):
    services.conflict_declare(assignment=assignment, has_conflict=False)
    criteria = list(call.criteria.all())
    marks = full_marks(call)
    marks[criteria[0].pk] = (6, "Excellent")
    with pytest.raises(services.SelectionError) as error:
        services.review_submit(assignment=assignment, scores=marks)
    assert error.value.message == f"« {criteria[0].label} » se note de 0 à 5."
    _nothing_scored(assignment)
    # a missing criterion too
    del marks[criteria[0].pk]
    with pytest.raises(services.SelectionError, match=f"Notez le critère « {criteria[0].label} »"):
        services.review_submit(assignment=assignment, scores=marks)
    _nothing_scored(assignment)


def _expected_on_20(values: list[int], criteria: list[ScoringCriterion]) -> Fraction:
    total = sum(c.weight for c in criteria)
    return (
        sum(Fraction(v, c.scale_max) * c.weight for v, c in zip(values, criteria, strict=True))
        / total
        * 20
    )


def test_the_weighted_score_and_the_average(call, officer):
    application = quick_application(call, 1)
    criteria = list(call.criteria.all())
    assert [c.weight for c in criteria] == [3, 2, 3, 2, 1]
    values = [5, 4, 3, 2, 1]
    # (5/5×3 + 4/5×2 + 3/5×3 + 2/5×2 + 1/5×1) / 11 × 20 = 13.4545…
    assert _expected_on_20(values, criteria) == Fraction(148, 11)
    first = scored(
        application,
        by=officer,
        marks={c.pk: (v, "") for c, v in zip(criteria, values, strict=True)},
    )
    assert first.weighted == Decimal("13.45")
    application.refresh_from_db()
    assert application.average_score == Decimal("13.45")
    # Σ value × weight = 35: 35 / 5 / 11 × 20 = 12.7272…
    second = scored(
        application,
        by=officer,
        marks={c.pk: (v, "") for c, v in zip(criteria, [5, 5, 3, 0, 1], strict=True)},
    )
    assert second.weighted == Decimal("12.73")
    application.refresh_from_db()
    assert application.average_score == Decimal("13.09")  # (13.45 + 12.73) / 2


def test_the_average_rounds_like_the_weighted_score(call, officer):
    application = quick_application(call, 1)
    criteria = list(call.criteria.all())
    scored(
        application,
        by=officer,
        marks={c.pk: (v, "") for c, v in zip(criteria, [5, 4, 3, 2, 1], strict=True)},
    )
    scored(application, by=officer, marks=full_marks(call, 3))  # 3/5 everywhere: 12.00
    application.refresh_from_db()
    assert application.average_score == Decimal("12.73")  # (13.45 + 12.00) / 2 = 12.725


def test_weighted_score_brings_each_scale_to_its_share_and_rounds_half_up():
    fine = ScoringCriterion(pk=1, label="Sur 16", weight=1, scale_max=16)
    coarse = ScoringCriterion(pk=2, label="Sur 4", weight=3, scale_max=4)
    # (1/16 × 1 + 0) / 4 × 20 = 0.3125 → 0.31 ; (16/16 + 4/4 × 3) / 4 × 20 = 20
    assert services.weighted_score({1: 1, 2: 0}, [fine, coarse]) == Decimal("0.31")
    assert services.weighted_score({1: 16, 2: 4}, [fine, coarse]) == Decimal("20.00")
    # exactly halfway: (1/16) / 2 × 20 = 0.625 → 0.63
    other = ScoringCriterion(pk=3, label="Sur 1", weight=1, scale_max=1)
    assert services.weighted_score({1: 1, 3: 0}, [fine, other]) == Decimal("0.63")


# --- Cohort -----------------------------------------------------------------------------------


def test_retaining_beyond_the_cap_is_refused_and_nothing_half_written(call, officer):
    assert call.max_structures == 5
    first = quick_application(call, 1, departements=("44", "49", "53"))
    second = quick_application(call, 2, departements=("72", "85", "44"))
    services.decision_record(application=first, outcome=S.SELECTED, by=officer)
    version = Application.objects.get(pk=second.pk).version
    with pytest.raises(services.SelectionError) as error:
        services.decision_record(application=second, outcome=S.SELECTED, by=officer)
    assert error.value.message == (
        "La cohorte compte déjà 3 structure(s) : retenir cette candidature (3 structure(s)) "
        "dépasserait le plafond de 5."
    )
    second.refresh_from_db()
    assert (second.status, second.version) == (S.UNDER_REVIEW, version)
    assert not Decision.objects.filter(application=second).exists()
    assert not CohortMember.objects.filter(application=second).exists()
    assert not second.transitions.exists()
    assert CohortMember.objects.get().application == first


def test_an_application_larger_than_the_cap_leaves_no_empty_cohort(call, officer):
    call.max_structures = 2
    call.save()
    application = quick_application(call, 1, departements=("44", "49", "53"))
    with pytest.raises(services.SelectionError, match="dépasserait le plafond de 2"):
        services.decision_record(application=application, outcome=S.SELECTED, by=officer)
    assert not Cohort.objects.exists()
    assert not Decision.objects.exists()


def test_the_second_officer_deciding_on_the_same_version_is_told_it_is_stale(call, officer):
    colleague = officer_of(call)
    application = quick_application(call, 1)
    version = application.version
    services.decision_record(
        application=application, outcome=S.SELECTED, by=officer, version=version
    )
    with pytest.raises(services.StaleApplication) as error:
        services.decision_record(
            application=application,
            outcome=S.REJECTED,
            by=colleague,
            reasons=["ranking"],
            version=version,
        )
    assert "Rien n'a été enregistré" in error.value.message
    application.refresh_from_db()
    assert application.status == S.SELECTED
    assert Decision.objects.get().decided_by == officer


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_the_same_instant_exactly_one_decision_wins():
    call = open_call()
    officers = [officer_of(call), officer_of(call)]
    application = quick_application(call, 1)
    version = application.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(officer, outcome):
        try:
            barrier.wait(timeout=10)
            services.decision_record(
                application=Application.objects.get(pk=application.pk),
                outcome=outcome,
                by=officer,
                reasons=["ranking"],
                version=version,
            )
            outcomes.append("won")
        except services.StaleApplication:
            outcomes.append("stale")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(officers[0], S.SELECTED)),
        threading.Thread(target=decide, args=(officers[1], S.REJECTED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["stale", "won"]
    decision = Decision.objects.get()
    application.refresh_from_db()
    assert application.status == decision.outcome
    assert application.version == version + 1
    assert ApplicationTransition.objects.filter(application=application).count() == 1
    assert CohortMember.objects.count() == (1 if decision.outcome == S.SELECTED else 0)


# --- Letters ----------------------------------------------------------------------------------


@pytest.fixture
def decided(call, officer):
    """Two applications under review with representatives: one retained, one not."""
    retained = under_review(call, by=officer, partners=1)
    refused = under_review(call, by=officer)
    services.decision_record(application=retained, outcome=S.SELECTED, by=officer)
    services.decision_record(
        application=refused,
        outcome=S.REJECTED,
        by=officer,
        reasons=["ranking", "maturity"],
        comment="Nous vous encourageons à candidater de nouveau.",
    )
    mail.outbox.clear()
    return retained, refused


def _letters():
    return [m for m in mail.outbox if "Nouveau message" not in m.subject]


def test_letters_are_sent_once_to_every_representative_with_the_pdf(
    call, officer, decided, django_capture_on_commit_callbacks
):
    retained, refused = decided
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = services.decisions_send(call=call, by=officer)
    assert count == 2
    # one letter task per pending decision, then one outbox delivery per email it queued
    letter_tasks = [c for c in callbacks if "decisions_send" in c.__qualname__]
    assert len(letter_tasks) == 2

    for application, outcome_text in (
        (retained, "est retenue pour l'accompagnement collectif"),
        (refused, "Elle n'est pas retenue pour"),
    ):
        decision = Decision.objects.get(application=application)
        assert decision.letter_sent_at is not None and decision.letter_pdf
        assert application.receipt_number in decision.letter_body
        emails = [
            m
            for m in _letters()
            if m.attachments and application.receipt_number in (m.attachments[0][0])
        ]
        addresses = [address for m in emails for address in m.to]
        assert sorted(addresses) == sorted(recipients_of(application))
        assert set(Counter(addresses).values()) == {1}
        for message in emails:
            name, _content, mimetype = message.attachments[0]
            assert (name, mimetype) == (
                f"decision-{application.receipt_number}.pdf",
                "application/pdf",
            )
            assert outcome_text in message.body
        text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(emails[0].attachments[0][1])).pages
        )
        flat = " ".join(text.split())
        assert application.receipt_number in flat
        assert outcome_text in flat.replace("’", "'")
        assert "récépissé" in flat and "Madame, Monsieur" in flat
        assert call.title in flat
        with decision.letter_pdf.open("rb") as stored:
            assert stored.read() == emails[0].attachments[0][1]

    refused_pdf = Decision.objects.get(application=refused).letter_body
    assert "classement du comité insuffisant" in refused_pdf
    assert "Nous vous encourageons à candidater de nouveau." in refused_pdf
    assert {a for m in _letters() for a in m.to} >= {"lea.1@example.org", "lea.10@example.org"}

    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.decisions_send(call=call, by=officer) == 0
    assert callbacks == []
    assert len(mail.outbox) == sent


def test_the_letter_task_sends_nothing_twice(
    call, officer, decided, django_capture_on_commit_callbacks
):
    from coopess.selection.tasks import send_decision_letter

    retained, _ = decided
    decision = Decision.objects.get(application=retained)
    with django_capture_on_commit_callbacks(execute=True):
        first = send_decision_letter.call(decision.pk)
    assert first == len(recipients_of(retained))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_decision_letter.call(decision.pk) == 0
    assert len(mail.outbox) == first


def test_a_letter_template_with_an_unknown_variable_is_refused():
    with pytest.raises(services.SelectionError) as error:
        services.check_letter_template("Bonjour {{ structure }}, voici {{ inconnu }}.")
    assert error.value.message.startswith("Variable(s) inconnue(s) dans le modèle : {{ inconnu }}.")
    assert "{{ structure }}" not in error.value.message.split(".")[0]
    with pytest.raises(services.SelectionError, match="mal formé"):
        services.check_letter_template("Bonjour {% if structure %}")
    services.check_letter_template(services.DEFAULT_LETTERS[S.REJECTED]["body"])


@pytest.mark.parametrize(
    "text", ["{% if inconnu %}Bravo{% endif %}", "{{ precisions|default:inconnu }}"]
)
def test_an_unknown_variable_inside_a_tag_or_a_filter_is_refused(text):
    with pytest.raises(services.SelectionError, match=r"\{\{ inconnu \}\}"):
        services.check_letter_template(text)


def test_one_bad_template_stops_every_letter(
    call, officer, decided, django_capture_on_commit_callbacks
):
    LetterTemplate.objects.create(
        call=call,
        outcome=S.SELECTED,
        subject="Candidature retenue",
        body="Bonjour {{ structure }}, {{ inconnu }}",
    )
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.SelectionError, match=r"\{\{ inconnu \}\}"),
    ):
        services.decisions_send(call=call, by=officer)
    assert callbacks == []
    assert mail.outbox == []
    assert not Decision.objects.filter(letter_sent_at__isnull=False).exists()
    assert not any(d.letter_pdf for d in Decision.objects.all())


# --- Messages ---------------------------------------------------------------------------------


def test_a_message_from_the_dla_emails_each_representative_a_link(
    call, officer, django_capture_on_commit_callbacks
):
    application = under_review(call, by=officer, partners=1)
    attachment = application.attachments.filter(is_receipt=False).first()
    with attachment.file.open("rb") as handle:
        document = handle.read()
    mail.outbox.clear()
    body = "Pouvez-vous préciser le calendrier ? Voir vos statuts."
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_post(
            application=application, author=officer, body=f"  {body}\n", from_dla=True
        )
    assert Message.objects.get() == message
    assert (message.body, message.from_dla, message.author) == (body, True, officer)
    link = settings.COOPESS_BASE_URL + reverse("applications:detail", args=[application.public_id])
    addresses = [address for m in mail.outbox for address in m.to]
    assert sorted(addresses) == sorted(recipients_of(application))
    assert len(addresses) >= 4
    for email in mail.outbox:
        assert len(email.to) == 1
        assert application.receipt_number in email.subject
        assert link in email.body
        assert email.attachments == []
        assert document.decode("latin-1") not in email.body
        assert attachment.original_name not in email.body


def test_a_message_from_a_representative_emails_the_officers(
    call, officer, django_capture_on_commit_callbacks
):
    application = under_review(call, by=officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(
            application=application,
            author=application.created_by,
            body="Voici nos précisions.",
            from_dla=False,
        )
    [email] = mail.outbox
    assert email.to == [officer.email]
    assert reverse("selection:application", args=[application.public_id]) in email.body


def test_an_empty_message_is_refused(call, officer):
    application = quick_application(call, 1)
    with pytest.raises(services.SelectionError, match="Le message est vide"):
        services.message_post(application=application, author=officer, body="  ", from_dla=True)
    assert not Message.objects.exists()
