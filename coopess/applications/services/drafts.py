"""Creating an application and saving its sections as a draft: valid values go to the model,
the rest is kept as typed (``pending_for``) so that nothing is lost; the errors every write
raises when a call is closed, full or no longer editable.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from coopess.accounts.models import Role, RoleAssignment, User
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
    Representative,
)
from coopess.calls.calendar import DAY_AND_CLOCK, PARIS
from coopess.calls.models import Call

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


@dataclass(frozen=True)
class MissingItem:
    section: str
    label: str
    url: str
    structure_id: int | None = None
