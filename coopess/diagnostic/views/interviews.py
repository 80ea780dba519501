"""Pages of the diagnostic's interviews.

Officer: the slot list of a cohort (publish, book for a structure, move, cancel, the booking
deadline) and the record of each interview (guide, attendance, notes). Representative: the block
of their structure page (book, move, cancel) and the invitation file. Interview notes are only
ever read by the officer's pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.common.ics import calendar_bytes
from coopess.diagnostic import permissions
from coopess.diagnostic.forms.interviews import (
    CancelForm,
    DeadlineForm,
    PublishForm,
    RecordForm,
    SlotChoiceForm,
    StructureChoiceForm,
    slot_label,
)
from coopess.diagnostic.models import Diagnostic, Interview, MeetingStatus
from coopess.diagnostic.services import interviews as services
from coopess.selection.models import CohortStatus

# --- Blocks of the hub pages -----------------------------------------------------------------


def _diagnostic(cohort) -> Diagnostic | None:
    return Diagnostic.objects.filter(cohort=cohort).first()


def _listed(cohort):
    """Every slot an officer sees: open, booked, held and cancelled interviews (not the slots
    withdrawn before anyone booked them)."""
    return (
        Interview.objects.filter(cohort=cohort)
        .exclude(status=MeetingStatus.CANCELLED, structure__isnull=True)
        .select_related("structure", "officer", "booked_by")
        .order_by("starts_at", "pk")
    )


def officer_panel(cohort) -> dict:
    """Context of this feature's block on the officer's cohort page."""
    if cohort.status == CohortStatus.FORMING:
        return {"shown": False}
    now = timezone.now()
    counts = Interview.objects.filter(cohort=cohort).aggregate(
        open=Count(
            "pk",
            filter=Q(structure__isnull=True, status=MeetingStatus.PLANNED, starts_at__gt=now),
        ),
        booked=Count("pk", filter=Q(structure__isnull=False, status=MeetingStatus.PLANNED)),
        held=Count("pk", filter=Q(status=MeetingStatus.HELD)),
        next_at=Min(
            "starts_at",
            filter=Q(structure__isnull=False, status=MeetingStatus.PLANNED, starts_at__gt=now),
        ),
    )
    diagnostic = _diagnostic(cohort)
    return {
        "shown": True,
        "cohort": cohort,
        "deadline": diagnostic.booking_deadline if diagnostic else None,
        **counts,
    }


def _structure_interview(structure):
    """The structure's live or held interview, else ``None``."""
    return (
        Interview.objects.filter(structure=structure)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("officer")
        .first()
    )


def structure_panel(structure, user) -> dict:
    """Context of this feature's block on a representative's structure page (never any note)."""
    cohort = permissions.structure_cohort(structure)
    diagnostic = _diagnostic(cohort)
    interview = _structure_interview(structure)
    can_book = (
        diagnostic is not None
        and cohort.status == CohortStatus.DIAGNOSTIC
        and services.booking_open(diagnostic)
    )
    live = (
        interview is not None
        and interview.status == MeetingStatus.PLANNED
        and interview.starts_at > timezone.now()
    )
    form = None
    if can_book and (interview is None or live):
        slots = services.open_slots(cohort).order_by("starts_at", "pk")
        form = SlotChoiceForm(slots=slots, auto_id="id_interview_%s")
        form.fields["slot"].label = (
            "Choisir un autre créneau" if interview else "Choisir un créneau"
        )
    return {
        "structure": structure,
        "minutes": diagnostic.interview_minutes if diagnostic else 90,
        "deadline": diagnostic.booking_deadline if diagnostic else None,
        "interview": interview,
        "live": live,
        "can_book": can_book,
        "can_cancel": live and cohort.status == CohortStatus.DIAGNOSTIC,
        "form": form,
        "has_slots": form is not None and form.fields["slot"].queryset.exists(),
    }


# --- Officer ---------------------------------------------------------------------------------


def _officer_interview(cohort, interview_id: int) -> Interview:
    return get_object_or_404(
        Interview.objects.filter(cohort=cohort).select_related("structure", "officer", "cohort"),
        pk=interview_id,
    )


def _slots_page(request, cohort, *, publish_form=None, deadline_form=None, status=200):
    diagnostic = _diagnostic(cohort)
    slots = list(_listed(cohort))
    now = timezone.now()
    open_slots = [
        s
        for s in slots
        if s.structure_id is None and s.status == MeetingStatus.PLANNED and s.starts_at > now
    ]
    booked_ids = {
        s.structure_id for s in slots if s.structure_id and s.status != MeetingStatus.CANCELLED
    }
    structures = list(permissions.cohort_structures(cohort))
    minutes = diagnostic.interview_minutes if diagnostic else 90
    context = {
        "cohort": cohort,
        "diagnostic": diagnostic,
        "can_change": diagnostic is not None and cohort.status == CohortStatus.DIAGNOSTIC,
        "slots": slots,
        "now": now,
        "open_slots": [(s, slot_label(s)) for s in open_slots],
        "free_structures": [s for s in structures if s.pk not in booked_ids],
        "structure_count": len(structures),
        "booked_count": len(booked_ids),
        "booking_open": diagnostic is not None and services.booking_open(diagnostic),
        "publish_form": publish_form or PublishForm(interview_minutes=minutes),
        "deadline_form": deadline_form
        or DeadlineForm(
            initial={
                "booking_deadline": timezone.localtime(diagnostic.booking_deadline)
                if diagnostic and diagnostic.booking_deadline
                else None
            }
        ),
    }
    return render(request, "diagnostic/interviews/slots.html", context, status=status)


def _back(cohort) -> str:
    return reverse("diagnostic:interviews", kwargs={"cohort_id": cohort.pk})


@require_GET
def slots(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    return _slots_page(request, cohort)


@require_POST
def slots_publish(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    diagnostic = _diagnostic(cohort)
    minutes = diagnostic.interview_minutes if diagnostic else 90
    form = PublishForm(request.POST, interview_minutes=minutes)
    if not form.is_valid():
        return _slots_page(request, cohort, publish_form=form, status=400)
    data = form.cleaned_data
    try:
        created = services.slots_publish(
            cohort=cohort,
            officer=request.user,
            day=data["day"],
            start=data["start"],
            place=form.place(),
            count=data["count"],
            minutes=data["minutes"],
            pause_minutes=data["pause_minutes"],
        )
    except services.OfficerBusy as error:
        form.add_error("start", error.message)
        return _slots_page(request, cohort, publish_form=form, status=400)
    except services.SlotPast:
        form.add_error("day", "Choisissez une date et une heure à venir.")
        return _slots_page(request, cohort, publish_form=form, status=400)
    except services.InterviewError as error:
        form.add_error(None, error.message)
        return _slots_page(request, cohort, publish_form=form, status=400)
    messages.success(
        request,
        f"{len(created)} créneau{'x' if len(created) > 1 else ''} publié"
        f"{'s' if len(created) > 1 else ''} : les structures peuvent le"
        f"{'s' if len(created) > 1 else ''} réserver.",
    )
    return redirect(_back(cohort))


@require_POST
def deadline(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        return _slots_page(request, cohort, deadline_form=form, status=400)
    try:
        services.booking_deadline_set(
            cohort=cohort, deadline=form.cleaned_data["booking_deadline"], by=request.user
        )
    except services.InterviewError as error:
        form.add_error("booking_deadline", error.message)
        return _slots_page(request, cohort, deadline_form=form, status=400)
    messages.success(request, "La date limite de réservation est enregistrée.")
    return redirect(_back(cohort))


@require_POST
def officer_book(request, cohort_id: int, interview_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    slot = _officer_interview(cohort, interview_id)
    form = StructureChoiceForm(request.POST, structures=permissions.cohort_structures(cohort))
    if not form.is_valid():
        messages.error(request, form.errors["structure"][0])
        return redirect(_back(cohort))
    structure = form.cleaned_data["structure"]
    try:
        services.interview_book(slot=slot, structure=structure, by=request.user, as_officer=True)
    except services.InterviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Entretien réservé pour {structure.name} : les invitations sont envoyées."
        )
    return redirect(_back(cohort))


@require_POST
def officer_move(request, cohort_id: int, interview_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    interview = _officer_interview(cohort, interview_id)
    form = SlotChoiceForm(request.POST, slots=Interview.objects.filter(cohort=cohort))
    if not form.is_valid():
        messages.error(request, form.errors["slot"][0])
        return redirect(_back(cohort))
    try:
        services.interview_move(
            interview=interview, to=form.cleaned_data["slot"], by=request.user, as_officer=True
        )
    except services.InterviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Entretien déplacé : les invitations sont mises à jour.")
    return redirect(_back(cohort))


@require_POST
def officer_cancel(request, cohort_id: int, interview_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    interview = _officer_interview(cohort, interview_id)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        if interview.structure_id is None:
            services.slot_withdraw(interview=interview, by=request.user)
            messages.success(request, "Créneau retiré.")
        else:
            services.interview_cancel(
                interview=interview,
                by=request.user,
                as_officer=True,
                reopen=form.cleaned_data.get("reopen", False),
            )
            messages.success(
                request, "Entretien annulé : les participant·es reçoivent l'annulation."
            )
    except services.InterviewError as error:
        messages.error(request, error.message)
    return redirect(_back(cohort))


@require_http_methods(["GET", "POST"])
def record(request, cohort_id: int, interview_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    interview = _officer_interview(cohort, interview_id)
    if interview.structure_id is None:
        raise Http404
    items = list(cohort.call.interview_guide.all())
    notes = dict(interview.notes.values_list("item_id", "text"))
    representatives = interview.structure.representatives.all()
    initial = {
        "attended": list(interview.attended.values_list("pk", flat=True)),
        "other_attendees": interview.other_attendees,
        "private_notes": interview.private_notes,
        "mark_held": interview.status == MeetingStatus.HELD,
    }
    kwargs = {"representatives": representatives, "items": items, "notes": notes}
    if request.method == "POST":
        form = RecordForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.interview_record(
                    interview=interview,
                    by=request.user,
                    attended=list(data["attended"]),
                    other_attendees=data["other_attendees"],
                    notes=form.notes(),
                    private_notes=data["private_notes"],
                    mark_held=data["mark_held"],
                )
            except services.InterviewError as error:
                field = "mark_held" if isinstance(error, services.NotYetHeld) else None
                form.add_error(field, error.message)
            else:
                messages.success(request, "Compte rendu d'entretien enregistré.")
                return redirect(
                    "diagnostic:interview_record", cohort_id=cohort.pk, interview_id=interview.pk
                )
        status = 400
    else:
        form = RecordForm(initial=initial, **kwargs)
        status = 200
    context = {"cohort": cohort, "interview": interview, "form": form}
    return render(request, "diagnostic/interviews/record.html", context, status=status)


# --- Representative --------------------------------------------------------------------------


def _structure(request, structure_id: int):
    structure = permissions.represented_structure(request.user, structure_id)
    return structure, permissions.structure_cohort(structure)


def _structure_back(structure) -> str:
    return reverse("diagnostic:structure", kwargs={"structure_id": structure.pk}) + "#entretien"


def _chosen_slot(request, cohort):
    form = SlotChoiceForm(request.POST, slots=Interview.objects.filter(cohort=cohort))
    if not form.is_valid():
        messages.error(request, form.errors["slot"][0])
        return None
    return form.cleaned_data["slot"]


@require_POST
def structure_book(request, structure_id: int):
    structure, cohort = _structure(request, structure_id)
    slot = _chosen_slot(request, cohort)
    if slot is not None:
        try:
            services.interview_book(slot=slot, structure=structure, by=request.user)
        except services.InterviewError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                "Votre entretien est réservé. Chaque participant·e reçoit une invitation "
                "par courriel, à ajouter à son agenda.",
            )
    return redirect(_structure_back(structure))


@require_POST
def structure_move(request, structure_id: int):
    structure, cohort = _structure(request, structure_id)
    interview = _structure_interview(structure)
    if interview is None:
        messages.error(request, "Votre structure n'a pas d'entretien à déplacer.")
        return redirect(_structure_back(structure))
    slot = _chosen_slot(request, cohort)
    if slot is not None:
        try:
            services.interview_move(interview=interview, to=slot, by=request.user)
        except services.InterviewError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "Votre entretien est déplacé : les invitations sont mises à jour."
            )
    return redirect(_structure_back(structure))


@require_POST
def structure_cancel(request, structure_id: int):
    structure, _cohort = _structure(request, structure_id)
    interview = _structure_interview(structure)
    if interview is None:
        messages.error(request, "Votre structure n'a pas d'entretien à annuler.")
        return redirect(_structure_back(structure))
    try:
        services.interview_cancel(interview=interview, by=request.user, reopen=True)
    except services.InterviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Votre entretien est annulé. Réservez un autre créneau dès que possible."
        )
    return redirect(_structure_back(structure))


@require_GET
def structure_ics(request, structure_id: int):
    structure, _cohort = _structure(request, structure_id)
    interview = (
        Interview.objects.filter(structure=structure, status=MeetingStatus.PLANNED)
        .select_related("officer", "structure", "cohort")
        .first()
    )
    if interview is None:
        raise Http404
    response = HttpResponse(
        calendar_bytes(services.invitation_for(interview)), content_type="text/calendar"
    )
    response["Content-Disposition"] = 'attachment; filename="entretien.ics"'
    return response
