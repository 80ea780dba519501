"""The tables indicators produce, and how a reader sees them.

A table is rows × columns of numbers. The officer sees every number; a funder (or an officer
preparing a document for one) sees the « diffusion » version, under statistical secrecy:

- a count of 1 or 2 is shown as « < 3 » (a 0 singles nobody out and stays 0);
- a sum or an average (jobs, FTE, days) computed over 1 or 2 units is not shown (« n.c. »);
- in a breakdown whose rows add up to a total shown elsewhere, a single hidden count could be
  recovered by subtraction: the smallest other non-zero count of that column is hidden too
  (« n.c. »).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

THRESHOLD = 3
SMALL = "< 3"
NOT_DISCLOSED = "n.c."
SECRECY_NOTE = (
    "« < 3 » : effectif de 1 ou 2, masqué pour ne pas identifier de structure. "
    "« n.c. » : non communiqué, parce que la valeur porte sur moins de 3 structures ou "
    "permettrait de retrouver un effectif masqué."
)


class Kind:
    COUNT = "count"  # a number of applications, structures, meetings
    DECIMAL = "decimal"  # FTE
    DAYS = "days"  # a delay in days (median, mean)
    PERCENT = "percent"  # a share: 0.84375 is shown « 84,4 % », 0.75 « 75 % » (same in files)
    EUROS = "euros"  # an amount in euros, shown rounded to the euro: « 12 345 € »


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = Kind.COUNT
    #: for sums, averages and rates: the key (or keys) of the count columns they are computed
    #: over; the value is not disclosed when one of them is 1 or 2, or hidden
    basis: str | tuple[str, ...] | None = None

    @property
    def bases(self) -> tuple[str, ...]:
        if self.basis is None:
            return ()
        return (self.basis,) if isinstance(self.basis, str) else tuple(self.basis)


@dataclass
class Row:
    key: str
    label: str
    values: dict[str, int | float | Decimal | None]


@dataclass
class Cell:
    value: int | float | Decimal | None
    text: str
    hidden: bool = False

    @property
    def export_value(self):
        """What a spreadsheet cell holds: the number, or the secrecy mark."""
        if self.hidden:
            return self.text
        if isinstance(self.value, Decimal):
            return float(self.value)
        return self.value


@dataclass
class Table:
    columns: list[Column]
    rows: list[Row]
    #: header of the first column (« Département », « Mois »…)
    category: str = ""
    #: the rows partition a total (complementary suppression applies)
    partition: bool = False
    #: a total row (a partition's sum), shown after the rows
    total: Row | None = None
    notes: list[str] = field(default_factory=list)

    def value(self, row_key: str, column_key: str | None = None):
        column_key = column_key or self.columns[0].key
        for row in [*self.rows, *([self.total] if self.total else [])]:
            if row.key == row_key:
                return row.values.get(column_key)
        raise KeyError(row_key)

    def display(self, *, secrecy: bool) -> DisplayTable:
        return DisplayTable.build(self, secrecy=secrecy)


def format_number(value, kind: str = Kind.COUNT) -> str:
    """French formatting: narrow no-break space between thousands, comma for decimals, halves
    rounded up as spreadsheets do (3,25 → « 3,3 » on the page and in LibreOffice alike)."""
    if value is None:
        return "—"
    if kind == Kind.COUNT:
        text = f"{int(value):,}"
    elif kind == Kind.PERCENT:
        text = f"{_rounded(Decimal(str(value)) * 100, 1):,}".removesuffix(".0") + "\u00a0%"
    elif kind == Kind.EUROS:
        text = f"{_rounded(Decimal(str(value)), 0):,}\u00a0€"
    else:
        text = f"{_rounded(Decimal(str(value)), 1):,}"
    return text.replace(",", "\u202f").replace(".", ",")


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _is_small(value) -> bool:
    return value is not None and 0 < value < THRESHOLD


@dataclass
class DisplayRow:
    key: str
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass
class DisplayTable:
    source: Table
    columns: list[Column]
    rows: list[DisplayRow]
    secrecy: bool
    any_hidden: bool = False

    @property
    def all_rows(self) -> list[DisplayRow]:
        return self.rows

    @classmethod
    def build(cls, table: Table, *, secrecy: bool) -> DisplayTable:
        rows = [*table.rows, *([table.total] if table.total else [])]
        hidden: dict[tuple[int, str], str] = {}
        if secrecy:
            for index, row in enumerate(rows):
                for column in table.columns:
                    value = row.values.get(column.key)
                    if column.kind == Kind.COUNT and _is_small(value):
                        hidden[index, column.key] = SMALL
                    elif value is not None and any(
                        # a sum over no unit at all (0) tells nothing about anyone
                        _is_small(row.values.get(key) or 0)
                        for key in column.bases
                    ):
                        hidden[index, column.key] = NOT_DISCLOSED
            if table.partition:
                body = range(len(table.rows))
                for column in table.columns:
                    if column.kind != Kind.COUNT:
                        continue
                    small = [i for i in body if hidden.get((i, column.key)) == SMALL]
                    if len(small) != 1:
                        continue
                    others = [
                        i
                        for i in body
                        if (i, column.key) not in hidden and (rows[i].values.get(column.key) or 0)
                    ]
                    if others:
                        victim = min(others, key=lambda i: rows[i].values[column.key])
                        hidden[victim, column.key] = NOT_DISCLOSED
            # sums over a hidden count would give it away: hide them with their basis
            for (index, key), _mark in list(hidden.items()):
                for column in table.columns:
                    if key in column.bases and (index, column.key) not in hidden:
                        hidden[index, column.key] = NOT_DISCLOSED
        display_rows = []
        for index, row in enumerate(rows):
            cells = []
            for column in table.columns:
                value = row.values.get(column.key)
                mark = hidden.get((index, column.key))
                if mark:
                    cells.append(Cell(None, mark, hidden=True))
                else:
                    cells.append(Cell(value, format_number(value, column.kind)))
            display_rows.append(DisplayRow(row.key, row.label, cells, is_total=row is table.total))
        return cls(
            source=table,
            columns=table.columns,
            rows=display_rows,
            secrecy=secrecy,
            any_hidden=bool(hidden),
        )
