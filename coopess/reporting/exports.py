"""The report as files: CSV (one line per number), XLSX and ODS (a sheet for the scope, the key
figures and the definitions, then one sheet per table), and the annual activity report as PDF
with its key figures and charts.

Every file is built from the same ``DisplayTable``s as the page, so statistical secrecy applies
the same way: a hidden number is written as its mark (« < 3 », « n.c. »), never as a value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from coopess.common.text import spreadsheet_safe
from coopess.reporting.key_figures import shown_figures
from coopess.reporting.registry import Report
from coopess.reporting.tables import SECRECY_NOTE, Cell, Column, DisplayTable, Kind

#: XLSX number formats (the reader's locale gives the separators: « 12 345 », « 84,4 % »)
NUMBER_FORMATS = {
    Kind.COUNT: "#,##0",
    Kind.DECIMAL: "#,##0.0",
    Kind.DAYS: "0.0",
    Kind.PERCENT: '0.0"\u00a0"%',
    Kind.EUROS: '#,##0"\u00a0€"',
}
#: ODS value types and decimals of each kind (a rate is a percentage cell, an amount a currency)
ODS_TYPES = {
    Kind.COUNT: ("float", 0),
    Kind.DECIMAL: ("float", 1),
    Kind.DAYS: ("float", 1),
    Kind.PERCENT: ("percentage", 1),
    Kind.EUROS: ("currency", 0),
}


@dataclass
class Sheet:
    title: str
    label: str
    definition: str
    category: str
    columns: list[Column]
    table: DisplayTable


def sheets(report: Report, *, secrecy: bool) -> list[Sheet]:
    out, used = [], set()
    for result in report.results:
        ind = result.indicator
        title = _sheet_title(ind.sheet, used)
        out.append(
            Sheet(
                title=title,
                label=ind.label,
                definition=ind.definition,
                category=result.table.category or "Indicateur",
                columns=result.table.columns,
                table=result.table.display(secrecy=secrecy),
            )
        )
    return out


def _sheet_title(wanted: str, used: set[str]) -> str:
    title = "".join(c for c in wanted if c not in "[]:*?/\\")[:31] or "Tableau"
    base, n = title, 2
    while title in used:
        suffix = f" {n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def scope_lines(report: Report, *, secrecy: bool) -> list[tuple[str, str]]:
    lines = list(report.scope.description)
    lines.append(("Calculé le", date_format(timezone.localtime(report.computed_at), "j F Y à H:i")))
    if secrecy:
        lines.append(("Secret statistique", SECRECY_NOTE))
    return lines


# --- CSV ----------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(report: Report, *, secrecy: bool) -> Iterator[str]:
    """One line per number: indicator, category, measure, value (semicolons, UTF-8 with BOM)."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"
    yield writer.writerow(["Indicateur", "Catégorie", "Mesure", "Valeur"])
    for sheet in sheets(report, secrecy=secrecy):
        for row in sheet.table.rows:
            for column, cell in zip(sheet.columns, row.cells, strict=True):
                yield writer.writerow(
                    [sheet.label, spreadsheet_safe(row.label), column.label, _csv_value(cell)]
                )
    for key, value in scope_lines(report, secrecy=secrecy):
        yield writer.writerow(["Périmètre", key, "", spreadsheet_safe(value)])


def _csv_value(cell: Cell) -> str:
    value = cell.export_value
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


# --- XLSX ---------------------------------------------------------------------------------------


def xlsx(report: Report, *, secrecy: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF2EF")
    workbook = Workbook()
    about = workbook.active
    about.title = "Périmètre"
    about.append(["Rapport d'activité — indicateurs"])
    about["A1"].font = Font(bold=True, size=14)
    about.append([])
    for key, value in scope_lines(report, secrecy=secrecy):
        about.append([key, spreadsheet_safe(value)])
        about.cell(about.max_row, 1).font = bold
    about.append([])
    about.append(["Chiffres clés"])
    about.cell(about.max_row, 1).font = bold
    for figure in shown_figures(report, secrecy=secrecy):
        about.append([figure.label, figure.cell.export_value])
        target = about.cell(about.max_row, 2)
        target.alignment = Alignment(horizontal="left")
        if not figure.cell.hidden:
            target.number_format = NUMBER_FORMATS[figure.kind]
    about.append([])
    about.append(["Indicateur", "Définition", "Onglet"])
    for cell in about[about.max_row]:
        cell.font = bold
        cell.fill = header_fill
    all_sheets = sheets(report, secrecy=secrecy)
    for sheet in all_sheets:
        about.append([sheet.label, sheet.definition, sheet.title])
        about.cell(about.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 45
    about.column_dimensions["B"].width = 90
    about.column_dimensions["C"].width = 28

    right = Alignment(horizontal="right")
    for sheet in all_sheets:
        ws = workbook.create_sheet(sheet.title)
        ws.append([sheet.category, *[c.label for c in sheet.columns]])
        for cell in ws[1]:
            cell.font = bold
            cell.fill = header_fill
        ws.freeze_panes = "B2"
        for row in sheet.table.rows:
            ws.append([spreadsheet_safe(row.label), *[cell.export_value for cell in row.cells]])
            line = ws.max_row
            if row.is_total:
                ws.cell(line, 1).font = bold
            for index, (column, cell) in enumerate(zip(sheet.columns, row.cells, strict=True)):
                target = ws.cell(line, index + 2)
                if cell.hidden:
                    target.alignment = right
                else:
                    target.number_format = NUMBER_FORMATS.get(column.kind, "General")
                if row.is_total:
                    target.font = bold
        ws.column_dimensions["A"].width = 55
        for index in range(len(sheet.columns)):
            ws.column_dimensions[chr(ord("B") + index)].width = 18
        ws.append([])
        ws.append([f"{sheet.label} — {sheet.definition}"])
        if sheet.table.any_hidden:
            ws.append([SECRECY_NOTE])
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


# --- ODS ----------------------------------------------------------------------------------------


def ods(report: Report, *, secrecy: bool) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    number_styles = _ods_number_styles(document)
    bold = Style(name="Gras", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    wide = Style(name="Large", family="table-column")
    wide.addElement(TableColumnProperties(columnwidth="8cm"))
    document.automaticstyles.addElement(wide)
    narrow = Style(name="Etroite", family="table-column")
    narrow.addElement(TableColumnProperties(columnwidth="3.5cm"))
    document.automaticstyles.addElement(narrow)

    def text_cell(text: str, *, strong: bool = False) -> TableCell:
        cell = (
            TableCell(valuetype="string", stylename=bold)
            if strong
            else TableCell(valuetype="string")
        )
        cell.addElement(P(text=str(text)))
        return cell

    def value_cell(cell: Cell, kind: str) -> TableCell:
        value = cell.export_value
        if cell.hidden or value is None:
            return text_cell(cell.text if cell.hidden else "")
        valuetype, _decimals = ODS_TYPES.get(kind, ("float", 2))
        extra = {"currency": "EUR"} if valuetype == "currency" else {}
        out = TableCell(
            valuetype=valuetype, value=repr(value), stylename=number_styles[kind], **extra
        )
        out.addElement(P(text=cell.text))
        return out

    def row_of(*cells: TableCell) -> TableRow:
        row = TableRow()
        for cell in cells:
            row.addElement(cell)
        return row

    about = Table(name="Périmètre")
    about.addElement(TableColumn(stylename=wide))
    about.addElement(TableColumn(stylename=wide))
    about.addElement(row_of(text_cell("Rapport d'activité — indicateurs", strong=True)))
    for key, value in scope_lines(report, secrecy=secrecy):
        about.addElement(row_of(text_cell(key, strong=True), text_cell(value)))
    about.addElement(row_of(text_cell("Chiffres clés", strong=True)))
    for figure in shown_figures(report, secrecy=secrecy):
        about.addElement(row_of(text_cell(figure.label), value_cell(figure.cell, figure.kind)))
    about.addElement(
        row_of(text_cell("Indicateur", strong=True), text_cell("Définition", strong=True))
    )
    all_sheets = sheets(report, secrecy=secrecy)
    for sheet in all_sheets:
        about.addElement(row_of(text_cell(sheet.label), text_cell(sheet.definition)))
    document.spreadsheet.addElement(about)
    for sheet in all_sheets:
        table = Table(name=sheet.title)
        table.addElement(TableColumn(stylename=wide))
        table.addElement(TableColumn(stylename=narrow, numbercolumnsrepeated=len(sheet.columns)))
        table.addElement(
            row_of(
                text_cell(sheet.category, strong=True),
                *[text_cell(c.label, strong=True) for c in sheet.columns],
            )
        )
        for row in sheet.table.rows:
            table.addElement(
                row_of(
                    text_cell(row.label, strong=row.is_total),
                    *[
                        value_cell(cell, column.kind)
                        for column, cell in zip(sheet.columns, row.cells, strict=True)
                    ],
                )
            )
        if sheet.table.any_hidden:
            table.addElement(row_of(text_cell(SECRECY_NOTE)))
        document.spreadsheet.addElement(table)
    _ods_freeze_headers(document, [sheet.title for sheet in all_sheets])
    handle = io.BytesIO()
    document.write(handle)
    return handle.getvalue()


def _ods_number_styles(document) -> dict[str, object]:
    """A cell style per kind, each with its French data style (« 12 345 », « 84,4 % »,
    « 4 800 € »): LibreOffice shows the typed number as the page does."""
    from odf.number import (
        CurrencyStyle,
        CurrencySymbol,
        Number,
        NumberStyle,
        PercentageStyle,
    )
    from odf.number import Text as NumberText
    from odf.style import Style

    styles = {}
    for kind, (valuetype, decimals) in ODS_TYPES.items():
        name = f"N-{kind}"
        if valuetype == "percentage":
            data = PercentageStyle(name=name, language="fr", country="FR")
            data.addElement(Number(decimalplaces=decimals, minintegerdigits=1))
            data.addElement(NumberText(text="\u00a0%"))
        elif valuetype == "currency":
            data = CurrencyStyle(name=name, language="fr", country="FR")
            data.addElement(Number(decimalplaces=decimals, minintegerdigits=1, grouping="true"))
            data.addElement(NumberText(text="\u00a0"))
            data.addElement(CurrencySymbol(language="fr", country="FR", text="€"))
        else:
            data = NumberStyle(name=name, language="fr", country="FR")
            data.addElement(Number(decimalplaces=decimals, minintegerdigits=1, grouping="true"))
        document.automaticstyles.addElement(data)
        cell_style = Style(name=f"C-{kind}", family="table-cell", datastylename=name)
        document.automaticstyles.addElement(cell_style)
        styles[kind] = cell_style
    return styles


def _ods_freeze_headers(document, titles: list[str]) -> None:
    """Freeze the header row and the label column of each table sheet (LibreOffice's view
    settings, the same as XLSX's ``freeze_panes = "B2"``)."""
    from odf.config import (
        ConfigItem,
        ConfigItemMapEntry,
        ConfigItemMapIndexed,
        ConfigItemMapNamed,
        ConfigItemSet,
    )

    def item(name: str, kind: str, value) -> ConfigItem:
        element = ConfigItem(name=name, type=kind)
        element.addText(str(value))
        return element

    tables = ConfigItemMapNamed(name="Tables")
    for title in titles:
        entry = ConfigItemMapEntry(name=title)
        for name, value in (
            ("HorizontalSplitMode", 2),
            ("VerticalSplitMode", 2),
            ("HorizontalSplitPosition", 1),
            ("VerticalSplitPosition", 1),
            ("ActiveSplitRange", 2),
            ("PositionLeft", 0),
            ("PositionRight", 1),
            ("PositionTop", 0),
            ("PositionBottom", 1),
        ):
            entry.addElement(
                item(name, "short" if "Mode" in name or "Range" in name else "int", value)
            )
        tables.addElement(entry)
    view = ConfigItemMapEntry()
    view.addElement(item("ViewId", "string", "view1"))
    view.addElement(tables)
    views = ConfigItemMapIndexed(name="Views")
    views.addElement(view)
    settings = ConfigItemSet(name="ooo:view-settings")
    settings.addElement(views)
    document.settings.addElement(settings)


# --- PDF ----------------------------------------------------------------------------------------


def annual_pdf(
    report: Report, *, secrecy: bool, sections, notes=(), previous: Report | None = None
) -> bytes:
    """The annual activity report; with ``previous`` (the year before's report), its key
    figures beside this year's."""
    from coopess.common.pdf import render_pdf

    figures = shown_figures(report, secrecy=secrecy)
    before = (
        {figure.label: figure.text for figure in shown_figures(previous, secrecy=secrecy)}
        if previous is not None
        else None
    )
    return render_pdf(
        "reporting/pdf/annual_report.html",
        {
            "report": report,
            "scope_lines": scope_lines(report, secrecy=secrecy),
            "key_figures": [
                (figure, before.get(figure.label, "—") if before is not None else None)
                for figure in figures
            ],
            "year": report.scope.period.year,
            "compared": before is not None,
            "notes": notes,
            "sections": sections,
            "secrecy": secrecy,
            "secrecy_note": SECRECY_NOTE,
        },
        kept=True,
    )
