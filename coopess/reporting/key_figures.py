"""The key figures at the top of the page, of the annual PDF and of the spreadsheets' first
sheet: a handful of numbers a funder reads first, each one cell of an indicator's table.

A key figure computes nothing of its own: it points at a row and a column of an indicator
(``row="total"`` for the total row), and shows that cell as the table shows it — with the
funder's statistical secrecy when it applies (« < 3 », « n.c. »). Another app adds its own with
``key_figure(...)`` in its ``reporting_indicators.py`` (see coopess/followups).
"""

from __future__ import annotations

from dataclasses import dataclass

from coopess.reporting.registry import Report
from coopess.reporting.tables import Cell, DisplayTable, Kind, format_number


@dataclass(frozen=True)
class KeyFigure:
    label: str
    indicator: str
    row: str
    column: str


@dataclass(frozen=True)
class ShownFigure:
    label: str
    cell: Cell
    #: the indicator whose table holds the number (the page links to it)
    indicator: str

    #: how the number is formatted (``tables.Kind``)
    kind: str = Kind.COUNT

    @property
    def text(self) -> str:
        return self.cell.text


KEY_FIGURES: list[KeyFigure] = []


def key_figure(label: str, *, indicator: str, row: str, column: str) -> None:
    """Add a key figure (after the ones already declared; declaring it again changes nothing)."""
    figure = KeyFigure(label, indicator, row, column)
    if figure not in KEY_FIGURES:
        KEY_FIGURES.append(figure)


key_figure("candidatures reçues", indicator="candidatures", row="received", column="applications")
key_figure("candidatures retenues", indicator="candidatures", row="selected", column="applications")
key_figure(
    "structures accompagnées", indicator="structures_accompagnees", row="structures", column="n"
)
key_figure(
    "emplois salariés dans ces structures", indicator="emplois", row="total", column="employees"
)
key_figure(
    "entretiens individuels tenus", indicator="entretiens_ateliers", row="interviews", column="held"
)
key_figure(
    "synthèses validées par toutes les structures",
    indicator="syntheses",
    row="total",
    column="cohorts",
)
key_figure("demi-journées de conseil réalisées", indicator="demi_journees", row="held", column="n")
key_figure("taux de présence aux séances", indicator="presence", row="total", column="rate")


def _cell(table: DisplayTable, row_key: str, column_key: str) -> Cell | None:
    keys = [column.key for column in table.columns]
    if column_key not in keys:
        return None
    index = keys.index(column_key)
    body = [row for row in table.rows if not row.is_total]
    total = [row for row in table.rows if row.is_total]
    if row_key == "total" and not total:
        # a table shows no total over one row or none: the total is that row, or nothing
        if not body:
            kind = table.columns[index].kind
            value = 0 if kind == Kind.COUNT else None
            return Cell(value, format_number(value, kind))
        if len(body) > 1:
            return None
        return body[0].cells[index]
    for row in total if row_key == "total" else body:
        if row_key == "total" or row.key == row_key:
            return row.cells[index]
    return None


def shown_figures(report: Report, *, secrecy: bool) -> list[ShownFigure]:
    """The key figures of ``report`` as its tables show them (secrecy included); a figure whose
    indicator is not in the report is left out."""
    tables = {result.indicator.code: result.table for result in report.results}
    displayed: dict[str, DisplayTable] = {}
    shown = []
    for figure in KEY_FIGURES:
        if figure.indicator not in tables:
            continue
        if figure.indicator not in displayed:
            displayed[figure.indicator] = tables[figure.indicator].display(secrecy=secrecy)
        cell = _cell(displayed[figure.indicator], figure.row, figure.column)
        if cell is not None:
            kind = next(c.kind for c in tables[figure.indicator].columns if c.key == figure.column)
            shown.append(ShownFigure(figure.label, cell, figure.indicator, kind))
    return shown
