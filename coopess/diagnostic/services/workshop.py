"""Writes of the collective workshop and the cohort's action plan.

Every structure of the cohort is invited: each of its representatives and accounts receives
an email with the ``.ics`` invitation (``common/ics.py``). The invitation keeps its UID for
life; every change sent raises its SEQUENCE (``METHOD:REQUEST``), a cancellation is sent as
``METHOD:CANCEL``. A reminder leaves two days before, from the worker.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import ApplicationStructure
from coopess.calls.calendar import PARIS
from coopess.calls.models import SupportStep
from coopess.common.events import WORKSHOP_CHANGED, announce
from coopess.common.ics import Invitation
from coopess.common.jobs import task_named
from coopess.diagnostic.invitations import (
    calendar_place,
    claim_reminder,
    invitation_email,
    queue_invitations,
    queue_reminders,
    reminder_at,  # noqa: F401 — part of this module's interface (tests)
)
from coopess.diagnostic.models import (
    ActionItem,
    ActionStatus,
    MeetingStatus,
    Mode,
    Workshop,
)
from coopess.diagnostic.permissions import cohort_structures, structure_recipients
from coopess.selection.models import Cohort, CohortStatus

#: the fields whose change is sent to the invited (a new SEQUENCE)
SENT_FIELDS = ("title", "starts_at", "ends_at", "mode", "address", "link", "agenda")


class WorkshopError(ApplicationError):
    """A refused change to the workshop or the action plan."""


def _check_cohort(cohort: Cohort) -> None:
    if cohort.status == CohortStatus.FORMING:
        raise WorkshopError(
            "Ouvrez d'abord le diagnostic partagé : l'atelier collectif en fait partie."
        )
    if cohort.status == CohortStatus.CLOSED:
        raise WorkshopError("La cohorte est close : l'atelier et le plan d'action sont figés.")


def _check_meeting(*, starts_at, ends_at, mode, address, link) -> None:
    if ends_at <= starts_at:
        raise WorkshopError("L'atelier doit finir après son début.")
    if mode == Mode.IN_PERSON and not address.strip():
        raise WorkshopError("Indiquez l'adresse de l'atelier sur place.")
    if mode == Mode.REMOTE and not link.strip():
        raise WorkshopError("Indiquez le lien de visioconférence de l'atelier à distance.")


@transaction.atomic
def workshop_schedule(
    *,
    cohort: Cohort,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str,
    address: str = "",
    link: str = "",
    title: str = "Atelier collectif",
    agenda: str = "",
) -> Workshop:
    """Schedule the collective workshop and invite every structure of the cohort."""
    _check_cohort(cohort)
    _check_meeting(starts_at=starts_at, ends_at=ends_at, mode=mode, address=address, link=link)
    if starts_at <= timezone.now():
        raise WorkshopError("Choisissez une date à venir pour l'atelier.")
    workshop = Workshop.objects.create(
        cohort=cohort,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        address=address.strip() if mode == Mode.IN_PERSON else "",
        link=link.strip() if mode == Mode.REMOTE else "",
        title=title.strip() or "Atelier collectif",
        agenda=agenda,
        organiser=by,
    )
    _notify(workshop, kind="invited")
    return workshop


def _locked(workshop: Workshop) -> Workshop:
    return (
        Workshop.objects.select_for_update(of=("self",))
        .select_related("cohort", "organiser")
        .get(pk=workshop.pk)
    )


@transaction.atomic
def workshop_update(*, workshop: Workshop, by: User, **changes) -> Workshop:
    """Change the date, place, title or agenda of a planned workshop; the invited receive the
    update (same UID, next SEQUENCE). Returns the workshop; nothing is sent without a change."""
    workshop = _locked(workshop)
    _check_cohort(workshop.cohort)
    if workshop.status != MeetingStatus.PLANNED:
        raise WorkshopError(
            "Cet atelier est annulé ou a déjà eu lieu : il ne peut plus être déplacé."
        )
    unknown = set(changes) - set(SENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown workshop fields: {sorted(unknown)}")
    values = {name: changes.get(name, getattr(workshop, name)) for name in SENT_FIELDS}
    if values["mode"] == Mode.IN_PERSON:
        values["link"] = ""
    else:
        values["address"] = ""
    values["title"] = (values["title"] or "").strip() or "Atelier collectif"
    _check_meeting(
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        mode=values["mode"],
        address=values["address"],
        link=values["link"],
    )
    changed = [name for name in SENT_FIELDS if getattr(workshop, name) != values[name]]
    if not changed:
        return workshop
    if "starts_at" in changed and values["starts_at"] <= timezone.now():
        raise WorkshopError("Choisissez une date à venir pour l'atelier.")
    for name in changed:
        setattr(workshop, name, values[name])
    workshop.sequence += 1
    if {"starts_at", "ends_at"} & set(changed):
        workshop.reminder_sent_at = None
    workshop.save()
    _notify(workshop, kind="updated")
    return workshop


@transaction.atomic
def workshop_cancel(*, workshop: Workshop, by: User) -> Workshop:
    """Cancel a planned workshop: the invited receive the cancellation (METHOD:CANCEL)."""
    workshop = _locked(workshop)
    if workshop.status != MeetingStatus.PLANNED:
        raise WorkshopError("Seul un atelier prévu peut être annulé.")
    workshop.status = MeetingStatus.CANCELLED
    workshop.sequence += 1
    workshop.save(update_fields=["status", "sequence"])
    _notify(workshop, kind="cancelled")
    return workshop


@transaction.atomic
def workshop_record_outcomes(
    *, workshop: Workshop, by: User, stakes: str, decisions: str
) -> Workshop:
    """Record the shared stakes and the decisions (Markdown); the workshop is then « tenu »."""
    workshop = _locked(workshop)
    _check_cohort(workshop.cohort)
    if workshop.status == MeetingStatus.CANCELLED:
        raise WorkshopError("Cet atelier a été annulé : il n'a pas de compte rendu.")
    if workshop.starts_at > timezone.now():
        raise WorkshopError("L'atelier n'a pas encore eu lieu : notez son compte rendu après.")
    workshop.stakes = stakes
    workshop.decisions = decisions
    workshop.status = MeetingStatus.HELD
    workshop.save(update_fields=["stakes", "decisions", "status"])
    return workshop


# --- Invitations and reminders ------------------------------------------------------------------


def recipients(workshop: Workshop) -> list[tuple[str, ApplicationStructure | None]]:
    """Each invited address once, with the structure it is invited for (None: the organiser)."""
    out: dict[str, ApplicationStructure | None] = {}
    for structure in cohort_structures(workshop.cohort).prefetch_related("representatives"):
        for email in structure_recipients(structure):
            out.setdefault(email, structure)
    organiser = (workshop.organiser.email if workshop.organiser else "").strip().lower()
    if organiser:
        out.setdefault(organiser, None)
    return list(out.items())


def _place(workshop: Workshop) -> str:
    return workshop.address if workshop.mode == Mode.IN_PERSON else workshop.link


def invitation_for(workshop: Workshop, attendees: list[str], *, cancelled: bool) -> Invitation:
    organiser = workshop.organiser
    description = (
        f"Atelier collectif du diagnostic partagé ({workshop.cohort.name}). "
        f"Modalité : {workshop.get_mode_display().lower()} — {_place(workshop)}."
    )
    if workshop.agenda.strip():
        description += f"\n\nOrdre du jour :\n{workshop.agenda.strip()}"
    return Invitation(
        uid=str(workshop.uid),
        sequence=workshop.sequence,
        summary=f"{workshop.title} — {workshop.cohort.name}",
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        description=description,
        **calendar_place(workshop),
        organiser_email=organiser.email if organiser else "",
        organiser_name=organiser.get_full_name() if organiser else "",
        attendees=attendees,
        cancelled=cancelled,
    )


SUBJECTS = {
    "invited": "[CoopESS] Atelier collectif le {when}",
    "updated": "[CoopESS] Atelier collectif modifié : {when}",
    "cancelled": "[CoopESS] Atelier collectif du {when} annulé",
    "reminder": "[CoopESS] Rappel : atelier collectif le {when}",
}


def _when(moment: dt.datetime) -> str:
    from django.utils.formats import date_format

    local = timezone.localtime(moment, PARIS)
    return f"{date_format(local, 'l j F Y')} à {local:%H} h {local:%M}"


def workshop_emails(workshop: Workshop, *, kind: str) -> list[EmailMessage]:
    """One message per invited address, each with the ``.ics`` (REQUEST, or CANCEL)."""
    invited = recipients(workshop)
    invitation = invitation_for(
        workshop, [email for email, _s in invited], cancelled=kind == "cancelled"
    )
    subject = SUBJECTS[kind].format(when=_when(workshop.starts_at))
    messages = []
    for email, structure in invited:
        if structure is None:
            path = reverse("diagnostic:workshop", kwargs={"cohort_id": workshop.cohort_id})
        else:
            path = reverse("diagnostic:structure_workshop", kwargs={"structure_id": structure.pk})
        body = render_to_string(
            "diagnostic/workshop/email/workshop.txt",
            {
                "workshop": workshop,
                "kind": kind,
                "when": _when(workshop.starts_at),
                "ends": timezone.localtime(workshop.ends_at, PARIS),
                "place": _place(workshop),
                "structure": structure,
                "link": settings.COOPESS_BASE_URL + path,
            },
        )
        messages.append(
            invitation_email(subject=subject, body=body, to=email, invitation=invitation)
        )
    return messages


def _notify(workshop: Workshop, *, kind: str) -> None:
    """Queue the invitations now and, unless cancelled, the reminder two days before."""
    queue_invitations(
        workshop_emails(workshop, kind=kind),
        meeting=workshop,
        task=None
        if kind == "cancelled"
        else task_named("coopess.diagnostic.tasks.send_workshop_reminder"),
    )
    # the notifications app tells the cohort's accounts and the organiser in-app
    # (coopess/notifications/hooks.py, with NOTIFICATION_TITLES below)
    announce(WORKSHOP_CHANGED, workshop=workshop, kind=kind)


NOTIFICATION_TITLES = {
    "invited": "Atelier collectif prévu le {when}",
    "updated": "Atelier collectif modifié : le {when}",
    "cancelled": "Atelier collectif du {when} annulé",
}


def reminder_send(*, workshop_id: int, sequence: int) -> int:
    """Send the reminder once, only if the workshop is still planned at that version."""
    with transaction.atomic():
        workshop = (
            Workshop.objects.select_for_update(of=("self",))
            .select_related("cohort", "organiser")
            .filter(pk=workshop_id)
            .first()
        )
        if not claim_reminder(workshop, sequence):
            return 0
        return queue_reminders(
            workshop_emails(workshop, kind="reminder"), prefix="workshop-reminder", meeting=workshop
        )


# --- The action plan ------------------------------------------------------------------------------


def _check_action(
    *, cohort: Cohort, structures: list[ApplicationStructure], support_step: SupportStep | None
) -> None:
    allowed = set(cohort_structures(cohort).values_list("pk", flat=True))
    if any(structure.pk not in allowed for structure in structures):
        raise WorkshopError("Une des structures choisies ne fait pas partie de la cohorte.")
    if support_step is not None and support_step.call_id != cohort.call_id:
        raise WorkshopError(
            "Cette étape d'accompagnement n'appartient pas à l'appel de la cohorte."
        )


@transaction.atomic
def action_add(
    *,
    cohort: Cohort,
    by: User,
    action: str,
    structures: list[ApplicationStructure],
    owner: str = "",
    due_date: dt.date | None = None,
    support_step: SupportStep | None = None,
    status: str = ActionStatus.TODO,
    workshop: Workshop | None = None,
) -> ActionItem:
    """Add a line to the cohort's action plan (at the end)."""
    _check_cohort(cohort)
    _check_action(cohort=cohort, structures=structures, support_step=support_step)
    if workshop is not None and workshop.cohort_id != cohort.pk:
        raise WorkshopError("Cet atelier n'appartient pas à la cohorte.")
    last = cohort.actions.order_by("-position").values_list("position", flat=True).first()
    item = ActionItem.objects.create(
        cohort=cohort,
        workshop=workshop,
        position=(last or 0) + 1,
        action=action.strip(),
        owner=owner.strip(),
        due_date=due_date,
        support_step=support_step,
        status=status,
    )
    item.structures.set(structures)
    return item


@transaction.atomic
def action_update(
    *,
    item: ActionItem,
    by: User,
    action: str,
    structures: list[ApplicationStructure],
    owner: str = "",
    due_date: dt.date | None = None,
    support_step: SupportStep | None = None,
    status: str = ActionStatus.TODO,
) -> ActionItem:
    cohort = item.cohort
    _check_cohort(cohort)
    _check_action(cohort=cohort, structures=structures, support_step=support_step)
    item.action = action.strip()
    item.owner = owner.strip()
    item.due_date = due_date
    item.support_step = support_step
    item.status = status
    item.save()
    item.structures.set(structures)
    return item


@transaction.atomic
def action_delete(*, item: ActionItem, by: User) -> None:
    _check_cohort(item.cohort)
    item.delete()
