"""The personal data of the diagnostic partagé, declared to the privacy registry.

What is tied to one structure (its interview, the officer's notes, its self-diagnostic, its
reviews of the synthesis) is scrubbed with that structure's application. What belongs to the
whole cohort (slots, the workshop, the action plan, the synthesis, its stored PDFs) serves every
structure of the cohort: it is scrubbed when the last application of the cohort is anonymised;
until then, the names of the structures already anonymised are redacted from it.

Kept: dates, statuses, modes, who attended (the representatives' rows are anonymised by the
applications' source), the number of notes, reviews and comments, verdicts, the self-diagnostic
answers that are choices (domains, integration, yes/no, lists: they feed the synergy map), the
action plan's statuses, due dates and structures, the synthesis' versions, section titles and
the validated PDF's fingerprint (``pdf_sha256``).

Sources run in registration order: this app is installed before ``coopess.privacy``, so the
names of the structures and representatives are still there when ``anonymise`` reads them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Lower

from coopess.accounts.models import User
from coopess.applications.models import (
    Application,
    ApplicationAccess,
    ApplicationStructure,
    Representative,
)
from coopess.diagnostic.models import (
    ActionItem,
    Interview,
    InterviewNote,
    MeetingStatus,
    QuestionKind,
    SectionComment,
    SelfDiagnostic,
    SelfDiagnosticQuestion,
    SynthesisReview,
    SynthesisSection,
    SynthesisTransition,
    SynthesisVersion,
    Workshop,
)
from coopess.privacy.registry import PersonalDataSource, delete_file_on_commit, register
from coopess.selection.models import Cohort, CohortMember

REDACTED = "[anonymisé]"
ANONYMISED_ACTION = "Action anonymisée"
DEFAULT_WORKSHOP_TITLE = "Atelier collectif"


# --- Shared with the support app -------------------------------------------------------------


def emails_of(user: User) -> set[str]:
    """Every address this person signs in with (lower case)."""
    from coopess.privacy.sources import person_emails  # imported late: see the module doc

    return person_emails(user)


def identifying_strings(application_ids: Iterable[int]) -> list[str]:
    """What names the people and structures of these applications, longest first: structure
    names, representatives' full and last names and addresses, the accounts' names and
    addresses. Read before the applications' source forgets them."""
    ids = list(application_ids)
    found: set[str] = set()
    for name in ApplicationStructure.objects.filter(application_id__in=ids).values_list(
        "name", flat=True
    ):
        found.add(name)
    for first, last, email in Representative.objects.filter(
        structure__application_id__in=ids
    ).values_list("first_name", "last_name", "email"):
        found.update({f"{first} {last}", f"{last} {first}", last, email})
    accounts = User.objects.filter(
        Q(application_accesses__application_id__in=ids) | Q(applications_created__pk__in=ids)
    ).distinct()
    for first, last, email in accounts.values_list("first_name", "last_name", "email"):
        found.update({f"{first} {last}", f"{last} {first}", email})
    from coopess.privacy.sources import ANONYMISED_STRUCTURE

    return sorted(
        (s.strip() for s in found if len(s.strip()) >= 3 and s.strip() != ANONYMISED_STRUCTURE),
        key=lambda s: (-len(s), s),
    )


def person_strings(user: User) -> list[str]:
    """What names one person in a free text: their addresses, their account's full name and
    the full names they were declared under as a representative."""
    emails = emails_of(user)
    found = set(emails)
    names = {(user.first_name, user.last_name)}
    names.update(
        Representative.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values_list("first_name", "last_name")
    )
    for first, last in names:
        if first and last:
            found.update({f"{first} {last}", f"{last} {first}"})
    return sorted((s for s in found if len(s) >= 3), key=lambda s: (-len(s), s))


def redact(text: str, needles: list[str]) -> str:
    for needle in needles:
        text = re.sub(re.escape(needle), REDACTED, text, flags=re.IGNORECASE)
    return text


def redact_rows(queryset: QuerySet, fields: list[str], needles: list[str]) -> None:
    """Replace ``needles`` in these text fields, row by row (only rows that change are saved)."""
    if not needles:
        return
    model = queryset.model
    for pk, *values in queryset.values_list("pk", *fields):
        changes = {}
        for name, value in zip(fields, values, strict=True):
            if value:
                redacted = redact(value, needles)
                if redacted != value:
                    changes[name] = redacted
        if changes:
            model.objects.filter(pk=pk).update(**changes)


def finished_cohorts(application_ids: list[int]) -> list[int]:
    """The cohorts of these applications whose every other application is already anonymised:
    with these ones, nothing of the cohort serves anyone any more."""
    cohorts = set(
        CohortMember.objects.filter(application_id__in=application_ids).values_list(
            "cohort_id", flat=True
        )
    )
    still_live = set(
        CohortMember.objects.filter(cohort_id__in=cohorts, application__anonymisation__isnull=True)
        .exclude(application_id__in=application_ids)
        .values_list("cohort_id", flat=True)
    )
    return sorted(cohorts - still_live)


def live_cohorts(application_ids: list[int]) -> list[int]:
    finished = set(finished_cohorts(application_ids))
    return sorted(
        set(
            CohortMember.objects.filter(application_id__in=application_ids).values_list(
                "cohort_id", flat=True
            )
        )
        - finished
    )


# --- Retention ----------------------------------------------------------------------------------

INTERVIEW_TEXTS = ["other_attendees", "private_notes", "address", "link"]
WORKSHOP_TEXTS = ["title", "agenda", "stakes", "decisions", "address", "link"]


def _scrub_selfdiagnostics(rows: QuerySet[SelfDiagnostic]) -> None:
    """Keep the answers that are choices, drop free texts (and answers to unknown questions)."""
    kinds: dict[int, dict[str, str]] = {}
    for row in rows.select_related("cohort"):
        call_id = row.cohort.call_id
        if call_id not in kinds:
            kinds[call_id] = dict(
                SelfDiagnosticQuestion.objects.filter(call_id=call_id).values_list("code", "kind")
            )
        known = kinds[call_id]
        kept = {
            code: value
            for code, value in (row.answers or {}).items()
            if code in known and known[code] != QuestionKind.TEXT
        }
        if kept != row.answers or row.updated_by_id is not None:
            SelfDiagnostic.objects.filter(pk=row.pk).update(answers=kept, updated_by=None)


def _scrub_structures(structure_ids: list[int]) -> None:
    """Everything tied to these structures alone."""
    interviews = Interview.objects.filter(structure_id__in=structure_ids)
    interviews.update(other_attendees="", private_notes="", address="", link="", booked_by=None)
    InterviewNote.objects.filter(interview__structure_id__in=structure_ids).exclude(text="").update(
        text=""
    )
    _scrub_selfdiagnostics(SelfDiagnostic.objects.filter(structure_id__in=structure_ids))
    SynthesisReview.objects.filter(structure_id__in=structure_ids).update(comment="", by=None)
    SectionComment.objects.filter(review__structure_id__in=structure_ids).update(body="")


def _scrub_cohorts(cohort_ids: list[int]) -> None:
    """Everything of these cohorts: no application of theirs keeps its personal data."""
    if not cohort_ids:
        return
    structure_ids = list(
        ApplicationStructure.objects.filter(
            application__cohort_membership__cohort_id__in=cohort_ids
        ).values_list("pk", flat=True)
    )
    _scrub_structures(structure_ids)
    Interview.objects.filter(cohort_id__in=cohort_ids).update(
        other_attendees="", private_notes="", address="", link=""
    )
    InterviewNote.objects.filter(interview__cohort_id__in=cohort_ids).update(text="")
    Workshop.objects.filter(cohort_id__in=cohort_ids).update(
        title=DEFAULT_WORKSHOP_TITLE, agenda="", stakes="", decisions="", address="", link=""
    )
    ActionItem.objects.filter(cohort_id__in=cohort_ids).update(action=ANONYMISED_ACTION, owner="")
    SynthesisSection.objects.filter(version__cohort_id__in=cohort_ids).update(body="")
    SynthesisTransition.objects.filter(version__cohort_id__in=cohort_ids).update(comment="")
    # the frozen PDF names the structures: it goes with the last of them (its fingerprint stays)
    versions = SynthesisVersion.objects.filter(cohort_id__in=cohort_ids).exclude(pdf="")
    for name in versions.values_list("pdf", flat=True):
        delete_file_on_commit(name)
    versions.update(pdf="")


def _redact_cohorts(cohort_ids: list[int], needles: list[str]) -> None:
    """Cohorts still serving other structures: only the names of the anonymised ones go."""
    if not cohort_ids or not needles:
        return
    redact_rows(Interview.objects.filter(cohort_id__in=cohort_ids), INTERVIEW_TEXTS, needles)
    redact_rows(
        InterviewNote.objects.filter(interview__cohort_id__in=cohort_ids), ["text"], needles
    )
    redact_rows(Workshop.objects.filter(cohort_id__in=cohort_ids), WORKSHOP_TEXTS, needles)
    redact_rows(ActionItem.objects.filter(cohort_id__in=cohort_ids), ["action", "owner"], needles)
    redact_rows(
        SynthesisSection.objects.filter(version__cohort_id__in=cohort_ids), ["body"], needles
    )
    redact_rows(
        SynthesisReview.objects.filter(version__cohort_id__in=cohort_ids), ["comment"], needles
    )
    redact_rows(
        SectionComment.objects.filter(review__version__cohort_id__in=cohort_ids), ["body"], needles
    )
    redact_rows(
        SynthesisTransition.objects.filter(version__cohort_id__in=cohort_ids), ["comment"], needles
    )


def anonymise_diagnostic(applications: QuerySet[Application]) -> None:
    ids = list(applications.values_list("pk", flat=True))
    live = live_cohorts(ids)
    needles = identifying_strings(ids) if live else []  # read first: see the module doc
    _scrub_structures(
        list(
            ApplicationStructure.objects.filter(application_id__in=ids).values_list("pk", flat=True)
        )
    )
    _scrub_cohorts(finished_cohorts(ids))
    _redact_cohorts(live, needles)


# --- Erasure -----------------------------------------------------------------------------------


def erase_from_diagnostic(user: User, applications: QuerySet[Application]) -> None:
    """This person's traces in the diagnostic of these applications' structures: their name in
    the free texts, their reviews' author and comments, their bookings and edits. Attendance
    stays: the representative's row it points to is anonymised by the applications' source."""
    structure_ids = list(
        ApplicationStructure.objects.filter(application__in=applications).values_list(
            "pk", flat=True
        )
    )
    if not structure_ids:
        return
    reviews = SynthesisReview.objects.filter(structure_id__in=structure_ids, by=user)
    SectionComment.objects.filter(review__in=reviews).update(body="")
    reviews.update(comment="", by=None)
    Interview.objects.filter(structure_id__in=structure_ids, booked_by=user).update(booked_by=None)
    SelfDiagnostic.objects.filter(structure_id__in=structure_ids, updated_by=user).update(
        updated_by=None
    )
    needles = person_strings(user)
    redact_rows(
        Interview.objects.filter(structure_id__in=structure_ids),
        ["other_attendees", "private_notes"],
        needles,
    )
    redact_rows(
        InterviewNote.objects.filter(interview__structure_id__in=structure_ids), ["text"], needles
    )
    redact_rows(
        SynthesisReview.objects.filter(structure_id__in=structure_ids), ["comment"], needles
    )


# --- The download of one's data ------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def person_structures(user: User) -> QuerySet[ApplicationStructure]:
    """The structures this person acts for or is declared a representative of (applications
    not anonymised)."""
    emails = emails_of(user)
    declared = Representative.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails
    )
    acting = ApplicationAccess.objects.filter(user=user)
    return ApplicationStructure.objects.filter(
        Q(pk__in=acting.values("structure_id")) | Q(pk__in=declared.values("structure_id")),
        application__anonymisation__isnull=True,
    ).order_by("application_id", "position")


def person_representatives(user: User) -> QuerySet[Representative]:
    return Representative.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails_of(user)
    )


def _answers(row: SelfDiagnostic) -> list[dict[str, Any]]:
    labels = dict(
        SelfDiagnosticQuestion.objects.filter(call_id=row.cohort.call_id).values_list(
            "code", "label"
        )
    )
    return [
        {"question": labels.get(code, code), "reponse": value}
        for code, value in (row.answers or {}).items()
    ]


def diagnostic_of(user: User) -> dict[str, list[dict[str, Any]]]:
    """For each structure of this person: its interview (with the DLA's notes, private ones
    included: they are about the structure and its people), its self-diagnostic, this person's
    reviews of the synthesis. Nothing of another structure, nor the other attendees' names."""
    mine = set(person_representatives(user).values_list("pk", flat=True))
    rows = []
    for structure in person_structures(user):
        interviews = (
            Interview.objects.filter(structure=structure)
            .select_related("cohort")
            .prefetch_related("notes__item", "attended")
            .order_by("starts_at", "pk")
        )
        selfdiag = (
            SelfDiagnostic.objects.filter(structure=structure).select_related("cohort").first()
        )
        reviews = (
            SynthesisReview.objects.filter(structure=structure, by=user)
            .select_related("version")
            .prefetch_related("comments__section")
            .order_by("version__number")
        )
        if not (interviews or selfdiag or reviews):
            continue
        rows.append(
            {
                "structure": structure.name,
                "entretiens": [
                    {
                        "le": _when(interview.starts_at),
                        "fin": _when(interview.ends_at),
                        "modalite": interview.get_mode_display(),
                        "etat": interview.get_status_display(),
                        "tenu_le": _when(interview.held_at),
                        "vous_etiez_present": any(r.pk in mine for r in interview.attended.all())
                        if interview.status == MeetingStatus.HELD
                        else None,
                        "notes_du_dla": [
                            {"rubrique": note.item.label, "notes": note.text}
                            for note in interview.notes.all()
                            if note.text
                        ],
                        "notes_privees_du_dla": interview.private_notes,
                    }
                    for interview in interviews
                ],
                "autodiagnostic": {
                    "envoye_le": _when(selfdiag.submitted_at),
                    "modifie_le": _when(selfdiag.updated_at),
                    "reponses": _answers(selfdiag),
                }
                if selfdiag
                else None,
                "relectures_de_la_synthese": [
                    {
                        "version": review.version.number,
                        "reponse": review.get_verdict_display(),
                        "le": _when(review.at),
                        "commentaire": review.comment,
                        "commentaires_par_section": [
                            {"section": comment.section.title, "commentaire": comment.body}
                            for comment in review.comments.all()
                        ],
                    }
                    for review in reviews
                ],
            }
        )
    return {"Diagnostic partagé": rows} if rows else {}


# --- Activity ----------------------------------------------------------------------------------


def last_diagnostic_activity(cohort: Cohort) -> dt.datetime | None:
    """The latest booked interview, workshop, synthesis version or review of the cohort."""
    live = ~Q(status=MeetingStatus.CANCELLED)
    dates = [
        *Interview.objects.filter(live, cohort=cohort, structure__isnull=False)
        .aggregate(a=Max("starts_at"), b=Max("held_at"))
        .values(),
        *Workshop.objects.filter(live, cohort=cohort).aggregate(a=Max("starts_at")).values(),
        *SynthesisVersion.objects.filter(cohort=cohort)
        .aggregate(a=Max("created_at"), b=Max("circulated_at"), c=Max("validated_at"))
        .values(),
        *SynthesisReview.objects.filter(version__cohort=cohort).aggregate(a=Max("at")).values(),
    ]
    return max((d for d in dates if d), default=None)


register(
    PersonalDataSource(
        name="diagnostic",
        anonymise=anonymise_diagnostic,
        erase_person=erase_from_diagnostic,
        export_person=diagnostic_of,
        cohort_activity=last_diagnostic_activity,
    )
)
