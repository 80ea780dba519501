"""Writes of the interviews: the call's guide, slots, booking, moves, cancellations, invitations,
reminders and the officer's record.

Races are settled by the database, not by a read followed by a write:
- booking is one conditional UPDATE (``structure IS NULL AND status = planned``): of two
  structures taking the last slot at the same time, exactly one updates a row;
- a structure holds at most one live interview (unique constraint) and an officer's live slots
  never overlap (exclusion constraint / trigger): both raise ``IntegrityError``, turned here into
  an ``InterviewError`` with a French message.

An interview keeps its iCalendar UID for life: a move changes the booked row's time and place
(SEQUENCE + 1, METHOD REQUEST), a cancellation sends METHOD CANCEL. The slot a move leaves or a
cancellation frees is published again as a new open slot (a new UID, never sent to anyone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import ApplicationStructure, Representative
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common import events
from coopess.common.ics import Invitation
from coopess.common.jobs import task_named
from coopess.diagnostic.invitations import (
    calendar_place,
    claim_reminder,
    invitation_email,
    queue_invitations,
    queue_reminders,
    reminder_at,  # noqa: F401 — part of this module's interface (tests, views)
)
from coopess.diagnostic.models import (
    Diagnostic,
    Interview,
    InterviewGuideItem,
    InterviewNote,
    MeetingStatus,
    Mode,
)
from coopess.diagnostic.permissions import structure_recipients
from coopess.selection.models import Cohort, CohortStatus

#: the seed call's guide: (heading, what the officer notes there)
DEFAULT_GUIDE: tuple[tuple[str, str], ...] = (
    ("Attentes de la structure", "Ce qu'elle attend de la coopération et de l'accompagnement."),
    ("Premiers constats à confirmer", "Ce que le dossier de candidature laisse penser."),
    ("Ressources qu'elle pourrait partager", "Moyens, compétences, locaux, réseaux, activités."),
    ("Ce dont elle a besoin", "Besoins qu'une mutualisation pourrait couvrir."),
    ("Points de blocage possibles", "Craintes, sujets sensibles, conditions posées."),
    ("Gouvernance et processus de décision", "Qui décide, quand, instances à consulter."),
    ("Contraintes de calendrier", "Échéances, périodes chargées, disponibilités."),
)

MAX_SLOTS_AT_ONCE = 12


class InterviewError(ApplicationError):
    """A refusal about an interview, explained in French."""


class DiagnosticNotOpen(InterviewError):
    def __init__(self):
        super().__init__(
            "Le diagnostic partagé de cette cohorte n'est pas ouvert : "
            "les entretiens ne peuvent pas être réservés."
        )


class OfficerBusy(InterviewError):
    def __init__(self, starts_at: dt.datetime | None = None):
        when = f" ({_when(starts_at)})" if starts_at else ""
        super().__init__(
            f"Ce créneau{when} chevauche un autre entretien de la même personne : "
            "une chargée ou un chargé d'accompagnement ne peut pas être à deux entretiens à la fois."
        )


class SlotTaken(InterviewError):
    def __init__(self):
        super().__init__(
            "Ce créneau n'est plus disponible : une autre structure vient de le réserver. "
            "Choisissez un autre créneau."
        )


class AlreadyBooked(InterviewError):
    def __init__(self):
        super().__init__(
            "Cette structure a déjà un entretien réservé. Pour changer de créneau, "
            "déplacez l'entretien existant."
        )


class BookingClosed(InterviewError):
    def __init__(self, deadline: dt.datetime):
        super().__init__(
            f"La date limite pour réserver ou déplacer un entretien ({_when(deadline)}) est "
            "passée. Contactez la chargée ou le chargé d'accompagnement du DLA."
        )


class SlotPast(InterviewError):
    def __init__(self):
        super().__init__("Ce créneau est déjà passé.")


class InterviewNotLive(InterviewError):
    def __init__(self):
        super().__init__("Cet entretien a déjà eu lieu ou a été annulé : il ne peut plus changer.")


class NotYetHeld(InterviewError):
    def __init__(self):
        super().__init__(
            "L'entretien n'a pas encore commencé : il ne peut pas être marqué comme tenu."
        )


def _when(moment: dt.datetime) -> str:
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment, PARIS), "l j F Y à G\\hi")


# --- The call's guide ------------------------------------------------------------------------


def guide_setup(*, call: Call) -> None:
    """Give ``call`` the default interview guide when it has none (idempotent)."""
    if call.interview_guide.exists():
        return
    InterviewGuideItem.objects.bulk_create(
        InterviewGuideItem(call=call, position=position, label=label, help_text=help_text)
        for position, (label, help_text) in enumerate(DEFAULT_GUIDE, start=1)
    )


# --- Settings --------------------------------------------------------------------------------


def _diagnostic(cohort: Cohort) -> Diagnostic:
    diagnostic = Diagnostic.objects.select_related("cohort").filter(cohort=cohort).first()
    if diagnostic is None:
        raise DiagnosticNotOpen
    return diagnostic


@transaction.atomic
def booking_deadline_set(*, cohort: Cohort, deadline: dt.datetime | None, by: User) -> Diagnostic:
    """Set (or remove, with ``None``) the date after which structures can no longer book or move
    their interview themselves."""
    diagnostic = _diagnostic(cohort)
    diagnostic.booking_deadline = deadline
    diagnostic.save(update_fields=["booking_deadline"])
    return diagnostic


def booking_open(diagnostic: Diagnostic, *, at: dt.datetime | None = None) -> bool:
    """Whether a structure may still book or move its interview itself."""
    deadline = diagnostic.booking_deadline
    return deadline is None or (at or timezone.now()) <= deadline


# --- Slots -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    mode: str
    address: str = ""
    link: str = ""


def _check_place(place: Place) -> None:
    if place.mode == Mode.IN_PERSON and not place.address.strip():
        raise InterviewError("Indiquez l'adresse d'un entretien sur place.")
    if place.mode == Mode.REMOTE and not place.link.strip():
        raise InterviewError("Indiquez le lien de visioconférence d'un entretien à distance.")


def _is_overlap(error: IntegrityError) -> bool:
    return "officer_never_double_booked" in str(error)


@transaction.atomic
def slots_publish(
    *,
    cohort: Cohort,
    officer: User,
    day: dt.date,
    start: dt.time,
    place: Place,
    count: int = 1,
    minutes: int | None = None,
    pause_minutes: int = 0,
) -> list[Interview]:
    """Publish ``count`` consecutive slots from ``day`` at ``start`` (Paris time), each
    ``minutes`` long (the cohort's interview length by default), ``pause_minutes`` apart.
    All or nothing: one slot overlapping another of the officer's interviews refuses the lot."""
    diagnostic = _diagnostic(cohort)
    if diagnostic.cohort.status != CohortStatus.DIAGNOSTIC:
        raise DiagnosticNotOpen
    if not 1 <= count <= MAX_SLOTS_AT_ONCE:
        raise InterviewError(f"Publiez entre 1 et {MAX_SLOTS_AT_ONCE} créneaux à la fois.")
    _check_place(place)
    length = dt.timedelta(minutes=minutes or diagnostic.interview_minutes)
    step = length + dt.timedelta(minutes=pause_minutes)
    first = dt.datetime.combine(day, start, tzinfo=PARIS)
    if first <= timezone.now():
        raise SlotPast
    slots = []
    for index in range(count):
        # wall-clock arithmetic in Paris, so that a slot keeps its hour across a DST change
        starts_at = first + index * step
        slot = Interview(
            cohort=cohort,
            officer=officer,
            starts_at=starts_at,
            ends_at=starts_at + length,
            mode=place.mode,
            address=place.address.strip() if place.mode == Mode.IN_PERSON else "",
            link=place.link.strip() if place.mode == Mode.REMOTE else "",
        )
        try:
            with transaction.atomic():
                slot.save()
        except IntegrityError as error:
            if _is_overlap(error):
                raise OfficerBusy(starts_at) from error
            raise
        slots.append(slot)
    return slots


@transaction.atomic
def slot_withdraw(*, interview: Interview, by: User) -> None:
    """Take back an open slot (nobody booked it): it disappears from the list."""
    withdrawn = Interview.objects.filter(
        pk=interview.pk, structure__isnull=True, status=MeetingStatus.PLANNED
    ).update(status=MeetingStatus.CANCELLED)
    if not withdrawn:
        raise InterviewError(
            "Ce créneau vient d'être réservé : annulez l'entretien si vous ne pouvez pas le tenir."
        )


def open_slots(cohort: Cohort):
    """The slots of ``cohort`` a structure can still book, earliest first."""
    return Interview.objects.filter(
        cohort=cohort,
        structure__isnull=True,
        status=MeetingStatus.PLANNED,
        starts_at__gt=timezone.now(),
    ).select_related("officer")


# --- Booking, moving, cancelling -------------------------------------------------------------


def _check_can_change(diagnostic: Diagnostic, *, as_officer: bool) -> None:
    if diagnostic.cohort.status != CohortStatus.DIAGNOSTIC:
        raise DiagnosticNotOpen
    if not as_officer and not booking_open(diagnostic):
        raise BookingClosed(diagnostic.booking_deadline)


def _check_live(interview: Interview) -> None:
    if interview.status != MeetingStatus.PLANNED or interview.starts_at <= timezone.now():
        raise InterviewNotLive


@transaction.atomic
def interview_book(
    *, slot: Interview, structure: ApplicationStructure, by: User, as_officer: bool = False
) -> Interview:
    """Book the open ``slot`` for ``structure``. Refused after the booking deadline unless the
    officer books, when someone else took the slot first, or when the structure already has a
    live interview."""
    diagnostic = _diagnostic(slot.cohort)
    _check_can_change(diagnostic, as_officer=as_officer)
    if slot.starts_at <= timezone.now():
        raise SlotPast
    try:
        with transaction.atomic():
            booked = Interview.objects.filter(
                pk=slot.pk, structure__isnull=True, status=MeetingStatus.PLANNED
            ).update(structure=structure, booked_by=by, booked_at=timezone.now())
    except IntegrityError as error:  # one_live_interview_per_structure
        raise AlreadyBooked from error
    if not booked:
        raise SlotTaken
    interview = Interview.objects.select_related("officer", "structure", "cohort").get(pk=slot.pk)
    _notify(interview, kind="booked")
    return interview


@transaction.atomic
def interview_move(
    *, interview: Interview, to: Interview, by: User, as_officer: bool = False
) -> Interview:
    """Move a booked interview to the open slot ``to``: the interview keeps its identity (same
    calendar UID, SEQUENCE + 1) and takes the time and place of ``to``; the time it leaves is
    published again as an open slot."""
    diagnostic = _diagnostic(interview.cohort)
    _check_can_change(diagnostic, as_officer=as_officer)
    _check_live(interview)
    if to.cohort_id != interview.cohort_id or to.pk == interview.pk:
        raise SlotTaken
    if to.starts_at <= timezone.now():
        raise SlotPast
    # claim the target slot: the same conditional update as a booking
    claimed = Interview.objects.filter(
        pk=to.pk, structure__isnull=True, status=MeetingStatus.PLANNED
    ).update(status=MeetingStatus.CANCELLED)
    if not claimed:
        raise SlotTaken
    to.refresh_from_db()
    left = Interview(
        cohort=interview.cohort,
        officer_id=interview.officer_id,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        mode=interview.mode,
        address=interview.address,
        link=interview.link,
    )
    try:
        with transaction.atomic():
            moved = Interview.objects.filter(pk=interview.pk, status=MeetingStatus.PLANNED).update(
                officer_id=to.officer_id,
                starts_at=to.starts_at,
                ends_at=to.ends_at,
                mode=to.mode,
                address=to.address,
                link=to.link,
                sequence=F("sequence") + 1,
                reminder_sent_at=None,
            )
            if not moved:
                raise InterviewNotLive
            left.save()
    except IntegrityError as error:
        if _is_overlap(error):
            raise OfficerBusy(to.starts_at) from error
        raise
    interview = Interview.objects.select_related("officer", "structure", "cohort").get(
        pk=interview.pk
    )
    _notify(interview, kind="moved")
    return interview


@transaction.atomic
def interview_cancel(
    *, interview: Interview, by: User, as_officer: bool = False, reopen: bool = True
) -> Interview:
    """Cancel a booked interview (everyone receives a METHOD:CANCEL); with ``reopen`` its time is
    published again as an open slot. A structure may cancel until the interview starts, even
    after the booking deadline (it then asks the DLA for another date)."""
    _diagnostic(interview.cohort)
    _check_live(interview)
    cancelled = Interview.objects.filter(
        pk=interview.pk, status=MeetingStatus.PLANNED, structure__isnull=False
    ).update(status=MeetingStatus.CANCELLED, sequence=F("sequence") + 1)
    if not cancelled:
        raise InterviewNotLive
    if reopen:
        try:
            with transaction.atomic():
                Interview.objects.create(
                    cohort=interview.cohort,
                    officer_id=interview.officer_id,
                    starts_at=interview.starts_at,
                    ends_at=interview.ends_at,
                    mode=interview.mode,
                    address=interview.address,
                    link=interview.link,
                )
        except IntegrityError as error:  # the officer took the time meanwhile: keep it closed
            if not _is_overlap(error):
                raise
    interview = Interview.objects.select_related("officer", "structure", "cohort").get(
        pk=interview.pk
    )
    _notify(interview, kind="cancelled")
    return interview


# --- The officer's record --------------------------------------------------------------------


@transaction.atomic
def interview_record(
    *,
    interview: Interview,
    by: User,
    attended: list[Representative],
    other_attendees: str,
    notes: dict[int, str],
    private_notes: str,
    mark_held: bool = False,
) -> Interview:
    """Save what the officer noted (one text per guide heading), who attended, the private notes;
    ``mark_held`` closes the interview as held (not before it starts)."""
    if interview.structure_id is None or interview.status == MeetingStatus.CANCELLED:
        raise InterviewError("Seul un entretien réservé et non annulé peut être consigné.")
    if mark_held and interview.starts_at > timezone.now():
        raise NotYetHeld
    items = {
        item.pk: item
        for item in InterviewGuideItem.objects.filter(call_id=interview.cohort.call_id)
    }
    interview.attended.set([r for r in attended if r.structure_id == interview.structure_id])
    interview.other_attendees = other_attendees.strip()
    interview.private_notes = private_notes
    fields = ["other_attendees", "private_notes"]
    if mark_held and interview.status == MeetingStatus.PLANNED:
        interview.status = MeetingStatus.HELD
        interview.held_at = timezone.now()
        fields += ["status", "held_at"]
    interview.save(update_fields=fields)
    for item_id, text in notes.items():
        if item_id in items:
            InterviewNote.objects.update_or_create(
                interview=interview, item=items[item_id], defaults={"text": text}
            )
    return interview


# --- Invitations and reminders ---------------------------------------------------------------


def participants(interview: Interview) -> list[str]:
    """Who is invited: the structure's representatives and accounts, then the officer."""
    emails = structure_recipients(interview.structure) if interview.structure_id else []
    officer_email = (interview.officer.email or "").strip().lower()
    if officer_email and officer_email not in emails:
        emails.append(officer_email)
    return emails


def invitation_for(interview: Interview, *, cancelled: bool | None = None) -> Invitation:
    structure = interview.structure
    officer = interview.officer
    if cancelled is None:
        cancelled = interview.status == MeetingStatus.CANCELLED
    place = interview.address if interview.mode == Mode.IN_PERSON else interview.link
    description = (
        f"Entretien individuel du diagnostic partagé ({interview.cohort.name}) avec "
        f"{officer.get_full_name() or officer.email}, chargé·e d'accompagnement DLA. "
        f"Modalité : {interview.get_mode_display().lower()}"
        + (f" — {place}" if place else "")
        + "."
    )
    return Invitation(
        uid=str(interview.uid),
        sequence=interview.sequence,
        summary=f"Entretien diagnostic partagé — {structure.name if structure else ''}".strip(),
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        description=description,
        **calendar_place(interview),
        organiser_email=officer.email,
        organiser_name=officer.get_full_name(),
        attendees=participants(interview),
        cancelled=cancelled,
    )


SUBJECTS = {
    "booked": "[CoopESS] Entretien réservé le {when}",
    "moved": "[CoopESS] Entretien déplacé au {when}",
    "cancelled": "[CoopESS] Entretien du {when} annulé",
    "reminder": "[CoopESS] Rappel : entretien le {when}",
}


def _link_for(interview: Interview, email: str) -> str:
    if email == (interview.officer.email or "").strip().lower():
        path = reverse("diagnostic:interviews", kwargs={"cohort_id": interview.cohort_id})
    else:
        path = reverse("diagnostic:structure", kwargs={"structure_id": interview.structure_id})
    return settings.COOPESS_BASE_URL + path


def interview_emails(interview: Interview, *, kind: str) -> list[EmailMessage]:
    """One message per participant, each with the ``.ics`` (REQUEST, or CANCEL)."""
    invitation = invitation_for(interview, cancelled=kind == "cancelled")
    subject = SUBJECTS[kind].format(when=_when(interview.starts_at))
    deadline = _deadline(interview)
    messages = []
    for email in invitation.attendees:
        body = render_to_string(
            "diagnostic/interviews/email/interview.txt",
            {
                "interview": interview,
                "kind": kind,
                "when": _when(interview.starts_at),
                "ends": timezone.localtime(interview.ends_at, PARIS),
                "minutes": int((interview.ends_at - interview.starts_at).total_seconds() // 60),
                "link": _link_for(interview, email),
                "for_officer": email == (interview.officer.email or "").strip().lower(),
                "deadline": deadline,
            },
        )
        messages.append(
            invitation_email(subject=subject, body=body, to=email, invitation=invitation)
        )
    return messages


def _deadline(interview: Interview) -> dt.datetime | None:
    diagnostic = Diagnostic.objects.filter(cohort_id=interview.cohort_id).first()
    return diagnostic.booking_deadline if diagnostic else None


def _notify(interview: Interview, *, kind: str) -> None:
    """Queue the invitations now and, unless cancelled, the reminder two days before
    (``reminder_at``, see ``diagnostic/invitations.py``)."""
    queue_invitations(
        interview_emails(interview, kind=kind),
        meeting=interview,
        task=None
        if kind == "cancelled"
        else task_named("coopess.diagnostic.tasks.send_interview_reminder"),
    )
    events.announce(events.INTERVIEW_CHANGED, interview=interview, kind=kind)


def reminder_send(*, interview_id: int, sequence: int) -> int:
    """Send the reminder of an interview once: only while it is still booked, planned, at the
    same version (``sequence``: a moved interview has its own reminder) and not yet reminded.
    Returns the number of emails queued."""
    with transaction.atomic():
        interview = (
            Interview.objects.select_for_update(of=("self",))
            .filter(pk=interview_id)
            .select_related("officer", "structure", "cohort")
            .first()
        )
        if interview is None or interview.structure_id is None:
            return 0
        if not claim_reminder(interview, sequence):
            return 0
        return queue_reminders(
            interview_emails(interview, kind="reminder"),
            prefix="interview-reminder",
            meeting=interview,
        )
