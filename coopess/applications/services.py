"""Every write on applications. Each function is one business action, inside a transaction;
emails and tasks leave after the commit."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.applications.choices import ApplicationStatus, LookupStatus
from coopess.applications.errors import ApplicationError
from coopess.applications.forms import (
    ProjectForm,
    QuestionsForm,
    SectionForm,
    StructureForm,
    TypeForm,
    question_field_name,
)
from coopess.applications.models import (
    AccessRole,
    Answer,
    Application,
    ApplicationAccess,
    ApplicationStructure,
    Attachment,
    ReceiptCounter,
    Representative,
)
from coopess.applications.workflow import transition
from coopess.calls.calendar import DAY_AND_CLOCK, PARIS
from coopess.calls.models import Call, CallDocument, CallQuestion, DocumentScope
from coopess.common import events
from coopess.common.jobs import task_named
from coopess.common.mail import queue_email_message
from coopess.common.uploads import UploadRejected, human_size, inspect_upload, storage_name

logger = logging.getLogger("coopess")


class CallClosed(ApplicationError):
    def __init__(self, call: Call):
        closing = date_format(timezone.localtime(call.closes_at, PARIS), DAY_AND_CLOCK)
        super().__init__(
            f"L'appel a été clos le {closing} (heure de Paris) : la candidature ne peut plus être "
            "déposée. Votre brouillon est conservé."
        )


class CapReached(ApplicationError):
    def __init__(self, call: Call):
        super().__init__(
            f"Cet appel accompagne au plus {call.max_structures} structures : votre candidature en "
            "compte déjà autant. Retirez une structure avant d'en inviter une autre."
        )


class NotEditable(ApplicationError):
    def __init__(self, application: Application):
        super().__init__(
            f"La candidature est « {application.get_status_display()} » : cette partie ne peut plus "
            "être modifiée."
        )


class AlreadySubmitted(ApplicationError):
    def __init__(self, application: Application):
        super().__init__(
            f"Votre candidature est déjà déposée (récépissé {application.receipt_number}) : "
            "rien n'a été envoyé une seconde fois."
        )


class Incomplete(ApplicationError):
    def __init__(self, missing: list[MissingItem]):
        self.missing = missing
        super().__init__(
            f"La candidature n'est pas complète : {len(missing)} élément(s) à compléter."
        )


# --- Creating ---------------------------------------------------------------------------------


@transaction.atomic
def application_create(*, call: Call, by: User, now: dt.datetime | None = None) -> Application:
    """Start a draft; the person who starts it represents the lead structure."""
    if not call.is_open(at=now or timezone.now()):
        raise ApplicationError("Les candidatures à cet appel ne sont pas ouvertes.")
    targets = list(call.targets.all())
    application = Application.objects.create(
        call=call,
        created_at=now or timezone.now(),
        created_by=by,
        kind=targets[0].application_kind if len(targets) == 1 else "",
        privacy_notice_accepted_at=timezone.now(),
    )
    lead = ApplicationStructure.objects.create(application=application, is_lead=True, position=0)
    Representative.objects.create(
        structure=lead,
        position=1,
        first_name=by.first_name,
        last_name=by.last_name,
        email=by.email,
        phone=by.phone,
    )
    ApplicationAccess.objects.create(
        application=application, user=by, structure=lead, role=AccessRole.LEAD
    )
    RoleAssignment.objects.get_or_create(user=by, role=Role.APPLICANT, organisation=None)
    return application


# --- Saving a section: valid values to the model, the rest kept as typed ----------------------


def _split(form: SectionForm) -> tuple[dict, dict]:
    form.is_valid()
    valid = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
    invalid = {name: _storable(form[name].value()) for name in form.errors if name in form.fields}
    return valid, invalid


def _storable(raw):
    """What was typed, minus the NUL character that no database text column accepts."""
    if isinstance(raw, str):
        return raw.replace("\x00", "")
    if isinstance(raw, list | tuple):
        return [_storable(item) for item in raw]
    return raw


def _remember_pending(application: Application, prefix: str, form: SectionForm, invalid: dict):
    pending = {k: v for k, v in application.pending_input.items() if not k.startswith(prefix)}
    for name, raw in invalid.items():
        pending[f"{prefix}{name}"] = raw
    application.pending_input = pending


def pending_for(application: Application, prefix: str) -> dict:
    return {
        key.removeprefix(prefix): value
        for key, value in application.pending_input.items()
        if key.startswith(prefix)
    }


def refresh_search_text(application_id: int) -> None:
    """Keep the officers' search text in step with the title, the receipt and the names."""
    from coopess.common.text import normalise_search

    application = Application.objects.only("project_title", "receipt_number").get(pk=application_id)
    names = ApplicationStructure.objects.filter(application_id=application_id).values_list(
        "name", flat=True
    )
    text = " | ".join([application.project_title, application.receipt_number or "", *names])
    Application.objects.filter(pk=application_id).update(search_text=normalise_search(text))


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _check_editable(application: Application, section: str) -> None:
    if not application.section_is_editable(section):
        raise NotEditable(application)


@transaction.atomic
def type_save(*, application: Application, form: TypeForm) -> dict:
    application = _lock(application)
    _check_editable(application, "type")
    valid, invalid = _split(form)
    for name in ("kind", "project_title"):
        if name in valid:
            setattr(application, name, valid[name])
    _remember_pending(application, "type:", form, invalid)
    application.save()
    refresh_search_text(application.pk)
    return invalid


@transaction.atomic
def project_save(*, application: Application, form: ProjectForm) -> dict:
    application = _lock(application)
    _check_editable(application, "project")
    valid, invalid = _split(form)
    for name, value in valid.items():
        if name == "maturity_stage":
            application.maturity_stage_id = int(value) if value else None
        else:
            setattr(application, name, value)
    _remember_pending(application, "project:", form, invalid)
    application.save()
    return invalid


@transaction.atomic
def questions_save(*, application: Application, form: QuestionsForm) -> dict:
    application = _lock(application)
    _check_editable(application, "questions")
    valid, invalid = _split(form)
    for question in form.questions:
        name = question_field_name(question)
        if name not in valid:
            continue
        value = valid[name]
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | list):
            value = str(value)
        Answer.objects.update_or_create(
            application=application, question=question, defaults={"value": value}
        )
    _remember_pending(application, "questions:", form, invalid)
    application.save()
    return invalid


REPRESENTATIVE_PREFIXES = {1: "rep1_", 2: "rep2_"}


@transaction.atomic
def structure_save(*, structure: ApplicationStructure, form: StructureForm) -> dict:
    application = _lock(structure.application)
    _check_editable(application, "structure")
    valid, invalid = _split(form)
    for name in StructureForm.IDENTIFICATION + StructureForm.HUMAN_RESOURCES:
        if name in valid:
            value = valid[name]
            setattr(structure, name, "" if value is None and name not in _NULLABLE else value)
    structure.save()
    for position, prefix in REPRESENTATIVE_PREFIXES.items():
        values = {
            name: valid[prefix + name]
            for name in StructureForm.REPRESENTATIVE_FIELDS
            if prefix + name in valid
        }
        if values:
            Representative.objects.update_or_create(
                structure=structure, position=position, defaults=values
            )
    _remember_pending(application, f"structure:{structure.pk}:", form, invalid)
    update_fields = ["pending_input", "updated_at"]
    if structure.is_lead and application.lead_name != structure.name:
        application.lead_name = structure.name
        update_fields.append("lead_name")
    application.save(update_fields=update_fields)
    refresh_search_text(application.pk)
    return invalid


_NULLABLE = {"employees", "fte", "volunteers", "esus_approved"}


def structure_initial(structure: ApplicationStructure) -> dict:
    """The structure form's values, from the model."""
    initial = {name: getattr(structure, name) for name in StructureForm.IDENTIFICATION}
    initial.update({name: getattr(structure, name) for name in StructureForm.HUMAN_RESOURCES})
    if structure.esus_approved is not None:
        initial["esus_approved"] = "oui" if structure.esus_approved else "non"
    for representative in structure.representatives.all():
        prefix = REPRESENTATIVE_PREFIXES[representative.position]
        for name in StructureForm.REPRESENTATIVE_FIELDS:
            initial[prefix + name] = getattr(representative, name)
    return initial


# --- The public directory (SIRET lookup) ------------------------------------------------------

LOOKUP_FIELDS = {
    "name": "name",
    "address": "address",
    "postal_code": "postal_code",
    "commune": "commune",
    "commune_code": "commune_code",
    "departement": "departement",
    "naf_code": "naf_code",
    "legal_category_code": "legal_category_code",
    "rna": "rna",
}


@transaction.atomic
def structure_apply_lookup(*, structure: ApplicationStructure, result, overwrite: bool) -> None:
    """Record a directory answer; pre-fill the fields (all of them when the representative asked
    for it, only the empty ones when a background retry finds the structure later)."""
    from dataclasses import asdict

    structure = ApplicationStructure.objects.select_for_update().get(pk=structure.pk)
    structure.lookup_status = result.status
    structure.lookup_checked_at = timezone.now()
    if result.record is not None:
        record = result.record
        structure.lookup_data = asdict(record)
        for field, attribute in LOOKUP_FIELDS.items():
            value = getattr(record, attribute, "") or ""
            if value and (overwrite or not getattr(structure, field)):
                setattr(structure, field, value)
        if (
            record.legal_form
            and record.legal_form != "other"
            and (overwrite or not structure.legal_form)
        ):
            structure.legal_form = record.legal_form
    structure.save()
    if structure.is_lead:
        Application.objects.filter(pk=structure.application_id).update(lead_name=structure.name)
    refresh_search_text(structure.application_id)


def structure_lookup(*, structure: ApplicationStructure):
    """Ask the public directory about the structure's SIRET; retry later when it does not answer."""
    from coopess.structures.sirene import lookup_siret

    result = lookup_siret(structure.siret)
    structure_apply_lookup(structure=structure, result=result, overwrite=True)
    if result.status == LookupStatus.UNAVAILABLE:
        structure_id = structure.pk
        transaction.on_commit(lambda: schedule_lookup_retry(structure_id, attempt=1))
    return result


def schedule_lookup_retry(structure_id: int, *, attempt: int) -> None:
    """Ask the directory again later (15 min, then doubling), from the worker."""
    retry_structure_lookup = task_named("coopess.applications.tasks.retry_structure_lookup")
    delay = dt.timedelta(minutes=15 * 2 ** (attempt - 1))
    if retry_structure_lookup.get_backend().supports_defer:
        retry_structure_lookup.using(run_after=timezone.now() + delay).enqueue(
            structure_id, attempt
        )
    else:  # a backend that cannot schedule (immediate mode): the officer's check will do
        logger.info("Task backend cannot defer: directory lookup of %s not retried", structure_id)


# --- Partners ---------------------------------------------------------------------------------


@transaction.atomic
def partner_invite(
    *, application: Application, by: User, name: str, email: str
) -> ApplicationStructure:
    application = _lock(application)
    _check_editable(application, "partners")
    if application.structures.count() >= application.call.max_structures:
        raise CapReached(application.call)
    email = email.strip().lower()
    if application.structures.filter(invited_email=email).exists():
        raise ApplicationError(f"Une invitation a déjà été envoyée à {email}.")
    position = (application.structures.order_by("-position").first().position or 0) + 1
    structure = ApplicationStructure.objects.create(
        application=application,
        position=position,
        name=name.strip(),
        invited_email=email,
        invitation_token=secrets.token_urlsafe(32),
        invited_at=timezone.now(),
    )
    Representative.objects.create(structure=structure, position=1, email=email)
    application.structure_count = application.structures.count()
    application.save(update_fields=["structure_count", "updated_at"])
    refresh_search_text(application.pk)
    _send_invitation(application=application, structure=structure, by=by)
    return structure


def _send_invitation(
    *, application: Application, structure: ApplicationStructure, by: User
) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage

    link = settings.COOPESS_BASE_URL + reverse(
        "applications:invitation", args=[structure.invitation_token]
    )
    body = render_to_string(
        "applications/email/invitation.txt",
        {"application": application, "structure": structure, "by": by, "link": link},
    )
    queue_email_message(
        EmailMessage(
            subject=f"[CoopESS] Invitation à rejoindre une candidature : {application.call.title}",
            body=body,
            to=[structure.invited_email],
        )
    )


@transaction.atomic
def partner_accept(*, structure: ApplicationStructure, user: User) -> ApplicationAccess:
    """The invited representative signs in and joins the application for their structure."""
    application = _lock(structure.application)
    structure = ApplicationStructure.objects.select_for_update().get(pk=structure.pk)
    existing = ApplicationAccess.objects.filter(application=application, user=user).first()
    if existing:
        return existing
    access = ApplicationAccess.objects.create(
        application=application, user=user, structure=structure, role=AccessRole.PARTNER
    )
    structure.invitation_token = None
    structure.save(update_fields=["invitation_token", "updated_at"])
    RoleAssignment.objects.get_or_create(user=user, role=Role.APPLICANT, organisation=None)
    return access


@transaction.atomic
def partner_confirm(*, structure: ApplicationStructure, by: User) -> None:
    application = _lock(structure.application)
    _check_editable(application, "partners")
    missing = [
        item
        for item in missing_items(application)
        if item.structure_id == structure.pk and item.section != "partners"
    ]
    if missing:
        raise Incomplete(missing)
    ApplicationStructure.objects.filter(pk=structure.pk).update(
        confirmed_at=timezone.now(), confirmed_by=by
    )


@transaction.atomic
def partner_remove(*, structure: ApplicationStructure, by: User) -> None:
    application = _lock(structure.application)
    _check_editable(application, "partners")
    if structure.is_lead:
        raise ApplicationError("La structure cheffe de file ne peut pas être retirée.")
    for attachment in structure.attachments.all():
        attachment.file.delete(save=False)
    structure.delete()
    application.pending_input = {
        k: v
        for k, v in application.pending_input.items()
        if not k.startswith(f"structure:{structure.pk}:")
    }
    application.structure_count = application.structures.count()
    application.save(update_fields=["pending_input", "structure_count", "updated_at"])
    refresh_search_text(application.pk)


# --- Attachments ------------------------------------------------------------------------------

ALLOWED_KINDS = frozenset({"pdf", "docx", "odt", "xlsx", "ods", "doc", "xls", "png", "jpeg"})


@transaction.atomic
def attachment_add(
    *,
    application: Application,
    upload,
    by: User,
    structure: ApplicationStructure | None = None,
    document: CallDocument | None = None,
    question: CallQuestion | None = None,
) -> Attachment:
    application = _lock(application)
    _check_editable(application, "documents")
    call = application.call
    info = inspect_upload(
        upload, allowed_kinds=set(ALLOWED_KINDS), max_bytes=call.max_file_mb * 1_000_000
    )
    used = (
        application.attachments.filter(is_receipt=False).aggregate(total=Sum("size"))["total"] or 0
    )
    limit = call.max_total_mb * 1_000_000
    if used + info.size > limit:
        raise UploadRejected(
            f"Les pièces de la candidature ne peuvent pas dépasser {human_size(limit)} au total "
            f"(déjà {human_size(used)}). Retirez un fichier ou compressez celui-ci.",
            code="total_size",
        )
    attachment = Attachment(
        application=application,
        structure=structure,
        document=document,
        question=question,
        original_name=info.original_name,
        kind=info.kind,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    upload.seek(0)
    attachment.file.save(storage_name(info.kind), upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: User) -> None:
    application = _lock(attachment.application)
    _check_editable(application, "documents")
    if attachment.is_receipt:
        raise ApplicationError("Le récépissé ne peut pas être supprimé.")
    attachment.file.delete(save=False)
    attachment.delete()


# --- Completeness -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingItem:
    section: str
    label: str
    url: str
    structure_id: int | None = None


def missing_items(application: Application) -> list[MissingItem]:
    """Everything that stops a submission, each with the link to its field."""
    from coopess.applications.sections import section_url, structure_url

    items: list[MissingItem] = []
    call = application.call

    def add(section, label, url, structure_id=None):
        items.append(MissingItem(section, label, url, structure_id))

    type_url = section_url(application, "type")
    if not application.kind:
        add("type", "Choisir le type de candidature", type_url + "#id_kind_0")
    if not application.project_title:
        add("type", "Donner un titre au projet", type_url + "#id_project_title")
    for key in application.pending_input:
        section, _, rest = key.partition(":")
        if section == "structure":
            structure_id, _, field = rest.partition(":")
            url = structure_url(application, int(structure_id)) + f"#id_{field}"
            add(
                "structure",
                f"Corriger la saisie « {_field_label(StructureForm, field)} »",
                url,
                int(structure_id),
            )
        else:
            form_class = {"type": TypeForm, "project": ProjectForm}.get(section)
            label = _field_label(form_class, rest) if form_class else "une réponse"
            add(
                section,
                f"Corriger la saisie « {label} »",
                section_url(application, section) + f"#id_{rest}",
            )

    structures = list(application.structures.prefetch_related("representatives", "attachments"))
    documents = list(call.documents.all())
    if len(structures) > call.max_structures:
        add(
            "partners",
            f"Réduire à {call.max_structures} structures au plus",
            section_url(application, "partners"),
        )
    for structure in structures:
        url = structure_url(application, structure.pk)
        who = "votre structure" if structure.is_lead else f"la structure « {structure} »"
        initial = structure_initial(structure)
        for name in StructureForm.needed:
            value = initial.get(name)
            if value in (None, "", []):
                label = _field_label(StructureForm, name)
                if name.startswith("rep"):
                    label = f"{label} ({'premier·e' if name.startswith('rep1') else 'second·e'} représentant·e)"
                add("structure", f"Pour {who} : {label}", f"{url}#id_{name}", structure.pk)
        if not structure.is_lead and structure.confirmed_at is None:
            add(
                "partners",
                f"La structure « {structure} » doit confirmer sa participation",
                section_url(application, "partners"),
                structure.pk,
            )
        for document in documents:
            if (
                document.required
                and document.scope == DocumentScope.STRUCTURE
                and not any(a.document_id == document.pk for a in structure.attachments.all())
            ):
                add(
                    "documents",
                    f"Joindre « {document.label} » pour {who}",
                    section_url(application, "documents")
                    + f"#document-{document.pk}-{structure.pk}",
                    structure.pk,
                )
    attachments = list(application.attachments.all())
    for document in documents:
        if (
            document.required
            and document.scope == DocumentScope.APPLICATION
            and not any(a.document_id == document.pk for a in attachments)
        ):
            add(
                "documents",
                f"Joindre « {document.label} »",
                section_url(application, "documents") + f"#document-{document.pk}",
            )

    project_url = section_url(application, "project")
    for name in ProjectForm.needed:
        value = (
            application.maturity_stage_id
            if name == "maturity_stage"
            else getattr(application, name)
        )
        if value in (None, "", []):
            add(
                "project", f"Projet : {_field_label(ProjectForm, name)}", f"{project_url}#id_{name}"
            )
    if application.kind == "unaffiliated" and not application.regional_scope:
        add(
            "project",
            "Projet : expliquer l'envergure régionale",
            f"{project_url}#id_regional_scope",
        )

    answers = {answer.question_id: answer.value for answer in application.answers.all()}
    questions = list(call.questions.all())
    for question in visible_questions(questions, answers):
        if not question.required:
            continue
        if question.kind == "file":
            if not any(a.question_id == question.pk for a in attachments):
                add(
                    "documents",
                    f"Joindre : {question.label}",
                    section_url(application, "documents") + f"#question-{question.pk}",
                )
        elif answers.get(question.pk) in (None, "", []):
            add(
                "questions",
                f"Répondre : {question.label}",
                section_url(application, "questions") + f"#id_q{question.pk}",
            )
    return items


def visible_questions(questions: list[CallQuestion], answers: dict) -> list[CallQuestion]:
    """Questions shown given the answers so far (a question may depend on an earlier choice)."""
    visible = []
    for question in questions:
        if question.show_if_question_id:
            answer = answers.get(question.show_if_question_id)
            values = answer if isinstance(answer, list) else [answer]
            if question.show_if_value not in values:
                continue
        visible.append(question)
    return visible


def _field_label(form_class, name: str) -> str:
    field = form_class.base_fields.get(name) if form_class else None
    return str(field.label) if field else name


# --- Submission -------------------------------------------------------------------------------


def _next_receipt_number(call: Call, now: dt.datetime) -> str:
    year = timezone.localtime(now, PARIS).year
    try:
        with transaction.atomic():
            ReceiptCounter.objects.get_or_create(prefix=call.receipt_prefix, year=year)
    except IntegrityError:
        pass
    counter = ReceiptCounter.objects.select_for_update().get(prefix=call.receipt_prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{call.receipt_prefix}-{year}-{counter.last:04d}"


@transaction.atomic
def application_submit(
    *,
    application: Application,
    by: User,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """Submit a complete application before the call closes (or answer a request for complements).

    A replayed or double-clicked request finds the application already submitted and changes
    nothing.
    """
    application = _lock(application)
    now = now or timezone.now()
    if application.status == ApplicationStatus.SUBMITTED or (
        version is not None and version != application.version and not application.is_editable
    ):
        raise AlreadySubmitted(application)
    if not application.is_editable:
        raise NotEditable(application)
    is_first_submission = application.status == ApplicationStatus.DRAFT
    if is_first_submission and not application.call.is_open(at=now):
        raise CallClosed(application.call)
    missing = missing_items(application)
    if missing:
        raise Incomplete(missing)
    if is_first_submission:
        application.receipt_number = _next_receipt_number(application.call, now)
        application.submitted_at = now
        comment = "Candidature déposée."
    else:
        comment = "Compléments apportés."
    transition(
        application,
        to=ApplicationStatus.SUBMITTED,
        by=by,
        actor="representative",
        comment=comment,
        at=now,
    )
    application.reopened_sections = []
    application.save()
    refresh_search_text(application.pk)
    application_id = application.pk
    if is_first_submission:
        send_receipt = task_named("coopess.applications.tasks.send_receipt")
        transaction.on_commit(lambda: send_receipt.enqueue(application_id))
    # selection screens it, notifications and webhooks follow (coopess.common.events)
    events.announce(
        events.APPLICATION_SUBMITTED, application=application, first=is_first_submission
    )
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    application = _lock(application)
    transition(
        application,
        to=ApplicationStatus.WITHDRAWN,
        by=by,
        actor="representative",
        comment=reason or "Candidature retirée par la structure.",
    )
    application.save()
    return application


REOPENABLE_SECTIONS = ("type", "structure", "partners", "project", "questions", "documents")


@transaction.atomic
def application_request_complements(
    *, application: Application, by: User, sections: list[str], message: str
) -> Application:
    """The officer reopens named sections; only those become editable again."""
    application = _lock(application)
    unknown = set(sections) - set(REOPENABLE_SECTIONS)
    if not sections or unknown:
        raise ApplicationError("Choisissez au moins une partie de la candidature à rouvrir.")
    if not message.strip():
        raise ApplicationError("Expliquez aux structures ce qui est attendu.")
    transition(
        application, to=ApplicationStatus.NEEDS_INFO, by=by, actor="officer", comment=message
    )
    application.reopened_sections = list(sections)
    application.save()
    return application
