"""The synthesis workflow through its services: the transition table tested exhaustively, reviews,
validation (frozen PDF, cohort to support), circulation emails, concurrency."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from coopess.diagnostic.models import (
    ReviewVerdict,
    SectionComment,
    SynthesisReview,
    SynthesisStatus,
    SynthesisTransition,
    SynthesisVersion,
)
from coopess.diagnostic.permissions import structure_recipients
from coopess.diagnostic.services import synthesis as services
from coopess.selection.models import CohortStatus, CohortTransition
from tests.diagnostic.test_synthesis_helpers import approve, circulating, full_cohort

S = SynthesisStatus


def version_in(setup, state: str) -> SynthesisVersion:
    """A version in ``state``; a circulating one already approved by every structure (so that
    validation is allowed by the approvals and only the table decides)."""
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    fields = {"status": state}
    if state == S.VALIDATED:
        fields.update(validated_at=timezone.now(), pdf_sha256="0" * 64)
    SynthesisVersion.objects.filter(pk=version.pk).update(**fields)
    if state == S.CIRCULATING:
        for structure in setup.structures:
            SynthesisReview.objects.create(
                version=version, structure=structure, verdict=ReviewVerdict.APPROVED
            )
    version.refresh_from_db()
    return version


ACTIONS = {
    "circulate": (S.CIRCULATING, lambda v, by: services.synthesis_circulate(version=v, by=by)),
    "supersede": (S.SUPERSEDED, lambda v, by: services.synthesis_supersede(version=v, by=by)),
    "validate": (S.VALIDATED, lambda v, by: services.synthesis_validate(version=v, by=by)),
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_state_and_transition(state, action):
    setup = full_cohort(applications=(1, 1), with_data=False)
    version = version_in(setup, state)
    target, run = ACTIONS[action]
    logs = SynthesisTransition.objects.filter(version=version).count()
    allowed = target in services.SYNTHESIS_TRANSITIONS[state]
    assert allowed == (
        (state, target)
        in {
            (S.DRAFT, S.CIRCULATING),
            (S.CIRCULATING, S.SUPERSEDED),
            (S.CIRCULATING, S.VALIDATED),
        }
    )
    if allowed:
        run(version, setup.officer)
        version.refresh_from_db()
        assert version.status == target
        log = SynthesisTransition.objects.filter(version=version).last()
        assert (log.from_status, log.to_status, log.by) == (state, target, setup.officer)
    else:
        with pytest.raises(services.SynthesisTransitionRefused) as error:
            run(version, setup.officer)
        assert "ne peut pas passer" in error.value.message
        version.refresh_from_db()
        assert version.status == state
        assert SynthesisTransition.objects.filter(version=version).count() == logs
        setup.cohort.refresh_from_db()
        assert setup.cohort.status == CohortStatus.DIAGNOSTIC


@pytest.mark.django_db
@pytest.mark.parametrize("state", [S.DRAFT, S.SUPERSEDED, S.VALIDATED])
def test_a_structure_reviews_only_a_circulating_version(state):
    setup = full_cohort(applications=(1, 1), with_data=False)
    version = version_in(setup, state)
    with pytest.raises(services.ReviewRefused) as error:
        approve(setup, version, setup.structures[0])
    words = {
        S.DRAFT: "pas encore été diffusée",
        S.SUPERSEDED: "remplacée",
        S.VALIDATED: "déjà validée",
    }
    assert words[state] in error.value.message
    assert not SynthesisReview.objects.filter(version=version).exists()


@pytest.mark.django_db
def test_first_version_is_a_draft_with_prepared_sections_and_a_log():
    setup = full_cohort()
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    assert (version.number, version.status) == (1, S.DRAFT)
    assert version.sections.count() == 7
    assert version.transitions.get().to_status == S.DRAFT
    with pytest.raises(services.SynthesisError):
        services.synthesis_create(cohort=setup.cohort, by=setup.officer)


@pytest.mark.django_db
def test_no_synthesis_outside_the_diagnostic():
    setup = full_cohort(with_data=False)
    setup.cohort.status = CohortStatus.FORMING
    setup.cohort.save()
    with pytest.raises(services.SynthesisError) as error:
        services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    assert "pendant le diagnostic" in error.value.message


@pytest.mark.django_db
def test_sections_change_only_in_a_draft():
    setup = full_cohort(with_data=False)
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    section = version.sections.first()
    services.synthesis_section_update(
        section=section, by=setup.officer, title="Titre", body="Texte"
    )
    section.refresh_from_db()
    assert (section.title, section.body) == ("Titre", "Texte\n")
    services.synthesis_section_prepare(section=section, by=setup.officer)
    section.refresh_from_db()
    assert "Entretien pas encore réservé" in section.body
    services.synthesis_circulate(version=version, by=setup.officer)
    with pytest.raises(services.SynthesisError) as error:
        services.synthesis_section_update(section=section, by=setup.officer, title="X", body="Y")
    assert "nouvelle version" in error.value.message
    section.refresh_from_db()
    assert section.title == "Titre"


@pytest.mark.django_db
def test_circulating_emails_every_recipient_of_every_structure(django_capture_on_commit_callbacks):
    setup = full_cohort(with_data=False)
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.synthesis_circulate(version=version, by=setup.officer)
    version.refresh_from_db()
    assert version.status == S.CIRCULATING and version.circulated_at is not None
    expected = {
        (email, structure.pk)
        for structure in setup.structures
        for email in structure_recipients(structure)
    }
    sent = set()
    for message in mail.outbox:
        structure = next(
            s for s in setup.structures if f"/diagnostic/structures/{s.pk}/" in message.body
        )
        sent.add((message.to[0], structure.pk))
        assert "version 1" in message.subject
    assert sent == expected
    assert len(mail.outbox) == len(expected)


@pytest.mark.django_db
def test_changes_need_a_comment_and_keep_section_comments():
    setup = full_cohort(with_data=False)
    version = circulating(setup)
    structure = setup.structures[0]
    with pytest.raises(services.ReviewRefused):
        services.synthesis_review(
            version=version, structure=structure, by=setup.person(structure), verdict="changes"
        )
    section = version.sections.get(key="workshop")
    review = services.synthesis_review(
        version=version,
        structure=structure,
        by=setup.person(structure),
        verdict="changes",
        section_comments={section.pk: "Ajouter la date de l'atelier."},
    )
    assert review.comments.get().section == section
    # a section of another version is refused
    other = full_cohort(with_data=False, call=setup.call, seed=2)
    foreign = services.synthesis_create(cohort=other.cohort, by=other.officer).sections.first()
    with pytest.raises(services.ReviewRefused):
        services.synthesis_review(
            version=version,
            structure=structure,
            by=setup.person(structure),
            verdict="changes",
            section_comments={foreign.pk: "x"},
        )
    # a structure of another cohort is refused
    with pytest.raises(services.ReviewRefused) as error:
        approve(other, version, other.structures[0])
    assert "ne fait pas partie de la cohorte" in error.value.message


@pytest.mark.django_db
def test_new_version_supersedes_and_keeps_the_comments():
    setup = full_cohort(with_data=False)
    first = circulating(setup)
    section = first.sections.get(key="context")
    structure = setup.structures[1]
    services.synthesis_review(
        version=first,
        structure=structure,
        by=setup.person(structure),
        verdict="changes",
        comment="Notre effectif est de 12 salariés.",
        section_comments={section.pk: "Corriger l'effectif."},
    )
    with pytest.raises(services.SynthesisError):
        services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    second = services.synthesis_new_version(
        cohort=setup.cohort, by=setup.officer, comment="Effectif"
    )
    first.refresh_from_db()
    assert first.status == S.SUPERSEDED
    assert (second.number, second.status) == (2, S.DRAFT)
    assert [(s.key, s.body) for s in second.sections.all()] == [
        (s.key, s.body) for s in first.sections.all()
    ]
    assert SectionComment.objects.get(review__version=first).body == "Corriger l'effectif."
    # only one draft at a time
    with pytest.raises(services.SynthesisError) as error:
        services.synthesis_new_version(cohort=setup.cohort, by=setup.officer)
    assert "brouillon" in error.value.message
    # the structure cannot answer the superseded version any more
    with pytest.raises(services.ReviewRefused) as error:
        approve(setup, first, structure)
    assert "remplacée" in error.value.message


@pytest.mark.django_db
def test_validation_needs_every_structure_on_the_same_version(django_capture_on_commit_callbacks):
    setup = full_cohort(applications=(2, 1))
    a, b, c = setup.structures
    first = circulating(setup)
    approve(setup, first, a)
    approve(setup, first, b)
    services.synthesis_review(
        version=first, structure=c, by=setup.person(c), verdict="changes", comment="Précisez."
    )
    second = services.synthesis_new_version(cohort=setup.cohort, by=setup.officer)
    services.synthesis_circulate(version=second, by=setup.officer)
    approve(setup, second, c)
    approve(setup, second, a)
    second.refresh_from_db()
    assert second.status == S.CIRCULATING  # b approved version 1 only
    # a structure may change its answer while the version circulates
    services.synthesis_review(
        version=second, structure=a, by=setup.person(a), verdict="changes", comment="Attendez."
    )
    approve(setup, second, b)
    second.refresh_from_db()
    assert second.status == S.CIRCULATING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve(setup, second, a)
    second.refresh_from_db()
    assert second.status == S.VALIDATED and second.validated_at is not None
    with second.pdf.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == second.pdf_sha256
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.SUPPORT
    assert CohortTransition.objects.get(
        cohort=setup.cohort, to_status="support"
    ).by == setup.person(a)
    assert [m.subject for m in mail.outbox] == [
        f"[CoopESS] Synthèse validée par toutes les structures — {setup.cohort.name}"
    ]
    assert mail.outbox[0].to == [setup.officer.email]
    # the validated version is frozen: no answer, no new version
    with pytest.raises(services.ReviewRefused):
        approve(setup, second, b)
    with pytest.raises(services.SynthesisError):
        services.synthesis_new_version(cohort=setup.cohort, by=setup.officer)


@pytest.mark.django_db(transaction=True)
def test_two_last_approvals_at_once_validate_exactly_once():
    setup = full_cohort(applications=(1, 1, 1), with_data=False)
    a, b, c = setup.structures
    version = circulating(setup)
    approve(setup, version, a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def last(structure):
        try:
            barrier.wait(timeout=10)
            approve(setup, SynthesisVersion.objects.get(pk=version.pk), structure)
            outcomes.append("ok")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=last, args=(s,)) for s in (b, c)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["ok", "ok"]
    version.refresh_from_db()
    assert version.status == S.VALIDATED
    assert SynthesisTransition.objects.filter(version=version, to_status=S.VALIDATED).count() == 1
    assert CohortTransition.objects.filter(cohort=setup.cohort, to_status="support").count() == 1
    assert SynthesisReview.objects.filter(version=version, verdict="approved").count() == 3


@pytest.mark.django_db
def test_a_change_request_is_emailed_to_the_officers(django_capture_on_commit_callbacks):
    setup = full_cohort(applications=(1, 1), with_data=False)
    version = circulating(setup)
    structure = setup.structures[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.synthesis_review(
            version=version,
            structure=structure,
            by=setup.person(structure),
            verdict="changes",
            comment="Le calendrier est trop serré.",
        )
    (message,) = mail.outbox
    assert message.to == [setup.officer.email]
    assert f"{structure} demande des modifications" in message.subject
    assert "Le calendrier est trop serré." in message.body
    assert f"/diagnostic/cohortes/{setup.cohort.pk}/synthese/" in message.body
