"""Officers instruct the applications of their DLA's calls; reviewers score the ones assigned to
them. Anything outside one's scope answers 404."""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.accounts.models import Role, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.errors import ApplicationError
from coopess.applications.models import Application, ApplicationStructure, Attachment
from coopess.applications.receipts import application_context
from coopess.calls.models import Call
from coopess.common.text import normalise_search, spreadsheet_safe
from coopess.common.uploads import protected_file_response
from coopess.selection import services
from coopess.selection.cohort import Candidate, Preferences, propose_cohort
from coopess.selection.forms import (
    SORTS,
    AssignForm,
    CohortPreferencesForm,
    ComplementsForm,
    ConflictForm,
    DecisionForm,
    MessageForm,
    OverrideForm,
    ReopenForm,
    ReviewForm,
    TableFilterForm,
)
from coopess.selection.models import (
    Decision,
    DecisionReason,
    EligibilityResult,
    ReviewerAssignment,
)

PAGE_SIZE = 50


# --- Scope ------------------------------------------------------------------------------------


def _require_officer(user: User) -> list[int]:
    operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
    if not operators:
        raise Http404
    return operators


def _officer_call(request, slug: str) -> Call:
    operators = _require_officer(request.user)
    return get_object_or_404(Call.objects.filter(operator_id__in=operators), slug=slug)


def _officer_application(request, public_id) -> Application:
    operators = _require_officer(request.user)
    return get_object_or_404(
        Application.objects.select_related("call", "call__operator", "maturity_stage")
        .filter(call__operator_id__in=operators)
        .exclude(status=ApplicationStatus.DRAFT),
        public_id=public_id,
    )


def _reviewers() -> list[User]:
    return list(
        User.objects.filter(roles_held__role=Role.REVIEWER, is_active=True)
        .distinct()
        .order_by("last_name", "email")
    )


# --- The officer's table ------------------------------------------------------------------------


@require_GET
def calls(request):
    operators = _require_officer(request.user)
    rows = (
        Call.objects.filter(operator_id__in=operators)
        .prefetch_related("cohorts")
        .order_by("-opens_at")
    )
    return render(request, "selection/calls.html", {"calls": rows})


def filtered_applications(call: Call, data) -> tuple[TableFilterForm, object]:
    reviewers = _reviewers()
    form = TableFilterForm(data or None, call=call, reviewers=reviewers)
    queryset = Application.objects.filter(call=call).exclude(status=ApplicationStatus.DRAFT)
    sort = SORTS["recu"][1]
    if form.is_valid():
        values = form.cleaned_data
        if values["q"]:
            queryset = queryset.filter(search_text__contains=normalise_search(values["q"].strip()))
        for field in ("status", "eligibility", "kind"):
            if values[field]:
                queryset = queryset.filter(**{field: values[field]})
        if values["stage"]:
            queryset = queryset.filter(maturity_stage_id=values["stage"])
        if values["departement"]:
            queryset = queryset.filter(
                Exists(
                    ApplicationStructure.objects.filter(
                        application=OuterRef("pk"), departement=values["departement"]
                    )
                )
            )
        if values["reviewer"]:
            queryset = queryset.filter(
                Exists(
                    ReviewerAssignment.objects.filter(
                        application=OuterRef("pk"), reviewer_id=values["reviewer"]
                    )
                )
            )
        if values["sort"]:
            sort = SORTS[values["sort"]][1]
    return form, queryset.order_by(*sort)


STRUCTURES_FOR_TABLE = Prefetch(
    "structures",
    queryset=ApplicationStructure.objects.only(
        "id", "application_id", "name", "departement", "is_lead", "position"
    ),
)


@require_GET
def table(request, slug: str):
    call = _officer_call(request, slug)
    form, queryset = filtered_applications(call, request.GET)
    paginator = Paginator(queryset.select_related("maturity_stage"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = (
        list(page.object_list.prefetch_related(STRUCTURES_FOR_TABLE))
        if page.object_list is not None
        else []
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "selection/table.html",
        {"call": call, "form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


EXPORT_HEADERS = [
    "N° de récépissé", "Structure cheffe de file", "Projet", "Type", "Départements", "Nombre de structures",
    "Stade de maturité", "Statut", "Éligibilité", "Note moyenne (sur 20)", "Déposée le",
]  # fmt: skip


def _export_row(application: Application) -> list:
    departements = sorted({s.departement for s in application.structures.all() if s.departement})
    row = [
        application.receipt_number,
        application.lead_name,
        application.project_title,
        application.get_kind_display(),
        ", ".join(departements),
        application.structure_count,
        application.maturity_stage.label if application.maturity_stage else "",
        application.get_status_display(),
        application.get_eligibility_display(),
        application.average_score,
        timezone.localtime(application.submitted_at).strftime("%d/%m/%Y %H:%M")
        if application.submitted_at
        else "",
    ]
    return [spreadsheet_safe(value) for value in row]


class _Echo:
    def write(self, value):
        return value


@require_GET
def export(request, slug: str, fmt: str):
    call = _officer_call(request, slug)
    _form, queryset = filtered_applications(call, request.GET)
    queryset = queryset.select_related("maturity_stage").prefetch_related(STRUCTURES_FOR_TABLE)
    filename = f"candidatures-{call.slug}-{timezone.localdate():%Y%m%d}"
    if fmt not in ("csv", "xlsx"):
        raise Http404
    from coopess.privacy.services import personal_data_export_log

    personal_data_export_log(
        by=request.user, what=f"Candidatures de l'appel « {call} »", fmt=fmt,
        rows=queryset.count(), call=call, filters=request.GET.urlencode(),
    )  # fmt: skip
    if fmt == "csv":
        writer = csv.writer(_Echo(), delimiter=";")

        def lines():
            yield "\ufeff"  # so that spreadsheet software reads UTF-8
            yield writer.writerow(EXPORT_HEADERS)
            for application in queryset.iterator(chunk_size=2000):
                yield writer.writerow(_export_row(application))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            _xlsx(queryset, call),
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


def _xlsx(queryset, call: Call):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Candidatures")
    sheet.freeze_panes = "A2"
    header = []
    for title in EXPORT_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for application in queryset.iterator(chunk_size=2000):
        row = _export_row(application)
        row[9] = float(row[9]) if isinstance(row[9], Decimal) else row[9]
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return handle


# --- One application ------------------------------------------------------------------------------


@require_GET
def application(request, public_id):
    application = _officer_application(request, public_id)
    return _application_page(request, application)


def _application_page(
    request, application: Application, forms: dict | None = None, status: int = 200
):
    forms = forms or {}
    reviewers = _reviewers()
    assignments = list(
        application.reviewer_assignments.select_related("reviewer").prefetch_related(
            "scores__criterion"
        )
    )
    submitted = [a for a in assignments if a.submitted_at]
    scores = [a.weighted for a in submitted if a.weighted is not None]
    context = application_context(application)
    context.update(
        {
            "results": _results_with_forms(application, forms),
            "assignments": assignments,
            "criteria": list(application.call.criteria.all()),
            "spread": (max(scores) - min(scores)) if len(scores) > 1 else None,
            "assign_form": forms.get("assign")
            or AssignForm(
                reviewers=[r for r in reviewers if r.pk not in {a.reviewer_id for a in assignments}]
            ),
            "message_form": forms.get("message") or MessageForm(),
            "complements_form": forms.get("complements") or ComplementsForm(),
            "decision_form": forms.get("decision")
            or DecisionForm(initial={"version": application.version}),
            "reopen_form": forms.get("reopen") or ReopenForm(),
            "thread": list(application.messages.select_related("author")),
            "transitions": list(application.transitions.select_related("by")),
            "decision": application.decisions.filter(is_current=True).first(),
            "receipt": application.attachments.filter(is_receipt=True).first(),
            "can_decide": application.status in services.DECIDABLE,
        }
    )
    return render(request, "selection/application.html", context, status=status)


def _results_with_forms(application: Application, forms: dict) -> list[EligibilityResult]:
    """Each rule's result with its own correction form (the failed one keeps its errors)."""
    results = list(application.eligibility_results.prefetch_related("overrides__by"))
    for result in results:
        if forms.get("override_result") == result.pk:
            result.override_form = forms["override"]
        else:
            result.override_form = OverrideForm(prefix=f"rule{result.pk}")
    return results


def _back(application: Application, anchor: str = ""):
    from django.urls import reverse

    return redirect(
        reverse("selection:application", args=[application.public_id])
        + (f"#{anchor}" if anchor else "")
    )


@require_POST
def start_review(request, public_id):
    application = _officer_application(request, public_id)
    services.review_start(application=application, by=request.user)
    messages.success(request, "La candidature est en cours d'examen.")
    return _back(application)


@require_POST
def rescreen(request, public_id):
    application = _officer_application(request, public_id)
    services.application_screen(application=application)
    messages.success(request, "Les règles d'éligibilité ont été appliquées de nouveau.")
    return _back(application, "eligibilite")


@require_POST
def override(request, public_id, result_id: int):
    application = _officer_application(request, public_id)
    result = get_object_or_404(EligibilityResult, pk=result_id, application=application)
    form = OverrideForm(request.POST, prefix=f"rule{result.pk}")
    if form.is_valid():
        try:
            services.eligibility_override(result=result, by=request.user, **form.cleaned_data)
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Résultat de « {result.label} » corrigé ; la correction est tracée."
            )
            return _back(application, "eligibilite")
    return _application_page(
        request, application, {"override": form, "override_result": result.pk}, status=400
    )


@require_POST
def assign(request, public_id):
    application = _officer_application(request, public_id)
    form = AssignForm(request.POST, reviewers=_reviewers())
    if form.is_valid():
        reviewer = get_object_or_404(User, pk=form.cleaned_data["reviewer"])
        try:
            services.reviewer_assign(application=application, reviewer=reviewer, by=request.user)
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Candidature confiée à {reviewer}.")
            return _back(application, "comite")
    return _application_page(request, application, {"assign": form}, status=400)


@require_POST
def post_message(request, public_id):
    application = _officer_application(request, public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        services.message_post(
            application=application,
            author=request.user,
            body=form.cleaned_data["body"],
            from_dla=True,
        )
        messages.success(
            request, "Message envoyé : les représentant·es sont prévenu·es par courriel."
        )
        return _back(application, "messages")
    return _application_page(request, application, {"message": form}, status=400)


@require_POST
def complements(request, public_id):
    application = _officer_application(request, public_id)
    form = ComplementsForm(request.POST)
    if form.is_valid():
        try:
            services.complements_request(
                application=application, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:  # refused by the service or the workflow
            form.add_error(None, error.message)
        else:
            messages.success(request, "Compléments demandés : les parties choisies sont rouvertes.")
            return _back(application)
    return _application_page(request, application, {"complements": form}, status=400)


@require_POST
def decide(request, public_id):
    application = _officer_application(request, public_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_record(
                application=application,
                outcome=data["outcome"],
                by=request.user,
                reasons=data["reasons"],
                comment=data["comment"],
                against_ranking_reason=data["against_ranking_reason"],
                version=data["version"],
            )
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "Décision enregistrée. La lettre part avec l'envoi groupé des décisions."
            )
            return _back(application)
    application.refresh_from_db()
    return _application_page(request, application, {"decision": form}, status=400)


@require_POST
def reopen(request, public_id):
    application = _officer_application(request, public_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.decision_reopen(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.SelectionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "Décision rouverte ; la candidature est de nouveau en cours d'examen."
            )
            return _back(application)
    return _application_page(request, application, {"reopen": form}, status=400)


@require_GET
def officer_attachment(request, public_id, attachment_id):
    application = _officer_application(request, public_id)
    attachment = get_object_or_404(Attachment, application=application, public_id=attachment_id)
    return protected_file_response(attachment.file, download_name=attachment.original_name)


# --- Ranking, cohort proposal, batch decisions ---------------------------------------------------

RANKABLE = (
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.SELECTED,
)


def _candidates(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, status__in=RANKABLE)
        .exclude(eligibility="ineligible")
        .prefetch_related(STRUCTURES_FOR_TABLE)
        .order_by(F("average_score").desc(nulls_last=True), "receipt_number")
    )


@require_http_methods(["GET", "POST"])
def ranking(request, slug: str):
    call = _officer_call(request, slug)
    applications = _candidates(call)
    preferences_form = CohortPreferencesForm(request.GET or None)
    preferences_form.is_valid()
    prefs = getattr(preferences_form, "cleaned_data", {}) or {}
    preferences = Preferences(
        cap=call.max_structures,
        diversity_departements=1.0 if prefs.get("diversity_departements") else 0.0,
        diversity_kinds=1.0 if prefs.get("diversity_kinds") else 0.0,
    )
    candidates = [
        Candidate(
            key=a.receipt_number,
            label=a.lead_name or a.project_title,
            structures=a.structure_count,
            score=float(a.average_score) if a.average_score is not None else None,
            departements=frozenset(s.departement for s in a.structures.all() if s.departement),
            kind=a.kind,
        )
        for a in applications
    ]
    proposal = propose_cohort(candidates, preferences)
    errors: list[str] = []
    if request.method == "POST":
        errors = _batch_decide(request, call, applications)
        if not errors:
            messages.success(
                request, "Décisions enregistrées. Vérifiez-les, puis envoyez les lettres."
            )
            return redirect("selection:ranking", slug=call.slug)
    pending_letters = Decision.objects.filter(
        application__call=call, is_current=True, letter_sent_at__isnull=True
    ).count()
    rows = [
        {
            "application": a,
            "rank": index + 1 if a.average_score is not None else None,
            "proposed": a.receipt_number in proposal.chosen,
            "explanation": proposal.explanations.get(a.receipt_number, ""),
            "departements": sorted({s.departement for s in a.structures.all() if s.departement}),
        }
        for index, a in enumerate(applications)
    ]
    return render(
        request,
        "selection/ranking.html",
        {
            "call": call,
            "rows": rows,
            "proposal": proposal,
            "preferences_form": preferences_form,
            "reasons": DecisionReason.choices,
            "errors": errors,
            "pending_letters": pending_letters,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


def _batch_decide(request, call: Call, applications: list[Application]) -> list[str]:
    """Every decision of the form, or none (one transaction)."""
    ranked = [a for a in applications if a.average_score is not None]
    choices = {a.pk: request.POST.get(f"decision_{a.pk}", "") for a in applications}
    chosen = [a for a in ranked if choices[a.pk] == ApplicationStatus.SELECTED]
    errors: list[str] = []
    justification = request.POST.get("against_ranking_reason", "").strip()
    if chosen:
        lowest = min(a.average_score for a in chosen)
        passed_over = [
            a
            for a in ranked
            if a.average_score > lowest
            and choices[a.pk] not in ("", ApplicationStatus.SELECTED)
            and a.status != ApplicationStatus.SELECTED
        ]
        if passed_over and not justification:
            errors.append(
                "Votre choix retient une candidature moins bien classée que "
                + ", ".join(a.receipt_number for a in passed_over)
                + " : expliquez pourquoi dans « justification »."
            )
    if errors:
        return errors
    try:
        with transaction.atomic():
            for application in applications:
                outcome = choices[application.pk]
                if not outcome or outcome == application.status:
                    continue
                services.decision_record(
                    application=application,
                    outcome=outcome,
                    by=request.user,
                    reasons=request.POST.getlist(f"reasons_{application.pk}"),
                    comment=request.POST.get(f"comment_{application.pk}", ""),
                    against_ranking_reason=justification,
                    version=_int(request.POST.get(f"version_{application.pk}")),
                )
    except services.SelectionError as error:
        return [error.message]
    return []


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
def send_letters(request, slug: str):
    call = _officer_call(request, slug)
    try:
        count = services.decisions_send(call=call, by=request.user)
    except services.SelectionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{count} lettre(s) de décision en cours d'envoi (courriel et PDF)."
        )
    return redirect("selection:ranking", slug=call.slug)


# --- Reviewers -----------------------------------------------------------------------------------


@require_GET
def reviewer_home(request):
    if not request.user.has_role(Role.REVIEWER):
        raise Http404
    assignments = (
        ReviewerAssignment.objects.filter(reviewer=request.user)
        .select_related("application", "application__call")
        .order_by("submitted_at", "application__receipt_number")
    )
    return render(request, "selection/reviewer_home.html", {"assignments": assignments})


def _assignment(request, public_id) -> ReviewerAssignment:
    return get_object_or_404(
        ReviewerAssignment.objects.select_related(
            "application", "application__call", "application__maturity_stage"
        ),
        reviewer=request.user,
        application__public_id=public_id,
    )


@require_http_methods(["GET", "POST"])
def review(request, public_id):
    assignment = _assignment(request, public_id)
    application = assignment.application
    criteria = list(application.call.criteria.all())
    if not assignment.can_see_application:
        form = ConflictForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            has_conflict = form.cleaned_data["declaration"] == "conflict"
            services.conflict_declare(
                assignment=assignment, has_conflict=has_conflict, note=form.cleaned_data["note"]
            )
            if has_conflict:
                messages.info(
                    request, "Conflit d'intérêts enregistré : vous n'évaluez pas cette candidature."
                )
                return redirect("selection:reviewer_home")
            return redirect("selection:review", public_id=application.public_id)
        return render(
            request,
            "selection/review_conflict.html",
            {"assignment": assignment, "application": application, "form": form},
        )
    form = ReviewForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        if assignment.submitted_at:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.review_submit(
                    assignment=assignment,
                    scores=form.scores(),
                    overall_comment=form.cleaned_data["overall_comment"],
                )
            except services.SelectionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, "Évaluation envoyée. Vous voyez maintenant celles des autres membres."
                )
                return redirect("selection:review", public_id=application.public_id)
    others = []
    if assignment.submitted_at:
        others = list(
            application.reviewer_assignments.filter(submitted_at__isnull=False)
            .exclude(pk=assignment.pk)
            .select_related("reviewer")
            .prefetch_related("scores__criterion")
        )
    context = application_context(application)
    context.update(
        {
            "assignment": assignment,
            "form": form,
            "criteria": criteria,
            "others": others,
            "own_scores": list(assignment.scores.select_related("criterion")),
        }
    )
    return render(request, "selection/review.html", context, status=400 if form.errors else 200)


@require_GET
def reviewer_attachment(request, public_id, attachment_id):
    assignment = _assignment(request, public_id)
    if not assignment.can_see_application:
        raise Http404
    attachment = get_object_or_404(
        Attachment, application=assignment.application, public_id=attachment_id, is_receipt=False
    )
    return protected_file_response(attachment.file, download_name=attachment.original_name)
