"""Statistical secrecy on tables: small counts, sums over few units, complementary cells."""

from decimal import Decimal

from coopess.reporting.charts import bar_chart, map_chart, stacked_bar_chart
from coopess.reporting.tables import NOT_DISCLOSED, SMALL, Column, Kind, Row, Table


def breakdown(values: dict[str, int], **kwargs) -> Table:
    rows = [Row(k, k, {"n": v}) for k, v in values.items()]
    return Table(
        columns=[Column("n", "Structures")],
        rows=rows,
        partition=True,
        total=Row("total", "Total", {"n": sum(values.values())}),
        **kwargs,
    )


def texts(display) -> dict[str, str]:
    return {row.key: row.cells[0].text for row in display.rows}


def test_officer_sees_every_number():
    shown = texts(breakdown({"a": 1, "b": 5, "c": 7}).display(secrecy=False))
    assert shown == {"a": "1", "b": "5", "c": "7", "total": "13"}


def test_small_counts_and_the_complementary_cell():
    # « a » alone hidden would be 13 - 5 - 7: the smallest other count is hidden too
    shown = texts(breakdown({"a": 1, "b": 5, "c": 7, "z": 0}).display(secrecy=True))
    assert shown == {"a": SMALL, "b": NOT_DISCLOSED, "c": "7", "z": "0", "total": "13"}
    # two small counts already protect each other
    shown = texts(breakdown({"a": 1, "b": 2, "c": 7}).display(secrecy=True))
    assert shown == {"a": SMALL, "b": SMALL, "c": "7", "total": "10"}
    # a small total is hidden like any count
    assert texts(breakdown({"a": 1, "b": 1}).display(secrecy=True))["total"] == SMALL


def test_sums_over_fewer_than_three_structures_are_not_disclosed():
    table = Table(
        columns=[
            Column("structures", "Structures"),
            Column("fte", "ETP", Kind.DECIMAL, basis="structures"),
        ],
        rows=[
            Row("44", "Loire-Atlantique", {"structures": 2, "fte": Decimal("12.5")}),
            Row("49", "Maine-et-Loire", {"structures": 4, "fte": Decimal("30")}),
            Row("53", "Mayenne", {"structures": 5, "fte": Decimal("8")}),
        ],
        partition=True,
    )
    display = table.display(secrecy=True)
    cells = {row.key: [c.text for c in row.cells] for row in display.rows}
    assert cells["44"] == [SMALL, NOT_DISCLOSED]
    # the complementary count hides its sum as well
    assert cells["49"] == [NOT_DISCLOSED, NOT_DISCLOSED]
    assert cells["53"] == ["5", "8,0"]
    assert display.rows[0].cells[0].export_value == SMALL


def test_charts_draw_no_bar_for_a_hidden_value():
    display = breakdown({"a": 1, "b": 5, "c": 7}).display(secrecy=True)
    svg = str(bar_chart(display, chart_id="t", title="Essai"))
    assert svg.count("<rect") == 1  # only « c »
    assert "&lt; 3" in svg and 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "a : &lt; 3" in svg  # the description reads every value


def test_map_and_stacked_chart_write_their_values():
    table = Table(
        columns=[Column("structures", "Structures")],
        rows=[Row(c, f"Dép. ({c})", {"structures": n}) for c, n in
              (("44", 4), ("49", 0), ("53", 3), ("72", 8), ("85", 1))],
    )  # fmt: skip
    svg = str(map_chart(table.display(secrecy=True), chart_id="m", title="Carte"))
    assert svg.count("<polygon") == 5
    assert ">8<" in svg and "&lt; 3" in svg
    stacked = Table(
        columns=[Column("x", "Retenues"), Column("y", "Non retenues")],
        rows=[Row("c", "Appel", {"x": 4, "y": 9})],
    )
    svg = str(stacked_bar_chart(stacked.display(secrecy=False), chart_id="s", title="Décisions"))
    assert "<pattern" in svg and ">4<" in svg and ">9<" in svg and "= 13" in svg


def test_a_rate_is_hidden_with_any_of_its_bases():
    table = Table(
        columns=[
            Column("expected", "Attendues"),
            Column("present", "Présentes"),
            Column("rate", "Taux", Kind.PERCENT, basis=("present", "expected")),
        ],
        rows=[
            Row("a", "A", {"expected": 2, "present": 0, "rate": 0.0}),
            Row("b", "B", {"expected": 10, "present": 8, "rate": 0.8}),
        ],
        partition=True,
    )
    cells = {r.key: [c.text for c in r.cells] for r in table.display(secrecy=True).rows}
    # « b » expected is the complementary cell: its rate would give it back (8 / 0.8)
    assert cells == {"a": [SMALL, "0", NOT_DISCLOSED], "b": [NOT_DISCLOSED, "8", NOT_DISCLOSED]}
    cells = {r.key: [c.text for c in r.cells] for r in table.display(secrecy=False).rows}
    assert cells["b"] == ["10", "8", "80\u00a0%"]
