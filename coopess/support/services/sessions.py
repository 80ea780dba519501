"""Writes of the consultancy's sessions: planning, changes, cancellation, invitations, the record
(attendance, report, action-plan items) and deliverables.

A session keeps its iCalendar UID for life: a change of time or place sends the same UID with
SEQUENCE + 1 (METHOD REQUEST), a cancellation METHOD CANCEL, as for the interviews. Only planned
sessions change or get cancelled; a cancelled session frees its half-day.

The live sessions of an engagement never outnumber its planned half-days: checked here under a
lock on the engagement, and by the database (trigger, migration 0002).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from coopess.accounts.models import User
from coopess.applications.models import ApplicationStructure, Representative
from coopess.applications.services import ALLOWED_KINDS
from coopess.calls.calendar import PARIS
from coopess.common import events
from coopess.common.ics import Invitation, attach_invitation
from coopess.common.mail import queue_email_message
from coopess.common.uploads import inspect_upload, storage_name
from coopess.diagnostic.models import ActionItem, ActionStatus
from coopess.diagnostic.permissions import cohort_structures, structure_recipients
from coopess.selection.models import CohortStatus
from coopess.support.models import (
    Attendance,
    Deliverable,
    Engagement,
    HalfDay,
    Session,
    SessionKind,
    SessionMode,
    SessionStatus,
    SessionTransition,
)
from coopess.support.services import SupportError
from coopess.support.services.engagement import TRIGGER

S = SessionStatus

#: Every allowed move of a session: from-state -> reachable states.
SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.HELD, S.CANCELLED}),
    S.HELD: frozenset(),
    S.CANCELLED: frozenset(),
}


class HalfDaysExhausted(SupportError):
    def __init__(self, planned: int):
        super().__init__(
            f"Les {planned} demi-journées prévues sont déjà toutes planifiées ou tenues. "
            "Annulez une séance prévue ou augmentez le nombre de demi-journées de la prestation "
            "(dans les bornes de l'appel)."
        )


class SessionTransitionRefused(SupportError):
    def __init__(self, session: Session, to: str):
        super().__init__(
            f"La séance est {session.get_status_display().lower()} : elle ne peut pas devenir "
            f"« {SessionStatus(to).label.lower()} »."
        )


def when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment, PARIS), "l j F Y à H\\hi")


@dataclass(frozen=True)
class Slot:
    """When and where a session takes place, as typed in the form."""

    day: dt.date
    half_day: str
    start: dt.time
    end: dt.time
    mode: str
    address: str = ""
    link: str = ""

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return (
            dt.datetime.combine(self.day, self.start, tzinfo=PARIS),
            dt.datetime.combine(self.day, self.end, tzinfo=PARIS),
        )


def _check_slot(slot: Slot, engagement: Engagement) -> None:
    if slot.end <= slot.start:
        raise SupportError("L'heure de fin doit suivre l'heure de début.")
    if slot.half_day == HalfDay.MORNING and slot.start >= dt.time(13, 0):
        raise SupportError("Une séance du matin commence avant 13 h.")
    if slot.half_day == HalfDay.AFTERNOON and slot.start < dt.time(12, 0):
        raise SupportError("Une séance de l'après-midi commence à partir de 12 h.")
    if slot.mode in (SessionMode.IN_PERSON, SessionMode.BOTH) and not slot.address.strip():
        raise SupportError("Indiquez l'adresse de la séance sur place.")
    if slot.mode in (SessionMode.REMOTE, SessionMode.BOTH) and not slot.link.strip():
        raise SupportError("Indiquez le lien de visioconférence.")
    if not engagement.starts_on <= slot.day <= engagement.ends_on:
        raise SupportError(
            "La séance doit avoir lieu pendant la période de la prestation (du "
            f"{engagement.starts_on:%d/%m/%Y} au {engagement.ends_on:%d/%m/%Y})."
        )


def _apply_slot(session: Session, slot: Slot) -> None:
    session.half_day = slot.half_day
    session.starts_at, session.ends_at = slot.bounds()
    session.mode = slot.mode
    session.address = slot.address.strip() if slot.mode != SessionMode.REMOTE else ""
    session.link = slot.link.strip() if slot.mode != SessionMode.IN_PERSON else ""


def _log(session: Session, *, from_status: str, to: str, by: User | None, comment: str = ""):
    SessionTransition.objects.create(
        session=session, from_status=from_status, to_status=to, by=by, comment=comment
    )


def half_days_summary(engagement: Engagement) -> dict:
    """Delivered against planned: held, still planned, and free half-days."""
    counts = {S.PLANNED: 0, S.HELD: 0}
    for status in engagement.sessions.exclude(status=S.CANCELLED).values_list("status", flat=True):
        counts[status] += 1
    return {
        "planned": engagement.planned_half_days,
        "held": counts[S.HELD],
        "scheduled": counts[S.PLANNED],
        "free": max(engagement.planned_half_days - counts[S.HELD] - counts[S.PLANNED], 0),
    }


@transaction.atomic
def session_plan(
    *,
    engagement: Engagement,
    by: User,
    title: str,
    kind: str,
    slot: Slot,
    structure: ApplicationStructure | None = None,
    agenda: str = "",
) -> Session:
    """Plan one half-day and invite its participants."""
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=engagement.pk)
    )
    if engagement.cohort.status == CohortStatus.CLOSED:
        raise SupportError("La cohorte est terminée : plus aucune séance ne peut être prévue.")
    if kind == SessionKind.INDIVIDUAL:
        if (
            structure is None
            or not cohort_structures(engagement.cohort).filter(pk=structure.pk).exists()
        ):
            raise SupportError("Choisissez la structure de la cohorte concernée par la séance.")
    else:
        structure = None
    _check_slot(slot, engagement)
    live = engagement.sessions.exclude(status=S.CANCELLED).count()
    if live >= engagement.planned_half_days:
        raise HalfDaysExhausted(engagement.planned_half_days)
    session = Session(
        engagement=engagement,
        cohort=engagement.cohort,
        title=title.strip() or "Séance d'accompagnement",
        kind=kind,
        structure=structure,
        agenda=agenda,
        created_by=by,
    )
    _apply_slot(session, slot)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:
        if TRIGGER in str(error):
            raise HalfDaysExhausted(engagement.planned_half_days) from error
        raise
    _log(session, from_status="", to=S.PLANNED, by=by)
    _notify(session, kind="planned")
    return session


def _locked(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("engagement", "cohort", "structure")
        .get(pk=session.pk)
    )


@transaction.atomic
def session_update(
    *, session: Session, by: User, title: str, slot: Slot, agenda: str = ""
) -> Session:
    """Change a planned session's title, time or place; participants get the updated invitation."""
    session = _locked(session)
    if session.status != S.PLANNED:
        raise SupportError(
            f"La séance est {session.get_status_display().lower()} : elle ne peut plus être modifiée."
        )
    _check_slot(slot, session.engagement)
    before = (
        session.starts_at,
        session.ends_at,
        session.mode,
        session.address,
        session.link,
        session.title,
    )
    session.title = title.strip() or session.title
    session.agenda = agenda
    _apply_slot(session, slot)
    after = (
        session.starts_at,
        session.ends_at,
        session.mode,
        session.address,
        session.link,
        session.title,
    )
    changed = before != after
    if changed:
        session.sequence += 1
    session.save()
    if changed:
        _notify(session, kind="updated")
    return session


@transaction.atomic
def session_cancel(*, session: Session, by: User, reason: str) -> Session:
    """Cancel a planned session (its half-day becomes free again); participants get a CANCEL."""
    session = _locked(session)
    if S.CANCELLED not in SESSION_TRANSITIONS[session.status]:
        raise SessionTransitionRefused(session, S.CANCELLED)
    if not reason.strip():
        raise SupportError(
            "Indiquez le motif de l'annulation : il est transmis aux participant·es."
        )
    previous = session.status
    session.status = S.CANCELLED
    session.sequence += 1
    session.save(update_fields=["status", "sequence"])
    _log(session, from_status=previous, to=S.CANCELLED, by=by, comment=reason.strip())
    _notify(session, kind="cancelled", reason=reason.strip())
    return session


def concerned_representatives(session: Session) -> list[Representative]:
    """The declared representatives of the structures a session concerns."""
    if session.kind == SessionKind.INDIVIDUAL:
        structures = ApplicationStructure.objects.filter(pk=session.structure_id)
    else:
        structures = cohort_structures(session.cohort)
    return list(
        Representative.objects.filter(structure__in=structures.values("pk"))
        .select_related("structure")
        .order_by("structure__application_id", "structure__position", "structure_id", "position")
    )


@transaction.atomic
def session_record(
    *,
    session: Session,
    by: User,
    present: set[int],
    report: str,
    other_attendees: str = "",
    action_items: dict[int, str] | None = None,
) -> Session:
    """Record what happened: attendance per representative, the report, the action-plan items
    worked on (with their new status). The first record marks the session as held."""
    session = _locked(session)
    if session.status == S.CANCELLED:
        raise SessionTransitionRefused(session, S.HELD)
    if session.starts_at > timezone.now():
        raise SupportError("La séance n'a pas encore commencé : son compte rendu viendra après.")
    representatives = concerned_representatives(session)
    known = {r.pk for r in representatives}
    unknown = set(present) - known
    if unknown:
        raise SupportError("Une personne cochée ne représente pas une structure concernée.")
    existing = {a.representative_id: a for a in session.attendances.all()}
    for representative in representatives:
        was_there = representative.pk in present
        attendance = existing.get(representative.pk)
        if attendance is None:
            Attendance.objects.create(
                session=session, representative=representative, present=was_there
            )
        elif attendance.present != was_there:
            attendance.present = was_there
            attendance.save(update_fields=["present"])
    action_items = action_items or {}
    items = list(ActionItem.objects.filter(cohort=session.cohort, pk__in=action_items))
    if len(items) != len(action_items):
        raise SupportError("Une action cochée n'appartient pas au plan d'action de la cohorte.")
    for item in items:
        status = action_items[item.pk]
        if status and status not in ActionStatus.values:
            raise SupportError("Avancement inconnu pour une action.")
        if status and status != item.status:
            item.status = status
            item.save(update_fields=["status"])
    session.action_items.set(items)
    session.report = report
    session.other_attendees = other_attendees.strip()
    session.recorded_by = by
    previous = session.status
    session.held_at = timezone.now()
    if previous == S.PLANNED:
        session.status = S.HELD
    session.save(update_fields=["report", "other_attendees", "recorded_by", "held_at", "status"])
    if previous == S.PLANNED:
        _log(session, from_status=previous, to=S.HELD, by=by)
        events.announce(events.SESSION_HELD, session=session)
    return session


# --- Deliverables ----------------------------------------------------------------------------


@transaction.atomic
def deliverable_add(*, session: Session, upload, title: str, by: User) -> Deliverable:
    """Attach a document to a held session, under the same rules as application attachments."""
    session = _locked(session)
    if session.status != S.HELD:
        raise SupportError("Enregistrez d'abord le compte rendu de la séance, puis ses livrables.")
    call = session.cohort.call
    info = inspect_upload(
        upload, allowed_kinds=set(ALLOWED_KINDS), max_bytes=call.max_file_mb * 1_000_000
    )
    deliverable = Deliverable(
        session=session,
        title=title.strip() or info.display_name,
        original_name=info.display_name,
        kind=info.kind,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    upload.seek(0)
    deliverable.file.save(storage_name(info.kind), upload, save=False)
    deliverable.save()
    return deliverable


@transaction.atomic
def deliverable_delete(*, deliverable: Deliverable, by: User) -> None:
    name = deliverable.file.name
    storage = deliverable.file.storage
    deliverable.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Invitations -----------------------------------------------------------------------------


def _structures(session: Session) -> list[ApplicationStructure]:
    if session.kind == SessionKind.INDIVIDUAL:
        return [session.structure]
    return list(cohort_structures(session.cohort).prefetch_related("representatives"))


def staff_recipients(session: Session) -> list[str]:
    emails = [u.email for u in session.engagement.consultants.all()]
    if session.created_by_id and session.created_by.email:
        emails.append(session.created_by.email)
    seen: dict[str, None] = {}
    for email in emails:
        seen.setdefault(email.strip().lower(), None)
    return [e for e in seen if e]


def participants(session: Session) -> list[str]:
    """Everyone invited: the structures' representatives and accounts, the consultants, and the
    person who planned the session; each address once."""
    emails: list[str] = []
    for structure in _structures(session):
        emails += structure_recipients(structure)
    emails += staff_recipients(session)
    seen: dict[str, None] = {}
    for email in emails:
        seen.setdefault(email, None)
    return list(seen)


def invitation_for(session: Session, *, cancelled: bool | None = None) -> Invitation:
    if cancelled is None:
        cancelled = session.status == S.CANCELLED
    engagement = session.engagement
    who = (
        f"séance individuelle de {session.structure.name}"
        if session.kind == SessionKind.INDIVIDUAL
        else "séance collective de toutes les structures"
    )
    description = (
        f"Accompagnement collectif ({session.cohort.name}) — {who}, animée par "
        f"{engagement.firm}. Modalité : {session.get_mode_display().lower()}"
        + (f" — {session.place}" if session.place else "")
        + "."
    )
    organiser = session.created_by
    return Invitation(
        uid=str(session.uid),
        sequence=session.sequence,
        summary=f"{session.title} — accompagnement collectif",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        description=description,
        location=session.address,
        url=session.link,
        organiser_email=organiser.email if organiser else "",
        organiser_name=organiser.get_full_name() if organiser else "",
        attendees=participants(session),
        cancelled=cancelled,
    )


SUBJECTS = {
    "planned": "[CoopESS] Séance d'accompagnement le {when}",
    "updated": "[CoopESS] Séance d'accompagnement modifiée : {when}",
    "cancelled": "[CoopESS] Séance d'accompagnement du {when} annulée",
}


def session_emails(session: Session, *, kind: str, reason: str = "") -> list[EmailMessage]:
    """One message per participant, each with the ``.ics`` (REQUEST, or CANCEL)."""
    invitation = invitation_for(session, cancelled=kind == "cancelled")
    staff = set(staff_recipients(session))
    structure_links = {}
    for structure in _structures(session):
        path = reverse("support:structure", kwargs={"structure_id": structure.pk})
        for email in structure_recipients(structure):
            structure_links.setdefault(email, settings.COOPESS_BASE_URL + path)
    staff_link = settings.COOPESS_BASE_URL + reverse(
        "support:session", kwargs={"cohort_id": session.cohort_id, "session_id": session.pk}
    )
    subject = SUBJECTS[kind].format(when=when(session.starts_at))
    messages = []
    for email in invitation.attendees:
        body = render_to_string(
            "support/email/session.txt",
            {
                "session": session,
                "kind": kind,
                "when": when(session.starts_at),
                "ends": timezone.localtime(session.ends_at, PARIS),
                "reason": reason,
                "link": staff_link if email in staff else structure_links.get(email, staff_link),
            },
        )
        message = EmailMessage(subject=subject, body=body, to=[email])
        messages.append(attach_invitation(message, invitation))
    return messages


def _notify(session: Session, *, kind: str, reason: str = "") -> None:
    for message in session_emails(session, kind=kind, reason=reason):
        queue_email_message(message)
    events.announce(events.SESSION_CHANGED, session=session, kind=kind)
