"""The officer's list of calls and the table of a call's applications: filters, pagination and
the CSV/XLSX export of the filtered rows.
"""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application, ApplicationStructure
from coopess.calls.models import Call
from coopess.common import events
from coopess.common.text import normalise_search, spreadsheet_safe
from coopess.selection.forms import (
    SORTS,
    TableFilterForm,
)
from coopess.selection.models import (
    ReviewerAssignment,
)
from coopess.selection.views.base import _officer_call, _require_officer, _reviewers

PAGE_SIZE = 50


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
    # the privacy app keeps the log of personal-data exports (it listens, at once)
    events.announce(
        events.PERSONAL_DATA_EXPORTED,
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
