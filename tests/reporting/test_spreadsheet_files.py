"""The XLSX and ODS exports read by a second reader, LibreOffice (headless, French locale): every
number is a typed cell (a rate a percentage, an amount a currency or a number), shown as the
indicators page shows it (« 84,4 % », « 4 800 € »), with the header row and label column frozen,
column widths set and each sheet named after its indicator."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from tests.conftest import sign_in
from tests.libreoffice import convert
from tests.reporting.helpers import published_dataset

pytestmark = pytest.mark.django_db

YEAR = {"annee": "2025"}
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0",
}
T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"  # noqa: E741
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def flat(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def as_on_the_page(shown: str) -> str:
    """A spreadsheet shows every rate with one decimal; the page drops a trailing « ,0 »."""
    return flat(shown).replace(",0 %", " %")


@pytest.fixture
def exports(client):
    dataset = published_dataset()
    sign_in(client, dataset.officer)
    page = client.get(reverse("reporting:indicators"), YEAR)
    assert page.status_code == 200
    files = {
        fmt: client.get(reverse("reporting:export", args=[fmt]), YEAR).content
        for fmt in ("xlsx", "ods")
    }
    return flat(re.sub(r"<[^>]+>", " ", page.content.decode())), files


def ods_cells(content: bytes) -> dict[str, list[list[tuple[str, str | None, str]]]]:
    """sheet → rows of (value type, value, text shown), read from the ODS XML itself."""
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(content)).read("content.xml"))
    sheets = {}
    for table in root.iter(f"{T}table"):
        rows = []
        for row in table.iter(f"{T}table-row"):
            cells = []
            for cell in row.iter(f"{T}table-cell"):
                repeat = int(cell.get(f"{T}number-columns-repeated", "1"))
                shown = " ".join("".join(p.itertext()) for p in cell.findall("text:p", NS))
                cells += [(cell.get(f"{O}value-type", ""), cell.get(f"{O}value"), shown)] * min(
                    repeat, 20
                )
            while cells and cells[-1] == ("", None, ""):
                cells.pop()
            if cells:
                rows.append(cells)
        sheets[table.get(f"{T}name")] = rows
    return sheets


def numbers(sheets) -> list[tuple[str, str, str, str, str]]:
    """(sheet, row label, value type, value, text) of every typed cell of the table sheets."""
    found = []
    for name, rows in sheets.items():
        if name == "Périmètre":
            continue
        for cells in rows[1:]:
            for kind, value, shown in cells[1:]:
                if kind and kind != "string":
                    found.append((name, cells[0][2], kind, value, shown))
    return found


def test_libreoffice_reads_the_xlsx_as_typed_french_numbers(exports):
    page, files = exports
    sheets = ods_cells(convert(files["xlsx"], suffix="xlsx", to="ods"))
    assert list(sheets)[:2] == ["Périmètre", "Candidatures"]
    typed = numbers(sheets)
    assert len(typed) > 30
    kinds = {kind for *_rest, kind, _value, _shown in typed}
    assert {"float", "percentage"} <= kinds, kinds
    for sheet, label, kind, value, shown in typed:
        assert value is not None and float(value) == float(value), (sheet, label)
        assert as_on_the_page(shown) in page, (sheet, label, shown)  # shown as on the page
        if kind == "percentage":
            assert re.fullmatch(r"\d{1,3}(,\d)? %", flat(shown)), (sheet, label, shown)
    # a rate: a fraction, shown with a comma and a space before the sign
    rates = [(value, flat(shown)) for *_x, kind, value, shown in typed if kind == "percentage"]
    assert all(0 <= float(value) <= 1 for value, _ in rates), rates
    assert all("." not in shown for _, shown in rates), rates


def test_libreoffice_reads_the_ods_with_its_french_formats(exports):
    page, files = exports
    ours = ods_cells(files["ods"])
    again = ods_cells(convert(files["ods"], suffix="ods", to="ods"))
    assert list(again) == list(ours)
    typed = numbers(again)
    assert len(typed) > 30
    assert {kind for *_x, kind, _v, _s in typed} >= {"float", "percentage"}
    for (sheet, label, kind, value, shown), mine in zip(typed, numbers(ours), strict=True):
        assert (sheet, label, kind) == mine[:3]
        assert float(value) == pytest.approx(float(mine[3]))  # full precision kept
        assert as_on_the_page(shown) == flat(mine[4]), (sheet, label, shown)
        assert as_on_the_page(shown) in page, (sheet, label, shown)


def test_headers_are_frozen_columns_sized_and_sheets_named(exports):
    _page, files = exports
    archive = zipfile.ZipFile(io.BytesIO(files["xlsx"]))
    workbook = archive.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', workbook)
    assert names[0] == "Périmètre" and "Candidatures" in names
    assert all(name and len(name) <= 31 for name in names)
    for index in range(2, len(names) + 1):
        sheet = archive.read(f"xl/worksheets/sheet{index}.xml").decode()
        assert re.search(r'<pane [^>]*topLeftCell="B2"[^>]*state="frozen"', sheet), index
        assert re.search(r'<col [^>]*width="55', sheet), index
    # the ODS: the view settings LibreOffice reads (headless LibreOffice has no view, so it
    # drops them when it saves: they are checked in the file itself)
    settings = ElementTree.fromstring(
        zipfile.ZipFile(io.BytesIO(files["ods"])).read("settings.xml")
    )
    config = "{urn:oasis:names:tc:opendocument:xmlns:config:1.0}"
    frozen = {}
    for entry in settings.iter(f"{config}config-item-map-entry"):
        items = {
            item.get(f"{config}name"): item.text for item in entry.findall("config:config-item", NS)
        }
        if "HorizontalSplitMode" in items:
            frozen[entry.get(f"{config}name")] = (
                items["HorizontalSplitMode"],
                items["VerticalSplitMode"],
                items["HorizontalSplitPosition"],
                items["VerticalSplitPosition"],
            )
    table_sheets = [name for name in ods_cells(files["ods"]) if name != "Périmètre"]
    assert table_sheets and all(frozen.get(name) == ("2", "2", "1", "1") for name in table_sheets)
    content = zipfile.ZipFile(io.BytesIO(files["ods"])).read("content.xml").decode()
    assert 'style:column-width="8cm"' in content and 'style:column-width="3.5cm"' in content
