"""The team's pages: the engagement page of a cohort (officers and its consultants), the
sessions, their record and deliverables."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.accounts.models import Organisation, OrganisationKind, Role
from coopess.calls.calendar import PARIS
from coopess.common.ics import calendar_bytes
from coopess.common.uploads import UploadRejected, protected_file_response
from coopess.diagnostic import permissions as diagnostic_permissions
from coopess.diagnostic.models import ActionItem
from coopess.support import forms, permissions
from coopess.support.models import (
    Deliverable,
    Engagement,
    Session,
    SessionStatus,
    SessionTransition,
)
from coopess.support.services import SupportError
from coopess.support.services import engagement as engagement_services
from coopess.support.services import sessions as session_services
from coopess.support.views.common import referral_rows, session_rows


@require_GET
def home(request):
    """Every cohort this person works on, in each capacity."""
    user = request.user
    officer_cohorts = (
        list(
            diagnostic_permissions.officer_cohorts(user)
            .select_related("engagement", "engagement__firm")
            .order_by("-created_at")
        )
        if user.has_role(Role.OFFICER)
        else []
    )
    consultant_cohorts = list(
        permissions.consultant_cohorts(user)
        .select_related("engagement", "engagement__firm")
        .order_by("-created_at")
    )
    structures = list(diagnostic_permissions.represented_structures(user).order_by("pk"))
    return render(
        request,
        "support/home.html",
        {
            "officer_cohorts": officer_cohorts,
            "consultant_cohorts": consultant_cohorts,
            "structures": structures,
            "is_officer": user.has_role(Role.OFFICER),
        },
    )


def _engagement(cohort) -> Engagement | None:
    return (
        Engagement.objects.filter(cohort=cohort)
        .select_related("firm")
        .prefetch_related("consultants")
        .first()
    )


def _engagement_initial(cohort, engagement, bounds) -> dict:
    if engagement is not None:
        return {
            "firm": engagement.firm_id,
            "brief": engagement.brief,
            "budget": engagement.budget,
            "planned_half_days": engagement.planned_half_days,
            "starts_on": engagement.starts_on,
            "ends_on": engagement.ends_on,
        }
    return {
        "brief": engagement_services.brief_prefill(cohort),
        "planned_half_days": bounds.max_half_days,
        "starts_on": bounds.period_starts_on,
        "ends_on": bounds.period_ends_on,
    }


def _cohort_page(request, access, *, status=200, **overrides):
    cohort = access.cohort
    bounds = engagement_services.support_settings_for(cohort.call)
    engagement = _engagement(cohort)
    context = {
        "access": access,
        "cohort": cohort,
        "call": cohort.call,
        "bounds": bounds,
        "engagement": engagement,
        "actions": list(ActionItem.objects.filter(cohort=cohort).order_by("position", "pk")),
    }
    if engagement is not None:
        context["summary"] = session_services.half_days_summary(engagement)
        context["sessions"] = session_rows(engagement.sessions.all())
    if access.is_officer:
        context["settings_form"] = overrides.get("settings_form") or forms.SettingsForm(
            instance=bounds, prefix="bounds"
        )
        context["engagement_form"] = overrides.get("engagement_form") or forms.EngagementForm(
            bounds=bounds, initial=_engagement_initial(cohort, engagement, bounds)
        )
        context["consultant_form"] = overrides.get("consultant_form") or forms.ConsultantForm(
            prefix="consultant"
        )
        context["structures"] = list(diagnostic_permissions.cohort_structures(cohort))
        context["referrals"] = referral_rows(cohort.referrals.all())
    return render(request, "support/cohort.html", context, status=status)


@require_GET
def cohort(request, cohort_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    return _cohort_page(request, access)


def _officer_access(request, cohort_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    if not access.is_officer:
        raise Http404
    return access


@require_POST
def settings_save(request, cohort_id: int):
    access = _officer_access(request, cohort_id)
    bounds = engagement_services.support_settings_for(access.cohort.call)
    form = forms.SettingsForm(request.POST, instance=bounds, prefix="bounds")
    if not form.is_valid():
        return _cohort_page(request, access, status=400, settings_form=form)
    try:
        engagement_services.support_settings_update(call=access.cohort.call, by=request.user, **{
            name: form.cleaned_data[name]
            for name in ("min_half_days", "max_half_days", "period_starts_on", "period_ends_on")
        })  # fmt: skip
    except SupportError as error:
        form.add_error(None, error.message)
        return _cohort_page(request, access, status=400, settings_form=form)
    messages.success(request, "Le cadre de l'accompagnement de l'appel est enregistré.")
    return redirect("support:cohort", cohort_id=cohort_id)


@require_POST
def engagement_save(request, cohort_id: int):
    access = _officer_access(request, cohort_id)
    bounds = engagement_services.support_settings_for(access.cohort.call)
    form = forms.EngagementForm(request.POST, bounds=bounds)
    if not form.is_valid():
        return _cohort_page(request, access, status=400, engagement_form=form)
    data = form.cleaned_data
    firm = data["firm"]
    try:
        if firm is None:
            firm, _ = Organisation.objects.get_or_create(
                name=data["new_firm"].strip(), kind=OrganisationKind.CONSULTING_FIRM
            )
        engagement_services.engagement_save(
            cohort=access.cohort,
            by=request.user,
            firm=firm,
            brief=data["brief"],
            budget=data["budget"],
            planned_half_days=data["planned_half_days"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    except SupportError as error:
        form.add_error(None, error.message)
        return _cohort_page(request, access, status=400, engagement_form=form)
    messages.success(request, "La prestation de conseil est enregistrée.")
    return redirect("support:cohort", cohort_id=cohort_id)


def _require_engagement(cohort) -> Engagement:
    engagement = Engagement.objects.filter(cohort=cohort).select_related("firm").first()
    if engagement is None:
        raise Http404
    return engagement


@require_POST
def consultant_add(request, cohort_id: int):
    access = _officer_access(request, cohort_id)
    engagement = _require_engagement(access.cohort)
    form = forms.ConsultantForm(request.POST, prefix="consultant")
    if not form.is_valid():
        return _cohort_page(request, access, status=400, consultant_form=form)
    try:
        user = engagement_services.consultant_add(
            engagement=engagement, by=request.user, **form.cleaned_data
        )
    except SupportError as error:
        form.add_error(None, error.message)
        return _cohort_page(request, access, status=400, consultant_form=form)
    messages.success(request, f"{user} a accès à cette cohorte ; un courriel l'en informe.")
    return redirect("support:cohort", cohort_id=cohort_id)


@require_POST
def consultant_remove(request, cohort_id: int, consultant_id: int):
    access = _officer_access(request, cohort_id)
    engagement = _require_engagement(access.cohort)
    user = get_object_or_404(engagement.consultants.all(), pk=consultant_id)
    engagement_services.consultant_remove(engagement=engagement, user=user, by=request.user)
    messages.success(request, f"{user} n'a plus accès à cette cohorte.")
    return redirect("support:cohort", cohort_id=cohort_id)


# --- Sessions --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_new(request, cohort_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    engagement = _require_engagement(access.cohort)
    structures = list(diagnostic_permissions.cohort_structures(access.cohort))
    summary = session_services.half_days_summary(engagement)
    form = forms.SessionForm(request.POST or None, structures=structures)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            structure = next((s for s in structures if s.pk == data.get("structure")), None)
            try:
                session = session_services.session_plan(
                    engagement=engagement,
                    by=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    slot=form.slot(),
                    structure=structure,
                    agenda=data.get("agenda") or "",
                )
            except SupportError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "La séance est prévue ; les invitations sont envoyées.")
                return redirect("support:session", cohort_id=cohort_id, session_id=session.pk)
        status = 400
    return render(
        request,
        "support/session_form.html",
        {"access": access, "cohort": access.cohort, "engagement": engagement, "form": form,
         "summary": summary, "session": None},
        status=status,
    )  # fmt: skip


def _session(access, session_id: int) -> Session:
    return get_object_or_404(
        Session.objects.filter(cohort=access.cohort).select_related(
            "engagement", "engagement__firm", "structure", "cohort", "created_by", "recorded_by"
        ),
        pk=session_id,
    )


def _session_page(request, access, session, *, status=200, **overrides):
    representatives = session_services.concerned_representatives(session)
    actions = list(ActionItem.objects.filter(cohort=access.cohort).order_by("position", "pk"))
    attendances = {a.representative_id: a for a in session.attendances.all()}
    context = {
        "access": access,
        "cohort": access.cohort,
        "session": session,
        "attendance_rows": [(r, attendances.get(r.pk)) for r in representatives],
        "worked_actions": list(session.action_items.all()),
        "deliverables": list(session.deliverables.select_related("uploaded_by")),
        "transitions": list(SessionTransition.objects.filter(session=session).select_related("by")),
        "is_planned": session.status == SessionStatus.PLANNED,
        "is_held": session.status == SessionStatus.HELD,
        "has_started": session.starts_at <= timezone.now(),
    }
    if session.status != SessionStatus.CANCELLED:
        context["record_form"] = overrides.get("record_form") or forms.RecordForm(
            representatives=representatives,
            actions=actions,
            session=session,
            initial={"report": session.report, "other_attendees": session.other_attendees},
        )
    if session.status == SessionStatus.HELD:
        context["deliverable_form"] = overrides.get("deliverable_form") or forms.DeliverableForm()
    if session.status == SessionStatus.PLANNED:
        context["cancel_form"] = overrides.get("cancel_form") or forms.CancelForm()
    return render(request, "support/session.html", context, status=status)


@require_GET
def session(request, cohort_id: int, session_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    return _session_page(request, access, _session(access, session_id))


def _slot_initial(session: Session) -> dict:
    starts = timezone.localtime(session.starts_at, PARIS)
    ends = timezone.localtime(session.ends_at, PARIS)
    return {
        "title": session.title,
        "day": starts.date(),
        "half_day": session.half_day,
        "start": starts.time(),
        "end": ends.time(),
        "mode": session.mode,
        "address": session.address,
        "link": session.link,
        "agenda": session.agenda,
    }


@require_http_methods(["GET", "POST"])
def session_edit(request, cohort_id: int, session_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    session = _session(access, session_id)
    if session.status != SessionStatus.PLANNED:
        raise Http404
    form = forms.SessionForm(request.POST or None, initial=_slot_initial(session), editing=True)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                session_services.session_update(
                    session=session,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    slot=form.slot(),
                    agenda=form.cleaned_data.get("agenda") or "",
                )
            except SupportError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, "La séance est modifiée ; les participant·es en sont informé·es."
                )
                return redirect("support:session", cohort_id=cohort_id, session_id=session.pk)
        status = 400
    return render(
        request,
        "support/session_form.html",
        {"access": access, "cohort": access.cohort, "engagement": session.engagement,
         "form": form, "session": session, "summary": None},
        status=status,
    )  # fmt: skip


@require_POST
def session_cancel(request, cohort_id: int, session_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    session = _session(access, session_id)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        return _session_page(request, access, session, status=400, cancel_form=form)
    try:
        session_services.session_cancel(
            session=session, by=request.user, reason=form.cleaned_data["reason"]
        )
    except SupportError as error:
        form.add_error(None, error.message)
        return _session_page(request, access, session, status=400, cancel_form=form)
    messages.success(request, "La séance est annulée ; sa demi-journée est de nouveau libre.")
    return redirect("support:session", cohort_id=cohort_id, session_id=session.pk)


@require_POST
def session_record(request, cohort_id: int, session_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    session = _session(access, session_id)
    if session.status == SessionStatus.CANCELLED:
        raise Http404
    representatives = session_services.concerned_representatives(session)
    actions = list(ActionItem.objects.filter(cohort=access.cohort).order_by("position", "pk"))
    form = forms.RecordForm(
        request.POST, representatives=representatives, actions=actions, session=session
    )
    if not form.is_valid():
        return _session_page(request, access, session, status=400, record_form=form)
    try:
        session_services.session_record(
            session=session,
            by=request.user,
            present=set(form.cleaned_data["present"]),
            report=form.cleaned_data["report"],
            other_attendees=form.cleaned_data["other_attendees"],
            action_items=form.action_statuses(),
        )
    except SupportError as error:
        form.add_error(None, error.message)
        return _session_page(request, access, session, status=400, record_form=form)
    messages.success(request, "Le compte rendu et les présences sont enregistrés.")
    return redirect("support:session", cohort_id=cohort_id, session_id=session.pk)


@require_POST
def deliverable_add(request, cohort_id: int, session_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    session = _session(access, session_id)
    form = forms.DeliverableForm(request.POST, request.FILES)
    if not form.is_valid():
        return _session_page(request, access, session, status=400, deliverable_form=form)
    try:
        deliverable = session_services.deliverable_add(
            session=session,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            by=request.user,
        )
    except UploadRejected as error:
        form.add_error("file", error.message)
        return _session_page(request, access, session, status=400, deliverable_form=form)
    except SupportError as error:
        form.add_error(None, error.message)
        return _session_page(request, access, session, status=400, deliverable_form=form)
    messages.success(request, f"« {deliverable.title} » est joint à la séance.")
    return redirect("support:session", cohort_id=cohort_id, session_id=session.pk)


def _deliverable(access, deliverable_id):
    return get_object_or_404(
        # no file: anonymised by retention
        Deliverable.objects.filter(session__cohort=access.cohort)
        .exclude(file="")
        .select_related("session"),
        public_id=deliverable_id,
    )


@require_GET
def deliverable(request, cohort_id: int, deliverable_id):
    access = permissions.staff_cohort(request.user, cohort_id)
    item = _deliverable(access, deliverable_id)
    return protected_file_response(item.file, download_name=item.original_name)


@require_POST
def deliverable_delete(request, cohort_id: int, deliverable_id):
    access = permissions.staff_cohort(request.user, cohort_id)
    item = _deliverable(access, deliverable_id)
    session_id = item.session_id
    session_services.deliverable_delete(deliverable=item, by=request.user)
    messages.success(request, f"« {item.title} » est retiré.")
    return redirect("support:session", cohort_id=cohort_id, session_id=session_id)


def ics_response(session: Session) -> HttpResponse:
    """The session's calendar event (REQUEST, or CANCEL once cancelled)."""
    invitation = session_services.invitation_for(session)
    response = HttpResponse(calendar_bytes(invitation), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="seance-accompagnement.ics"'
    return response


@require_GET
def session_ics(request, cohort_id: int, session_id: int):
    access = permissions.staff_cohort(request.user, cohort_id)
    return ics_response(_session(access, session_id))
