"""The personal data of applications and of their instruction (apps ``applications`` and
``selection``), declared to the registry.

What identifies a person goes: representatives' names, functions, emails and phones; the
structures' contact data (address, identifiers, invitation address, directory answer); every
free text (project, answers, messages, comments, reasons, letters); attachments and letters
(files deleted from storage); accesses. What counts stays: status, decisions and their reason
codes, kind, maturity stage, shared domains, goals, envisaged forms, legal form, département,
INSEE category, NAF, ESUS, employees, FTE, volunteers, scores, dates, receipt numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce, Lower

from coopess.accounts.models import User
from coopess.applications.models import (
    Answer,
    Application,
    ApplicationAccess,
    ApplicationStructure,
    ApplicationTransition,
    Attachment,
    Representative,
)
from coopess.calls.models import QuestionKind
from coopess.privacy.registry import PersonalDataSource, delete_file_on_commit, register
from coopess.selection.models import (
    Cohort,
    Decision,
    DecisionReason,
    EligibilityOverride,
    EligibilityResult,
    Message,
    ReviewerAssignment,
    Score,
)

ANONYMISED_STRUCTURE = "Structure anonymisée"
ANONYMISED_REASON = "Motif anonymisé."
#: answers that may hold free text or a date of a person; choices and numbers are kept
FREE_ANSWER_KINDS = (
    QuestionKind.TEXT,
    QuestionKind.LONG_TEXT,
    QuestionKind.DATE,
    QuestionKind.FILE,
)


def person_emails(user: User) -> set[str]:
    """Every address this person signs in with, in lower case."""
    from allauth.account.models import EmailAddress

    emails = {user.email.lower()}
    emails.update(
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    return {e for e in emails if e}


def _delete_attachments(attachments: QuerySet[Attachment]) -> None:
    for name in attachments.values_list("file", flat=True):
        delete_file_on_commit(name)
    attachments.delete()


# --- Retention: everything personal in these applications ---------------------------------------


def anonymise_applications(applications: QuerySet[Application]) -> None:
    ids = list(applications.values_list("pk", flat=True))
    _delete_attachments(Attachment.objects.filter(application_id__in=ids))
    decisions = Decision.objects.filter(application_id__in=ids)
    for name in decisions.exclude(letter_pdf="").values_list("letter_pdf", flat=True):
        delete_file_on_commit(name)
    decisions.update(
        comment="", against_ranking_reason="", letter_subject="", letter_body="", letter_pdf=""
    )
    Representative.objects.filter(structure__application_id__in=ids).update(
        first_name="", last_name="", role="", email="", phone=""
    )
    ApplicationStructure.objects.filter(application_id__in=ids).update(
        name=ANONYMISED_STRUCTURE,
        siret="",
        rna="",
        address="",
        postal_code="",
        commune="",
        commune_code="",
        network_affiliation="",
        invited_email="",
        invitation_token=None,
        lookup_data={},
        confirmed_by=None,
    )
    Answer.objects.filter(application_id__in=ids, question__kind__in=FREE_ANSWER_KINDS).update(
        value=None
    )
    Message.objects.filter(application_id__in=ids).delete()
    ApplicationTransition.objects.filter(application_id__in=ids).update(comment="")
    results = EligibilityResult.objects.filter(application_id__in=ids)
    results.filter(override_outcome="").update(reason=ANONYMISED_REASON, override_reason="")
    results.exclude(override_outcome="").update(
        reason=ANONYMISED_REASON, override_reason=ANONYMISED_REASON
    )
    EligibilityOverride.objects.filter(result__application_id__in=ids).update(
        reason=ANONYMISED_REASON
    )
    ReviewerAssignment.objects.filter(application_id__in=ids).update(
        conflict_note="", overall_comment=""
    )
    Score.objects.filter(assignment__application_id__in=ids).update(comment="")
    ApplicationAccess.objects.filter(application_id__in=ids).delete()
    Application.objects.filter(pk__in=ids).update(
        project_title="",
        shared_other="",
        shared_description="",
        regional_scope="",
        expectations="",
        difficulties="",
        availability="",
        pending_input={},
        reopened_sections=[],
        lead_name=ANONYMISED_STRUCTURE,
        search_text=Lower(Coalesce("receipt_number", "project_title")),
    )


# --- Erasure: what identifies one person in these applications -----------------------------------


def erase_person(user: User, applications: QuerySet[Application]) -> None:
    ids = list(applications.values_list("pk", flat=True))
    emails = person_emails(user)
    representatives = Representative.objects.annotate(email_lower=Lower("email")).filter(
        structure__application_id__in=ids
    )
    who = Q(email_lower__in=emails)
    if user.first_name and user.last_name:
        who |= Q(first_name__iexact=user.first_name, last_name__iexact=user.last_name)
    Representative.objects.filter(pk__in=representatives.filter(who).values("pk")).update(
        first_name="", last_name="", role="", email="", phone=""
    )
    structures = ApplicationStructure.objects.annotate(invited_lower=Lower("invited_email"))
    ApplicationStructure.objects.filter(
        pk__in=structures.filter(application_id__in=ids, invited_lower__in=emails).values("pk")
    ).update(invited_email="", invitation_token=None)
    ApplicationStructure.objects.filter(application_id__in=ids, confirmed_by=user).update(
        confirmed_by=None
    )
    Message.objects.filter(application_id__in=ids, author=user).delete()
    ApplicationTransition.objects.filter(application_id__in=ids, by=user).update(by=None)
    Attachment.objects.filter(application_id__in=ids, uploaded_by=user).update(uploaded_by=None)
    ApplicationAccess.objects.filter(application_id__in=ids, user=user).delete()
    for application in Application.objects.filter(pk__in=ids).exclude(pending_input={}):
        kept = {k: v for k, v in application.pending_input.items() if "rep" not in k}
        if kept != application.pending_input:
            Application.objects.filter(pk=application.pk).update(pending_input=kept)


# --- The download of one's data -------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _structure(structure: ApplicationStructure) -> dict[str, Any]:
    return {
        "nom": structure.name,
        "cheffe_de_file": structure.is_lead,
        "siret": structure.siret,
        "rna": structure.rna,
        "adresse": structure.address,
        "code_postal": structure.postal_code,
        "commune": structure.commune,
        "departement": structure.departement,
        "forme_juridique": structure.get_legal_form_display() if structure.legal_form else "",
        "code_naf": structure.naf_code,
        "affiliation": structure.network_affiliation,
        "salaries": structure.employees,
        "etp": str(structure.fte) if structure.fte is not None else None,
        "benevoles": structure.volunteers,
    }


def _representative(representative: Representative) -> dict[str, Any]:
    return {
        "structure": representative.structure.name,
        "prenom": representative.first_name,
        "nom": representative.last_name,
        "fonction": representative.role,
        "adresse_electronique": representative.email,
        "telephone": representative.phone,
    }


def export_person(user: User) -> dict[str, list[dict[str, Any]]]:
    """The applications this person works on, with only what is theirs or their structure's:
    other people's names and contacts are left out."""
    emails = person_emails(user)
    accesses = {
        access.application_id: access
        for access in ApplicationAccess.objects.filter(user=user).select_related("structure")
    }
    mine = Representative.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails
    )
    named_in = set(mine.values_list("structure__application_id", flat=True))
    applications = (
        Application.objects.filter(Q(pk__in=accesses) | Q(pk__in=named_in) | Q(created_by=user))
        .filter(anonymisation__isnull=True)
        .select_related("call", "maturity_stage")
        .order_by("created_at", "pk")
    )
    rows = []
    for application in applications:
        access = accesses.get(application.pk)
        own_representatives = [
            _representative(r)
            for r in mine.filter(structure__application=application).select_related("structure")
        ]
        structure = access.structure if access else None
        decision = application.decisions.filter(is_current=True).first()
        thread = application.messages.filter(Q(author=user) | Q(from_dla=True))
        rows.append(
            {
                "appel": str(application.call),
                "recepisse": application.receipt_number,
                "statut": application.get_status_display(),
                "role": access.get_role_display() if access else "Représentant·e désigné·e",
                "creee_le": _when(application.created_at),
                "deposee_le": _when(application.submitted_at),
                "projet": {
                    "titre": application.project_title,
                    "description_du_partage": application.shared_description,
                    "envergure_regionale": application.regional_scope,
                    "attentes": application.expectations,
                    "difficultes": application.difficulties,
                    "disponibilites": application.availability,
                },
                "structure_representee": _structure(structure) if structure else None,
                "vos_coordonnees_declarees": own_representatives,
                "pieces_deposees": [
                    {
                        "fichier": a.original_name,
                        "deposee_le": _when(a.uploaded_at),
                        "taille": a.size,
                    }
                    for a in application.attachments.filter(
                        Q(uploaded_by=user)
                        | (Q(structure=structure) if structure else Q(pk__in=[]))
                    )
                ],
                "decision": {
                    "decision": decision.get_outcome_display(),
                    "le": _when(decision.decided_at),
                    "motifs": [DecisionReason(r).label for r in decision.reasons],
                }
                if decision
                else None,
                "messages": [
                    {
                        "de": "le DLA" if message.from_dla else "vous",
                        "le": _when(message.created_at),
                        "message": message.body,
                    }
                    for message in thread
                ],
            }
        )
    return {"Candidatures": rows}


def cohort_activity(cohort: Cohort) -> dt.datetime | None:
    """The cohort's creation, its last member added, its last change of step."""
    dates = [
        cohort.created_at,
        cohort.members.aggregate(last=Max("added_at"))["last"],
        cohort.transitions.aggregate(last=Max("at"))["last"],
    ]
    return max((d for d in dates if d), default=None)


register(
    PersonalDataSource(
        name="candidatures",
        anonymise=anonymise_applications,
        erase_person=erase_person,
        export_person=export_person,
        cohort_activity=cohort_activity,
    )
)
