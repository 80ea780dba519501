"""Every indicator, every cell: the page, the XLSX, the ODS, the CSV and the PDF show the same
numbers as the report computes them — in the officer's version and under the funder's secrecy.

(The other tests check chosen cells against hand-computed answers; this one makes sure no
format drops, reorders or rounds differently any cell of any indicator, including those other
apps register.)"""

import csv
import html
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coopess.calls.models import Call
from coopess.reporting import exports
from coopess.reporting.registry import compute_report
from coopess.reporting.scope import Period, Scope
from tests.conftest import sign_in
from tests.reporting.helpers import make_funder, pdf_text, published_dataset

pytestmark = pytest.mark.django_db

YEAR = {"annee": "2025"}


@pytest.fixture
def dataset(db, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    return published_dataset()


def expected(dataset, *, secrecy: bool):
    """(code, indicator label, sheet title, [(row label, [cell texts], [cell export values])])."""
    report = compute_report(
        Scope(calls=Call.objects.filter(pk=dataset.call.pk), period=Period.of_year(2025))
    )
    out = []
    sheets = exports.sheets(report, secrecy=secrecy)
    for result, sheet in zip(report.results, sheets, strict=True):
        rows = [
            (row.label, [c.text for c in row.cells], [c.export_value for c in row.cells])
            for row in sheet.table.rows
        ]
        out.append((result.indicator.code, sheet.label, sheet.title, rows))
    return out


def page_rows(page: str, code: str) -> list[tuple[str, list[str]]]:
    start = page.index(f'id="indicateur-{code}"')
    table = page[start : page.index("</table>", start)]
    body = table[table.index("<tbody>") :]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header is None:
            continue  # « Aucune donnée pour ce périmètre. »
        cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
        rows.append((html.unescape(header.group(1)), [html.unescape(c) for c in cells]))
    return rows


def same_number(written, value) -> bool:
    if isinstance(value, float) and isinstance(written, (int, float)):
        return abs(written - value) < 1e-9
    return written == value


def check_everywhere(client, dataset, *, secrecy: bool):
    indicators = expected(dataset, secrecy=secrecy)
    assert len(indicators) >= 25
    page = client.get(reverse("reporting:indicators"), YEAR).content.decode()
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export", args=["xlsx"]), YEAR).content)
    )
    ods = client.get(reverse("reporting:export", args=["ods"]), YEAR).content
    with zipfile.ZipFile(io.BytesIO(ods)) as archive:
        ods_xml = html.unescape(archive.read("content.xml").decode())
    response = client.get(reverse("reporting:export", args=["csv"]), YEAR)
    lines = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    pdf = " ".join(pdf_text(client.get(reverse("reporting:annual_report"), YEAR)).split())
    checked = 0
    for code, label, title, rows in indicators:
        # the page: the indicator's table, row after row
        assert page_rows(page, code) == [(r, texts) for r, texts, _ in rows], code
        # the XLSX: its own sheet, numbers as numbers, hidden cells as their mark
        sheet = list(workbook[title].iter_rows(values_only=True))[1 : 1 + len(rows)]
        for (row_label, _texts, values), written in zip(rows, sheet, strict=True):
            assert written[0] == row_label, (title, written)
            for value, cell in zip(values, written[1:], strict=False):
                assert same_number(cell, value), (title, row_label, cell, value)
                checked += 1
        for row_label, texts, values in rows:
            # the CSV: one line per number, under the indicator's label
            mine = [line for line in lines if line[:2] == [label, row_label]]
            assert [line[3] for line in mine] == [
                ""
                if v is None
                else (f"{v:.2f}".replace(".", ",") if isinstance(v, float) else str(v))
                for v in values
            ], (label, row_label)
            # the ODS: each number shown as on the page
            for text in texts:
                assert f"<text:p>{text}</text:p>" in ods_xml, (label, row_label, text)
            # the PDF: the row as the page shows it
            assert " ".join(f"{row_label} {' '.join(texts)}".split()) in pdf, (label, row_label)
    assert checked > 100


def test_every_cell_is_the_same_everywhere_for_the_officer(client, dataset):
    sign_in(client, dataset.officer)
    check_everywhere(client, dataset, secrecy=False)


def test_every_cell_is_the_same_everywhere_under_secrecy(client, dataset):
    sign_in(client, make_funder(dataset.call))
    check_everywhere(client, dataset, secrecy=True)
