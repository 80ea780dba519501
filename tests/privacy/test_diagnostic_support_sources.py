"""The diagnostic partagé and the collective support declare their personal data: retention
scrubs it (names, addresses, free texts, files) and keeps what indicators need, erasure removes
one person's traces, the download of one's data shows the person's structure and nothing of
another, the cohort's last activity counts for retention."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coopess.applications.models import Application, ApplicationStructure, Representative
from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import (
    ActionItem,
    Interview,
    InterviewNote,
    Mode,
    SectionComment,
    SelfDiagnostic,
    SynthesisReview,
    SynthesisSection,
    SynthesisStatus,
    SynthesisVersion,
    Workshop,
)
from coopess.diagnostic.privacy import REDACTED, last_diagnostic_activity
from coopess.diagnostic.services import synthesis as synthesis_services
from coopess.privacy.models import AnonymisationRule
from coopess.privacy.registry import sources
from coopess.privacy.retention import cohort_last_activity, retention_of, with_retention_dates
from coopess.privacy.services import application_anonymise, person_data, retention_apply
from coopess.selection import services as selection_services
from coopess.selection.models import CohortStatus
from coopess.support.models import (
    Attendance,
    Deliverable,
    Engagement,
    Referral,
    Session,
    SupportActor,
)
from coopess.support.privacy import last_support_activity
from coopess.support.services import referrals as referral_services
from coopess.support.services import sessions as session_services
from tests.common.upload_samples import pdf
from tests.diagnostic.test_synthesis_helpers import answer, full_cohort, held_interview
from tests.privacy.helpers import found, snapshot
from tests.support.helpers import departmental_dla, held, make_support, plan

pytestmark = pytest.mark.django_db

SEED = 9


def needles(i: int) -> list[str]:
    """What names structure ``i`` (1-based) and its people, or what it wrote."""
    return [
        f"Coop Zéphyr {i}",
        f"Fictif{SEED}{i}",
        f"léa.{SEED}.{i}@example.org",
        f"marc.{SEED}.{i}@example.org",
        f"Secret-DS-{i}",
    ]


COHORT_NEEDLES = ["Secret-DS-C", "Paul Témoin"]


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf(), content_type="application/pdf")


def build() -> dict:
    """A cohort of two applications (2 + 1 structures) through its whole diagnostic and
    support, every free text carrying a marker, then closed."""
    setup = full_cohort(applications=(2, 1), seed=SEED)
    officer = setup.officer
    first, second, third = setup.structures
    for i, structure in enumerate(setup.structures, start=1):
        ApplicationStructure.objects.filter(pk=structure.pk).update(name=f"Coop Zéphyr {i}")
        structure.refresh_from_db()
    person = setup.person(first)
    # the person is also the first declared representative of their structure
    Representative.objects.filter(structure=first, position=1).update(email=person.email)

    # interviews: the first one comes from full_cohort; the others, an unbooked slot
    first_interview = Interview.objects.get(structure=first)
    Interview.objects.filter(pk=first_interview.pk).update(
        private_notes="Secret-DS-1 : note privée sur Léa Fictif91",
        other_attendees="Jeanne Secret-DS-1",
        address="",
    )
    first_interview.attended.set(first.representatives.all())
    InterviewNote.objects.filter(interview=first_interview).update(
        text="Secret-DS-1 : sécuriser la paie, dit Léa Fictif91"
    )
    second_interview = held_interview(
        setup, second, {"Attentes de la structure": "Secret-DS-2 : mutualiser la comptabilité"}
    )
    Interview.objects.filter(pk=second_interview.pk).update(private_notes="Secret-DS-2 privé")
    second_interview.attended.set(second.representatives.filter(position=1))
    held_interview(setup, third, {"Attentes de la structure": "Secret-DS-3 : un local"})
    start = timezone.now() + dt.timedelta(days=30)
    Interview.objects.create(
        cohort=setup.cohort,
        officer=officer,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        mode=Mode.IN_PERSON,
        address="Secret-DS-C, salle du fond",
    )
    # self-diagnostics (the first two from full_cohort)
    SelfDiagnostic.objects.filter(structure=first).update(
        answers={
            **SelfDiagnostic.objects.get(structure=first).answers,
            "synth_fears": "Secret-DS-1 : perdre notre identité",
        },
        updated_by=person,
    )
    SelfDiagnostic.objects.filter(structure=second).update(
        answers={
            **SelfDiagnostic.objects.get(structure=second).answers,
            "synth_fears": "Secret-DS-2 : le calendrier",
        }
    )
    answer(setup, third, domains={"hr": "none", "it": "need"}, fears="Secret-DS-3 : la gouvernance")
    # workshop and action plan
    Workshop.objects.filter(cohort=setup.cohort).update(
        agenda="Secret-DS-C : ordre du jour",
        stakes="Secret-DS-C : enjeux de Coop Zéphyr 1",
        decisions="Secret-DS-C : Léa Fictif91 pilote",
    )
    ActionItem.objects.filter(cohort=setup.cohort).update(
        action="Secret-DS-C : comparer les coûts de paie", owner="Léa Fictif91"
    )

    # synthesis: changes asked on version 1, version 2 approved by everyone (validated, PDF)
    version = synthesis_services.synthesis_create(cohort=setup.cohort, by=officer)
    SynthesisSection.objects.filter(version=version).update(body="Secret-DS-C : texte commun")
    version = synthesis_services.synthesis_circulate(version=version, by=officer)
    section = version.sections.first()
    synthesis_services.synthesis_review(
        version=version,
        structure=first,
        by=person,
        verdict="changes",
        comment="Secret-DS-1 : revoir le contexte",
        section_comments={section.pk: "Secret-DS-1 : préciser la paie"},
    )
    synthesis_services.synthesis_review(
        version=version,
        structure=second,
        by=setup.person(second),
        verdict="changes",
        comment="Secret-DS-2 : revoir les formes",
    )
    version = synthesis_services.synthesis_new_version(
        cohort=setup.cohort, by=officer, comment="Secret-DS-C : nouvelle version"
    )
    version = synthesis_services.synthesis_circulate(version=version, by=officer)
    for i, structure in enumerate(setup.structures, start=1):
        synthesis_services.synthesis_review(
            version=version,
            structure=structure,
            by=setup.person(structure),
            verdict="approved",
            comment=f"Secret-DS-{i} : d'accord",
        )
    version.refresh_from_db()
    assert version.status == SynthesisStatus.VALIDATED and version.pdf
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.SUPPORT

    # the collective support
    support = make_support(setup)
    Engagement.objects.filter(pk=support.engagement.pk).update(
        brief="Secret-DS-C : accompagner Coop Zéphyr 2"
    )
    consultant = support.consultant
    collective = plan(support, title="Secret-DS-C : séance collective", day=dt.date(2030, 9, 10))
    collective = held(collective, by=consultant, report="Secret-DS-C : compte rendu collectif")
    Session.objects.filter(pk=collective.pk).update(other_attendees="Paul Témoin")
    absent = second.representatives.get(position=2)
    individual = plan(
        support,
        structure=second,
        title="Secret-DS-2 : séance individuelle",
        day=dt.date(2030, 9, 11),
    )
    individual = held(
        individual,
        by=consultant,
        present={second.representatives.get(position=1).pk},
        report="Secret-DS-2 : compte rendu individuel",
    )
    cancelled = plan(support, title="Séance annulée", day=dt.date(2030, 9, 12))
    session_services.session_cancel(
        session=cancelled, by=officer, reason="Secret-DS-C : le consultant est malade"
    )
    upcoming = plan(
        support,
        title="Secret-DS-C : séance à venir",
        day=dt.date(2030, 10, 1),
        mode="remote",
        address="",
        link="https://visio.example.org/secret-ds-c",
    )
    deliverables = [
        session_services.deliverable_add(
            session=collective,
            upload=_upload("carte.pdf"),
            title="Secret-DS-C carte",
            by=consultant,
        ),
        session_services.deliverable_add(
            session=individual, upload=_upload("plan.pdf"), title="Secret-DS-2 plan", by=consultant
        ),
    ]
    actor = departmental_dla(setup.call.operator, first.departement or "44")
    directory_contact = SupportActor.objects.create(
        operator=setup.call.operator,
        name="Réseau fictif des coopératives",
        contact_name="Contact Annuaire",
        email=person.email.upper(),
        phone="02 99 99 99 99",
    )
    first_referral = referral_services.referral_create(
        cohort=setup.cohort,
        structure=first,
        actor=actor,
        by=officer,
        need="Secret-DS-1 : structurer la paie",
        comment="Secret-DS-1 : proposé en séance",
    )
    referral_services.referral_move(
        referral=first_referral, to="contacted", by=officer, comment="Secret-DS-1 : appelé"
    )
    referral_services.referral_create(
        cohort=setup.cohort,
        structure=third,
        actor=directory_contact,
        by=setup.person(third),
        need="Secret-DS-3 : un local partagé",
        requested_by_structure=True,
    )
    # the end of the support
    for step in (CohortStatus.FOLLOW_UP, CohortStatus.CLOSED):
        selection_services.cohort_transition(cohort=setup.cohort, to=step, by=officer)
    setup.cohort.refresh_from_db()
    return {
        "setup": setup,
        "person": person,
        "first": first,
        "second": second,
        "third": third,
        "absent": absent,
        "upcoming": upcoming,
        "version": version,
        "files": [version.pdf.name, *(d.file.name for d in deliverables)],
        "directory_contact": directory_contact,
    }


@pytest.fixture
def world():
    return build()


def rows(queryset, *fields) -> list[str]:
    return sorted(map(repr, queryset.values_list(*fields)))


def indicators() -> dict:
    """What the DLA's reports count in the diagnostic and the support: it must not move."""
    return {
        "interviews": rows(
            Interview.objects, "structure_id", "status", "mode", "starts_at", "held_at", "booked_at"
        ),
        "attended": rows(Interview.attended.through.objects, "interview_id", "representative_id"),
        "notes": InterviewNote.objects.count(),
        "selfdiag": sorted(
            repr((row.structure_id, row.submitted_at, row.answers.get("synth_domains")))
            for row in SelfDiagnostic.objects.all()
        ),
        "workshops": rows(Workshop.objects, "status", "starts_at", "mode"),
        "actions": rows(ActionItem.objects, "status", "due_date", "support_step_id"),
        "action_structures": ActionItem.structures.through.objects.count(),
        "syntheses": rows(
            SynthesisVersion.objects, "number", "status", "validated_at", "pdf_sha256"
        ),
        "sections": rows(SynthesisSection.objects, "version_id", "key", "title"),
        "reviews": rows(SynthesisReview.objects, "verdict", "structure_id", "at"),
        "section_comments": SectionComment.objects.count(),
        "engagements": rows(
            Engagement.objects, "planned_half_days", "budget", "starts_on", "ends_on"
        ),
        "consultants": Engagement.consultants.through.objects.count(),
        "sessions": rows(
            Session.objects,
            "kind",
            "half_day",
            "status",
            "starts_at",
            "held_at",
            "mode",
            "structure_id",
        ),
        "attendance": rows(Attendance.objects, "session_id", "representative_id", "present"),
        "deliverables": rows(Deliverable.objects, "session_id", "kind", "size", "sha256"),
        "referrals": rows(
            Referral.objects,
            "structure_id",
            "actor_id",
            "status",
            "requested_by_structure",
            "created_at",
        ),
    }


def diagnostic_support_rows(strings: list[str]) -> list[tuple[str, str, str]]:
    return [row for row in found(strings) if row[0].split(".")[0] in {"diagnostic", "support"}]


def test_the_sources_run_before_the_applications_forget_the_names():
    names = [source.name for source in sources()]
    assert names.index("diagnostic") < names.index("candidatures")
    assert names.index("accompagnement") < names.index("candidatures")


def test_the_cohort_s_last_activity_sets_the_retention_date(world):
    cohort = world["setup"].cohort
    upcoming = world["upcoming"]
    assert last_support_activity(cohort) == upcoming.starts_at
    assert last_diagnostic_activity(cohort) == world["version"].validated_at
    assert cohort_last_activity(cohort) == upcoming.starts_at
    application = with_retention_dates(Application.objects.filter(pk=world["first"].application_id))
    retention = retention_of(application.select_related("cohort_membership__cohort").get())
    assert retention.rule == AnonymisationRule.ACCOMPANIED
    assert retention.reference == upcoming.starts_at
    # a month before the end of the retention period, nothing goes
    assert retention_apply(now=dt.datetime(2031, 9, 1, tzinfo=PARIS)).anonymised == 0


def test_retention_scrubs_the_diagnostic_and_the_support_and_keeps_the_indicators(
    world, django_capture_on_commit_callbacks
):
    everything = [n for i in (1, 2, 3) for n in needles(i)] + COHORT_NEEDLES
    before = indicators()
    markers = [f"Secret-DS-{i}" for i in (1, 2, 3)] + COHORT_NEEDLES + ["Fictif91"]
    planted = {needle for _label, _field, needle in diagnostic_support_rows(markers)}
    assert planted == {n.casefold() for n in markers}, "every marker is planted first"
    replaced = f"léa.{SEED}.1@example.org"  # by the person's address (see ``build``)
    assert {needle for _label, _field, needle in found(everything)} == {
        n.casefold() for n in everything if n != replaced
    }
    assert all(default_storage.exists(name) for name in world["files"])

    with django_capture_on_commit_callbacks(execute=True):
        report = retention_apply(now=dt.datetime(2032, 1, 1, tzinfo=PARIS))

    assert report.anonymised == 2
    assert diagnostic_support_rows(everything) == []
    assert found(everything) == [], "nor anywhere else"
    # the person's address stays only in the DLA's directory (below)
    assert [row[0] for row in found([world["person"].email])] == ["support.SupportActor"]
    assert indicators() == before
    # files gone from the storage, the validated PDF's fingerprint kept
    assert not any(default_storage.exists(name) for name in world["files"])
    version = SynthesisVersion.objects.get(pk=world["version"].pk)
    assert version.pdf.name == "" and version.pdf_sha256 == world["version"].pdf_sha256
    # the directory of support actors belongs to the DLA: retention leaves it
    contact = SupportActor.objects.get(pk=world["directory_contact"].pk)
    assert contact.contact_name == "Contact Annuaire"
    # choices of the self-diagnostic kept, free texts gone
    answers = SelfDiagnostic.objects.get(structure=world["first"]).answers
    assert answers["synth_integration"] == "faire_ensemble" and "synth_fears" not in answers

    state = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        again = retention_apply(now=dt.datetime(2032, 1, 1, tzinfo=PARIS))
    assert again.anonymised == 0 and snapshot() == state


def test_a_cohort_still_serving_others_loses_only_the_anonymised_structure_s_names(
    world, django_capture_on_commit_callbacks
):
    first, third = world["first"], world["third"]
    application_b = Application.objects.get(pk=third.application_id)
    application_a = Application.objects.get(pk=first.application_id)

    with django_capture_on_commit_callbacks(execute=True):
        application_anonymise(application=application_b, rule=AnonymisationRule.ACCOMPANIED)

    assert diagnostic_support_rows(needles(3)) == []
    # the other structures and the cohort's common texts are still there, the PDF too
    assert diagnostic_support_rows(needles(1)) and diagnostic_support_rows(COHORT_NEEDLES)
    assert default_storage.exists(world["version"].pdf.name)
    Referral.objects.filter(structure=third).get(need="Besoin anonymisé.")

    # the partial case: a common text naming the anonymised structure keeps the rest
    Workshop.objects.update(decisions="Coop Zéphyr 1 et Coop Zéphyr 3 : Secret-DS-C")
    with django_capture_on_commit_callbacks(execute=True):
        application_anonymise(application=application_a, rule=AnonymisationRule.ACCOMPANIED)
    assert diagnostic_support_rows(needles(1) + needles(2) + COHORT_NEEDLES) == []
    assert not default_storage.exists(world["version"].pdf.name)


def test_names_of_an_anonymised_structure_are_redacted_from_common_texts(world):
    third = world["third"]
    Workshop.objects.update(decisions="Coop Zéphyr 1 et Coop Zéphyr 3 décident ; Fictif93 pilote")
    application_anonymise(
        application=Application.objects.get(pk=third.application_id),
        rule=AnonymisationRule.ACCOMPANIED,
    )
    assert Workshop.objects.get().decisions == (
        f"Coop Zéphyr 1 et {REDACTED} décident ; {REDACTED} pilote"
    )


# --- Erasure ----------------------------------------------------------------------------------


def test_erasure_removes_the_person_s_traces(world):
    person, first = world["person"], world["first"]
    applications = Application.objects.filter(pk=first.application_id)
    for source in sources():
        if source.erase_person:
            source.erase_person(person, applications)

    assert not SynthesisReview.objects.filter(by=person).exists()
    assert set(
        SynthesisReview.objects.filter(structure=first).values_list("comment", flat=True)
    ) == {""}
    assert not SectionComment.objects.filter(review__structure=first).exclude(body="").exists()
    assert not SelfDiagnostic.objects.filter(updated_by=person).exists()
    assert "Léa Fictif91" not in InterviewNote.objects.get(interview__structure=first).text
    contact = SupportActor.objects.get(pk=world["directory_contact"].pk)
    assert (contact.contact_name, contact.email, contact.phone) == ("", "", "")
    # attendance stays, pointing to a representative row without name nor address
    attendance = Attendance.objects.filter(representative__structure=first)
    assert attendance.exists()
    assert not attendance.filter(representative__email__iexact=person.email).exists()
    # the other structures keep theirs
    assert SynthesisReview.objects.filter(structure=world["second"]).exclude(comment="").exists()


# --- The download of one's data -----------------------------------------------------------------


def test_the_download_holds_the_person_s_diagnostic_and_support_and_nothing_else(world):
    person = world["person"]
    data = person_data(person)
    content = json.dumps(data, ensure_ascii=False)

    (diagnostic,) = data["Diagnostic partagé"]
    assert diagnostic["structure"] == "Coop Zéphyr 1"
    (interview,) = diagnostic["entretiens"]
    first_interview = Interview.objects.get(structure=world["first"])
    assert interview["le"] == first_interview.starts_at.isoformat()
    assert interview["vous_etiez_present"] is True
    # the DLA's notes about the structure are the person's data too (right of access)
    assert "Secret-DS-1 : sécuriser la paie" in interview["notes_du_dla"][0]["notes"]
    assert interview["notes_privees_du_dla"].startswith("Secret-DS-1 : note privée")
    answers = {a["question"]: a["reponse"] for a in diagnostic["autodiagnostic"]["reponses"]}
    assert answers["synth_fears"] == "Secret-DS-1 : perdre notre identité"
    reviews = diagnostic["relectures_de_la_synthese"]
    assert [r["version"] for r in reviews] == [1, 2]
    assert reviews[0]["commentaires_par_section"][0]["commentaire"] == (
        "Secret-DS-1 : préciser la paie"
    )

    (support,) = data["Accompagnement collectif"]
    assert [(p["seance"], p["present"]) for p in support["presences"]] == [
        ("Secret-DS-C : séance collective", True)
    ]
    assert [r["besoin"] for r in support["orientations"]] == ["Secret-DS-1 : structurer la paie"]
    (contact,) = data["Annuaire des acteurs de l'accompagnement"]
    assert contact["contact"] == "Contact Annuaire"

    # nothing of the other structures, nor the other attendees' names
    for needle in needles(2) + needles(3) + ["Jeanne", "Paul Témoin"]:
        assert needle.casefold() not in content.casefold(), needle
    assert world["absent"].email not in content


def test_someone_of_another_structure_sees_only_theirs(world):
    setup, second = world["setup"], world["second"]
    data = person_data(setup.person(second))
    content = json.dumps(data, ensure_ascii=False)
    assert [row["structure"] for row in data["Diagnostic partagé"]] == ["Coop Zéphyr 2"]
    assert "Secret-DS-2 : mutualiser la comptabilité" in content
    for needle in needles(1) + needles(3):
        assert needle.casefold() not in content.casefold(), needle
    assert "Accompagnement collectif" not in data  # not a declared representative, no referral


def test_the_pdf_of_one_s_data_shows_the_new_sections(world):
    from django.template.loader import render_to_string

    person = world["person"]
    html = render_to_string(
        "privacy/pdf/person_data.html", {"data": person_data(person), "person": person}
    )
    assert "Diagnostic partagé" in html and "Notes du DLA" in html
    assert "Vous étiez présent·e" in html and "Présences" in html


def test_nothing_in_these_apps_for_a_person_without_a_cohort():
    from tests.factories import make_user

    data = person_data(make_user(None))
    assert "Diagnostic partagé" not in data and "Accompagnement collectif" not in data
