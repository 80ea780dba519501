"""The indicators page, its exports (CSV, XLSX, ODS) and the annual activity report (PDF).

All of them compute the same ``Report`` for the same filters; only the rendering differs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from coopess.accounts.models import Organisation, Role
from coopess.reporting import charts, exports
from coopess.reporting.forms import ActivityNoteForm, ReportFilterForm
from coopess.reporting.key_figures import shown_figures
from coopess.reporting.models import ActivityNote
from coopess.reporting.permissions import (
    OFFICER,
    must_hide_small_counts,
    reporting_audience,
    reporting_calls,
)
from coopess.reporting.registry import Report, cache_seconds, compute_report
from coopess.reporting.scope import Period, Scope
from coopess.reporting.tables import SECRECY_NOTE, DisplayTable
from coopess.selection.models import Cohort


class CohortChoice(NamedTuple):
    pk: int
    name: str
    call_id: int


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}


@dataclass
class Shown:
    """One indicator as a reader sees it: its definition, its table and its chart."""

    code: str
    label: str
    definition: str
    table: DisplayTable
    chart: object


def _filters(request):
    audience = reporting_audience(request.user)
    if audience is None:
        raise Http404
    calls_qs = reporting_calls(request.user)
    calls = list(calls_qs.only("pk", "title", "edition", "opens_at").order_by("-opens_at", "pk"))
    cohorts = [
        CohortChoice(*row)
        for row in Cohort.objects.filter(call__in=calls_qs)
        .order_by("name", "pk")
        .values_list("pk", "name", "call_id")
    ]
    form = ReportFilterForm(
        request.GET or None, calls=calls, cohorts=cohorts, officer=audience == OFFICER
    )
    return audience, calls_qs, form


def _scope(audience, calls_qs, form) -> tuple[Scope, bool]:
    """The scope the valid (or empty) form selects, and whether small counts are hidden."""
    valid = form.is_bound and form.is_valid()
    call = form.call() if valid else None
    cohort = form.cohort() if valid else None
    period = form.period() if valid else Scope(calls=calls_qs).period
    asked = valid and "diffusion" in form.cleaned_data and form.wants_funder_version()
    secrecy = must_hide_small_counts(audience, asked=asked)
    calls = calls_qs.filter(pk=call.pk) if call else calls_qs
    funders = (
        Organisation.objects.filter(funded_calls__in=calls)
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )
    description = (
        ("Appel", f"{call.title} ({call.edition})" if call else "Tous les appels"),
        ("Cohorte", cohort.name if cohort else "Toutes les cohortes"),
        ("Période", period.label),
        ("Financeurs", ", ".join(funders) or "Non renseignés"),
        (
            "Version",
            "Financeur : effectifs inférieurs à 3 masqués" if secrecy else "Complète",
        ),
    )
    scope = Scope(
        calls=calls,
        cohort_id=cohort.pk if cohort else None,
        period=period,
        description=description,
    )
    return scope, secrecy


def shown_indicators(report: Report, *, secrecy: bool) -> list[tuple[str, str, list[Shown]]]:
    sections = []
    for code, title, results in report.sections():
        shown = []
        for result in results:
            ind = result.indicator
            table = result.table.display(secrecy=secrecy)
            chart = charts.draw(
                ind.chart,
                table,
                chart_id=f"graphique-{ind.code}",
                title=ind.label,
                column=ind.chart_column,
            )
            shown.append(Shown(ind.code, ind.label, ind.definition, table, chart))
        sections.append((code, title, shown))
    return sections


def activity_notes(scope: Scope) -> list[ActivityNote]:
    """The commentaries of the operators of the calls in scope for the scope's year (a year
    period only), the written ones."""
    if not scope.period.year:
        return []
    return list(
        ActivityNote.objects.filter(
            operator_id__in=scope.calls.values("operator_id"), year=scope.period.year
        )
        .exclude(text="")
        .select_related("operator")
    )


@require_GET
def indicators(request):
    audience, calls_qs, form = _filters(request)
    context = {
        "form": form,
        "audience": audience,
        "secrecy_note": SECRECY_NOTE,
        "query": request.GET.urlencode(),
        "no_call": not form.calls,
    }
    if request.htmx and request.htmx.trigger_name == "appel":
        # the call just changed: only the cohort list, narrowed to that call (no report)
        return HttpResponse(form["cohorte"].as_widget())
    if form.is_bound and not form.is_valid():
        return render(request, "reporting/indicators.html", context, status=400)
    scope, secrecy = _scope(audience, calls_qs, form)
    report = compute_report(scope)
    context.update(
        scope=scope,
        computed_at=report.computed_at,
        cache_minutes=cache_seconds() // 60,
        secrecy=secrecy,
        key_figures=shown_figures(report, secrecy=secrecy),
        sections=shown_indicators(report, secrecy=secrecy),
        notes=activity_notes(scope),
    )
    return render(request, "reporting/indicators.html", context)


def _filename(scope: Scope, extension: str, stem: str = "indicateurs") -> str:
    """« coopess-rapport-activite-2025-20261126.pdf »: the year reported, if one, then the day
    the file was made."""
    year = f"-{scope.period.year}" if scope.period.year else ""
    return f"coopess-{stem}{year}-{timezone.localdate():%Y%m%d}.{extension}"


@require_GET
def export(request, fmt: str):
    if fmt not in EXPORTS:
        raise Http404
    audience, calls_qs, form = _filters(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "reporting/indicators.html",
            {"form": form, "audience": audience, "query": request.GET.urlencode()},
            status=400,
        )
    scope, secrecy = _scope(audience, calls_qs, form)
    report = compute_report(scope)
    content_type, extension = EXPORTS[fmt]
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(report, secrecy=secrecy), content_type=content_type
        )
    elif fmt == "xlsx":
        response = HttpResponse(exports.xlsx(report, secrecy=secrecy), content_type=content_type)
    else:
        response = HttpResponse(exports.ods(report, secrecy=secrecy), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(scope, extension)}"'
    return response


@require_GET
def annual_report(request):
    audience, calls_qs, form = _filters(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "reporting/indicators.html",
            {"form": form, "audience": audience, "query": request.GET.urlencode()},
            status=400,
        )
    scope, secrecy = _scope(audience, calls_qs, form)
    report = compute_report(scope)
    previous = None
    if scope.period.year:
        # a year's report sets its key figures beside the year before's
        year_before = dataclasses.replace(
            scope, period=Period.of_year(scope.period.year - 1), memo={}
        )
        previous = compute_report(year_before)
    pdf = exports.annual_pdf(
        report,
        secrecy=secrecy,
        sections=shown_indicators(report, secrecy=secrecy),
        notes=activity_notes(scope),
        previous=previous,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(scope, "pdf", "rapport-activite")}"'
    )
    return response


def _note_year(year: int) -> int:
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise Http404
    return year


@require_http_methods(["GET", "POST"])
def note(request, year: int):
    """The officer writes their DLA's commentary for a year (shown with that year's indicators,
    to the funders too). With several DLA operators, ``?dla=<id>`` chooses one."""
    if reporting_audience(request.user) != OFFICER:
        raise Http404
    year = _note_year(year)
    operators = {str(o.pk): o for o in request.user.organisations_for(Role.OFFICER)}
    operator = operators.get(request.GET.get("dla", "")) or next(iter(operators.values()))
    current = ActivityNote.objects.filter(operator=operator, year=year).first()
    form = ActivityNoteForm(request.POST or None, initial={"text": current.text if current else ""})
    if request.method == "POST" and form.is_valid():
        ActivityNote.objects.update_or_create(
            operator=operator,
            year=year,
            defaults={"text": form.cleaned_data["text"].strip(), "updated_by": request.user},
        )
        messages.success(request, f"Commentaire {year} enregistré.")
        return redirect(f"{reverse('reporting:indicators')}?annee={year}#commentaire")
    context = {
        "form": form,
        "year": year,
        "operator": operator,
        "operators": list(operators.values()) if len(operators) > 1 else [],
        "current": current,
    }
    return render(request, "reporting/note.html", context, status=400 if form.errors else 200)
