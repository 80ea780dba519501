"""The indicators page, its exports (CSV, XLSX, ODS) and the annual activity report (PDF).

All of them compute the same ``Report`` for the same filters; only the rendering differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from coopess.reporting import charts, exports
from coopess.reporting.forms import ReportFilterForm
from coopess.reporting.key_figures import shown_figures
from coopess.reporting.permissions import (
    OFFICER,
    must_hide_small_counts,
    reporting_audience,
    reporting_calls,
)
from coopess.reporting.registry import Report, cache_seconds, compute_report
from coopess.reporting.scope import Scope
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
    description = (
        ("Appel", f"{call.title} ({call.edition})" if call else "Tous les appels"),
        ("Cohorte", cohort.name if cohort else "Toutes les cohortes"),
        ("Période", period.label),
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


@require_GET
def indicators(request):
    audience, calls_qs, form = _filters(request)
    context = {
        "form": form,
        "audience": audience,
        "secrecy_note": SECRECY_NOTE,
        "query": request.GET.urlencode(),
    }
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
    )
    return render(request, "reporting/indicators.html", context)


def _filename(scope: Scope, extension: str, stem: str = "indicateurs") -> str:
    return f"coopess-{stem}-{timezone.localdate():%Y%m%d}.{extension}"


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
    pdf = exports.annual_pdf(
        report, secrecy=secrecy, sections=shown_indicators(report, secrecy=secrecy)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(scope, "pdf", "rapport-activite")}"'
    )
    return response
