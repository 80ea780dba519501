"""The indicators page, its exports and the PDF: the same numbers everywhere; the funder's
version hides small counts and never shows a person."""

import csv
import io
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coopess.accounts.models import Role
from tests.conftest import sign_in
from tests.factories import add_totp, make_user
from tests.reporting.helpers import (
    next_edition,
    pdf_text,
    personal_strings,
    published_dataset,
    readable,
)

pytestmark = pytest.mark.django_db

YEAR = {"annee": "2025"}


@pytest.fixture
def dataset(db):
    return published_dataset()


@pytest.fixture
def officer_client(client, dataset):
    sign_in(client, dataset.officer)
    return client


@pytest.fixture
def funder_client(client, dataset):
    from tests.reporting.helpers import make_funder

    sign_in(client, make_funder(dataset.call))
    return client


def page_text(response) -> str:
    return response.content.decode()


def cell_after(html: str, anchor: str, label: str) -> str:
    """The first numeric cell of the row ``label`` in the indicator ``anchor``'s table."""
    section = html[html.index(f'id="indicateur-{anchor}"') :]
    row = section[section.index(f'<th scope="row">{label}</th>') :]
    start = row.index('<td class="num')
    start = row.index(">", start) + 1
    return row[start : row.index("</td>", start)]


def test_officer_page_shows_every_indicator(officer_client, assert_no_invalid_variables):
    response = officer_client.get(reverse("reporting:indicators"), YEAR)
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    html = page_text(response)
    assert cell_after(html, "candidatures", "Candidatures reçues") == "5"
    assert cell_after(html, "candidatures", "Retenues") == "2"
    assert cell_after(html, "par_departement", "Loire-Atlantique (44)") == "1"
    assert html.count('role="img"') >= 8
    assert '<title id="graphique-par_departement-title">' in html
    for code in ("candidatures", "motifs", "emplois", "delai_decision", "syntheses"):
        assert f'id="indicateur-{code}"' in html


def test_officer_sees_only_their_dla_calls(client, dataset):
    stranger = make_user(Role.OFFICER)
    add_totp(stranger)
    sign_in(client, stranger)
    html = page_text(client.get(reverse("reporting:indicators"), YEAR))
    assert cell_after(html, "candidatures", "Candidatures reçues") == "0"
    assert dataset.call.title not in html


def test_bad_dates_keep_what_was_typed(officer_client):
    response = officer_client.get(
        reverse("reporting:indicators"), {"du": "2025-06-01", "au": "2025-01-01"}
    )
    assert response.status_code == 400
    html = page_text(response)
    assert "La date de fin doit être postérieure à la date de début." in html
    assert 'value="2025-06-01"' in html
    response = officer_client.get(reverse("reporting:indicators"), {"du": "hier"})
    assert response.status_code == 400
    assert "Saisissez une date valide." in page_text(response)


def test_custom_dates(officer_client):
    response = officer_client.get(
        reverse("reporting:indicators"), {"du": "2025-01-01", "au": "2025-03-31"}
    )
    html = page_text(response)
    assert "du 1 janvier 2025 au 31 mars 2025" in html
    assert cell_after(html, "candidatures", "Candidatures reçues") == "3"


def test_same_numbers_in_xlsx(officer_client):
    response = officer_client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="coopess-indicateurs-2025-'
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Périmètre"
    sheet = workbook["Candidatures"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["Étape"] == ("Candidatures", "Structures")
    assert rows["Candidatures reçues"] == (5, 7)
    assert rows["Retenues"] == (2, 3)
    assert sheet["B2"].number_format == "#,##0"
    jobs = {r[0]: r[1:] for r in workbook["Emplois"].iter_rows(values_only=True) if r and r[0]}
    assert jobs["Total"] == (3, 16, 13.75)
    assert workbook["Emplois"]["D2"].number_format == "#,##0.0"  # « 13,8 » as on the page
    delays = {
        r[0]: r[1:]
        for r in workbook["Délai clôture-décision"].iter_rows(values_only=True)
        if r and r[0]
    }
    assert delays["Ensemble"] == (4, 20.0, 22.5)


def test_a_typed_name_never_becomes_a_spreadsheet_formula(officer_client, dataset):
    """A cohort named like a formula is exported as text (CSV/formula injection)."""
    cohort = dataset.setup.cohort
    cohort.__class__.objects.filter(pk=cohort.pk).update(name='=HYPERLINK("http://x.example")')
    params = {**YEAR, "appel": str(dataset.call.pk), "cohorte": str(cohort.pk)}
    response = officer_client.get(reverse("reporting:export", args=["xlsx"]), params)
    about = load_workbook(io.BytesIO(response.content))["Périmètre"]
    values = {r[0]: r[1] for r in about.iter_rows(values_only=True) if r and r[0]}
    assert values["Cohorte"] == '\'=HYPERLINK("http://x.example")'
    assert all(c.data_type != "f" for row in about.iter_rows() for c in row)
    response = officer_client.get(reverse("reporting:export", args=["csv"]), params)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert ["Périmètre", "Cohorte", "", '\'=HYPERLINK("http://x.example")'] in list(
        csv.reader(io.StringIO(text), delimiter=";")
    )


def test_same_numbers_in_csv_and_ods(officer_client):
    response = officer_client.get(reverse("reporting:export", args=["csv"]), YEAR)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == ["Indicateur", "Catégorie", "Mesure", "Valeur"]
    assert [
        "Candidatures reçues, éligibles et décisions", "Candidatures reçues", "Candidatures", "5",
    ] in lines  # fmt: skip
    assert ["Emplois concernés", "Total", "ETP", "13,75"] in lines
    response = officer_client.get(reverse("reporting:export", args=["ods"]), YEAR)
    assert response.status_code == 200
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    document = load(io.BytesIO(response.content))
    names = [t.getAttribute("name") for t in document.spreadsheet.getElementsByType(Table)]
    assert names[:2] == ["Périmètre", "Candidatures"]
    candidatures = document.spreadsheet.getElementsByType(Table)[1]
    values = {}
    for row in candidatures.getElementsByType(TableRow):
        cells = row.getElementsByType(TableCell)
        values[str(cells[0])] = [
            (c.getAttribute("valuetype"), c.getAttribute("value")) for c in cells[1:]
        ]
    assert values["Candidatures reçues"] == [("float", "5"), ("float", "7")]


def test_same_numbers_in_the_pdf(officer_client):

    response = officer_client.get(reverse("reporting:annual_report"), YEAR)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "Rapport d'activité" in flat
    assert "Candidatures reçues 5 7" in flat
    assert "Retenues 2 3" in flat
    assert "Ensemble 4 20,0 22,5" in flat
    assert "Loire-Atlantique (44) 1 12 10,5" in flat


def test_funder_sees_aggregates_under_secrecy(funder_client, dataset):
    html = page_text(funder_client.get(reverse("reporting:indicators"), YEAR))
    assert cell_after(html, "candidatures", "Candidatures reçues") == "5"
    assert cell_after(html, "candidatures", "Retenues") == "&lt; 3"
    assert cell_after(html, "par_departement", "Loire-Atlantique (44)") == "&lt; 3"
    assert cell_after(html, "par_departement", "Sarthe (72)") == "0"
    assert cell_after(html, "structures_accompagnees", "Structures accompagnées") == "3"
    assert 'name="diffusion"' not in html  # the funder cannot turn secrecy off
    response = funder_client.get(
        reverse("reporting:export", args=["xlsx"]), {**YEAR, "diffusion": "complete"}
    )
    workbook = load_workbook(io.BytesIO(response.content))
    rows = {r[0]: r[1:] for r in workbook["Candidatures"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Candidatures reçues"] == (5, 7)
    assert rows["Retenues"] == ("< 3", 3)
    jobs = {r[0]: r[1:] for r in workbook["Emplois"].iter_rows(values_only=True) if r and r[0]}
    # one structure per département: its staff would be disclosed
    assert jobs["Loire-Atlantique (44)"] == ("< 3", "n.c.", "n.c.")
    assert jobs["Sarthe (72)"] == (0, 0, 0)  # nothing to hide
    assert jobs["Total"] == (3, 16, 13.75)
    csv_text = b"".join(
        funder_client.get(reverse("reporting:export", args=["csv"]), YEAR).streaming_content
    ).decode("utf-8-sig")
    assert "Candidatures reçues, éligibles et décisions;Retenues;Candidatures;< 3" in csv_text


def test_officer_can_prepare_the_funder_version(officer_client):
    html = page_text(
        officer_client.get(reverse("reporting:indicators"), {**YEAR, "diffusion": "financeur"})
    )
    assert cell_after(html, "candidatures", "Retenues") == "&lt; 3"


def test_funder_never_sees_a_person(funder_client, dataset):
    urls = [
        reverse("reporting:indicators"),
        reverse("reporting:export", args=["csv"]),
        reverse("reporting:export", args=["xlsx"]),
        reverse("reporting:export", args=["ods"]),
        reverse("reporting:annual_report"),
    ]
    secrets = personal_strings(dataset)
    assert any("@example.org" in s for s in secrets) and "02 40 00 00 00" in secrets
    for url in urls:
        for params in ({}, YEAR, {"appel": str(dataset.call.pk)}):
            response = funder_client.get(url, params)
            assert response.status_code == 200, url
            body = readable(response)
            found = [s for s in secrets if s.lower() in body.lower()]
            assert found == [], f"{url} {params}: {found}"


def test_others_are_not_let_in(client, dataset):
    for role in (Role.APPLICANT, Role.REVIEWER, Role.CONSULTANT, Role.ADMIN):
        user = make_user(role)
        add_totp(user)
        sign_in(client, user)
        assert client.get(reverse("reporting:indicators")).status_code == 404
        assert client.get(reverse("reporting:export", args=["xlsx"])).status_code == 404
    sign_in(client, dataset.officer)
    assert client.get(reverse("reporting:export", args=["pdf"])).status_code == 404


def test_query_count_does_not_depend_on_rows(client, django_assert_num_queries, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0  # every request computes
    from tests.diagnostic.helpers import make_cohort
    from tests.selection.helpers import quick_application

    small = make_cohort(applications=(2, 1), seed=5)
    for seed in range(3):
        quick_application(small.call, 700 + seed)
    sign_in(client, small.officer)
    url = reverse("reporting:indicators")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from coopess.selection.models import CohortMember
    from tests.reporting.helpers import decide

    outcomes = ["selected", "waitlisted", "rejected"]
    for seed in range(27):
        application = quick_application(small.call, 800 + seed, departements=("44", "85"))
        outcome = outcomes[seed % 3]
        decide(application, outcome, application.submitted_at, ["ranking"], by=small.officer)
        if outcome == "selected":
            CohortMember.objects.create(cohort=small.cohort, application=application)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as export_few:
        client.get(reverse("reporting:export", args=["xlsx"]))
    assert len(export_few.captured_queries) == len(few.captured_queries)


def test_numbers_are_reused_for_a_few_minutes(officer_client, dataset, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 300
    url = reverse("reporting:indicators")
    with CaptureQueriesContext(connection) as first:
        html = page_text(officer_client.get(url, YEAR))
    with CaptureQueriesContext(connection) as second:
        again = page_text(officer_client.get(url, YEAR))
    assert len(second.captured_queries) < len(first.captured_queries) - 5
    assert cell_after(again, "candidatures", "Candidatures reçues") == "5"
    assert cell_after(html, "emplois", "Total") == cell_after(again, "emplois", "Total") == "3"
    # another period is another computation
    other = page_text(officer_client.get(url, {"annee": "2024"}))
    assert cell_after(other, "candidatures", "Candidatures reçues") == "1"


# --- Collective support ----------------------------------------------------------------------


def test_support_indicators_on_the_page(officer_client, assert_no_invalid_variables):
    response = officer_client.get(reverse("reporting:indicators"), YEAR)
    assert_no_invalid_variables(response)
    html = page_text(response)
    assert "Accompagnement collectif" in html
    assert cell_after(html, "demi_journees", "Demi-journées prévues") == "4"
    assert cell_after(html, "demi_journees", "Demi-journées réalisées (séances tenues)") == "2"
    assert cell_after(html, "presence", "Ensemble") == "2"
    assert "87,5\u00a0%" in html
    assert cell_after(html, "orientations", "Total") == "3"
    for code in ("demi_journees", "presence", "orientations"):
        assert f'<title id="graphique-{code}-title">' in html


def test_support_indicators_in_the_exports(officer_client):
    response = officer_client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
    workbook = load_workbook(io.BytesIO(response.content))

    def rows(name):
        return {r[0]: r[1:] for r in workbook[name].iter_rows(values_only=True) if r and r[0]}

    half_days = rows("Demi-journées de conseil")
    assert half_days["Prestations de conseil"] == (1,)
    assert half_days["Demi-journées prévues"] == (4,)
    assert half_days["Demi-journées réalisées (séances tenues)"] == (2,)
    assert half_days["Séances programmées, pas encore tenues"] == (1,)
    assert half_days["Séances annulées"] == (1,)
    attendance = rows("Taux de présence")
    assert attendance["Séances"] == (
        "Séances tenues", "Présences attendues", "Présences constatées", "Taux de présence",
    )  # fmt: skip
    assert attendance["Séances collectives"] == (1, 6, 5, pytest.approx(5 / 6))
    assert attendance["Ensemble"] == (2, 8, 7, 0.875)
    assert workbook["Taux de présence"]["E4"].number_format == '0.0"\u00a0"%'  # « 87,5 % »
    referrals = rows("Orientations")
    assert referrals["Terminée"] == (1, 1)
    assert referrals["Total"] == (3, 2)
    text = b"".join(
        officer_client.get(reverse("reporting:export", args=["csv"]), YEAR).streaming_content
    ).decode("utf-8-sig")
    assert "Demi-journées de conseil prévues et réalisées;Demi-journées prévues;Nombre;4" in text
    label = "Orientations vers les acteurs locaux de l'accompagnement"
    assert f"{label};Total;dont vers un DLA départemental;2" in text
    response = officer_client.get(reverse("reporting:export", args=["ods"]), YEAR)
    assert response.status_code == 200
    from odf.opendocument import load
    from odf.table import Table

    names = [t.getAttribute("name") for t in load(io.BytesIO(response.content)).spreadsheet
             .getElementsByType(Table)]  # fmt: skip
    assert {"Demi-journées de conseil", "Taux de présence", "Orientations"} <= set(names)


def test_support_indicators_in_the_pdf(officer_client):

    response = officer_client.get(reverse("reporting:annual_report"), YEAR)
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "Accompagnement collectif" in flat
    assert "Demi-journées prévues 4" in flat
    assert "Demi-journées réalisées (séances tenues) 2" in flat
    assert "Séances collectives 1 6 5 83,3 %" in flat
    assert "Ensemble 2 8 7 87,5 %" in flat
    assert "Acteur contacté 1 1" in flat
    assert "Total 3 2" in flat


def test_funder_reads_support_under_secrecy(funder_client):
    html = page_text(funder_client.get(reverse("reporting:indicators"), YEAR))
    assert cell_after(html, "demi_journees", "Demi-journées prévues") == "4"
    assert cell_after(html, "demi_journees", "Séances annulées") == "&lt; 3"
    assert cell_after(html, "orientations", "Terminée") == "&lt; 3"
    assert cell_after(html, "orientations", "Total") == "3"
    response = funder_client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
    workbook = load_workbook(io.BytesIO(response.content))
    rows = {
        r[0]: r[1:] for r in workbook["Taux de présence"].iter_rows(values_only=True) if r and r[0]
    }
    assert rows["Séances individuelles"] == ("< 3", "< 3", "< 3", "n.c.")
    assert rows["Séances collectives"] == ("< 3", "n.c.", "n.c.", "n.c.")
    assert rows["Ensemble"] == ("< 3", 8, 7, 0.875)
    referrals = {
        r[0]: r[1:] for r in workbook["Orientations"].iter_rows(values_only=True) if r and r[0]
    }
    assert referrals["Total"] == (3, "< 3")

    response = funder_client.get(reverse("reporting:annual_report"), YEAR)
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "Séances individuelles < 3 < 3 < 3 n.c." in flat
    assert "Demi-journées prévues 4" in flat


def _support_rows(setup, sessions: int, start: int = 0) -> None:
    """``sessions`` held sessions (each with attendance) and as many referrals, in bulk."""
    import datetime as dt

    from coopess.applications.models import Representative
    from coopess.support.models import Attendance, Referral, Session, SupportActor
    from tests.reporting.helpers import paris

    engagement = setup.cohort.engagement
    actor = SupportActor.objects.get_or_create(
        operator=setup.call.operator, name="Acteur fictif", defaults={"is_departmental_dla": True}
    )[0]
    representatives = list(Representative.objects.filter(structure__in=setup.structures))
    for n in range(start, start + sessions):
        starts_at = paris(2025, 1, 1, 9) + dt.timedelta(days=n)
        session = Session.objects.create(
            engagement=engagement, cohort=setup.cohort, title=f"Séance {n}", kind="collective",
            half_day="morning", starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=3),
            mode="in_person", address="1 rue de l'Exemple", status="held", held_at=starts_at,
        )  # fmt: skip
        Attendance.objects.bulk_create(
            Attendance(session=session, representative=r, present=n % 2 == 0)
            for r in representatives
        )
        Referral.objects.create(
            cohort=setup.cohort, structure=setup.structures[n % len(setup.structures)],
            actor=actor, need="Besoin", status=["proposed", "contacted", "done"][n % 3],
            created_at=starts_at,
        )  # fmt: skip


def test_query_count_does_not_depend_on_support_rows(client, settings):
    """3 then 30 support sessions (with attendance and referrals): the same queries."""
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    from coopess.support.models import Engagement
    from tests.diagnostic.helpers import make_cohort
    from tests.support.helpers import firm

    small = make_cohort(applications=(2, 1), seed=6)
    # 30 live sessions need 30 planned half-days: this call allows them
    Engagement.objects.create(
        cohort=small.cohort, firm=firm(), budget=0, planned_half_days=30, min_half_days=1,
        max_half_days=30, starts_on=dt_date(2025, 1, 1), ends_on=dt_date(2025, 12, 31),
    )  # fmt: skip
    _support_rows(small, 3)
    sign_in(client, small.officer)
    url = reverse("reporting:indicators")
    client.get(url)  # warm the session
    counts = {}
    for size, more in ((3, 0), (30, 27)):
        _support_rows(small, more, start=size - more)
        with CaptureQueriesContext(connection) as page:
            html = page_text(client.get(url, YEAR))
        assert cell_after(html, "demi_journees", "Demi-journées réalisées (séances tenues)") == (
            str(size)
        )
        assert cell_after(html, "orientations", "Total") == str(size)
        with CaptureQueriesContext(connection) as export:
            client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
        counts[size] = (len(page.captured_queries), len(export.captured_queries))
    assert counts[3] == counts[30]


def dt_date(*args):
    import datetime as dt

    return dt.date(*args)


def test_cohort_filter_groups_cohorts_by_call_and_narrows_to_the_chosen_call(
    officer_client, dataset
):
    """Each cohort is listed under its call; once a call is chosen, only its cohorts are offered,
    and a cohort of another call is refused next to the field."""

    call = dataset.call
    other_call, other_cohort = next_edition(dataset)
    url = reverse("reporting:indicators")

    html = page_text(officer_client.get(url))
    select = html[
        html.index('name="cohorte"') : html.index("</select>", html.index('name="cohorte"'))
    ]
    assert f'<optgroup label="{escape(other_call.title)} (2099)">' in select
    group = select[select.index("(2099)") :]
    assert f'value="{other_cohort.pk}"' in group.split("</optgroup>")[0]
    assert f'value="{dataset.setup.cohort.pk}"' in select

    html = page_text(officer_client.get(url, {"appel": str(call.pk)}))
    select = html[
        html.index('name="cohorte"') : html.index("</select>", html.index('name="cohorte"'))
    ]
    assert "<optgroup" not in select
    assert f'value="{dataset.setup.cohort.pk}"' in select
    assert f'value="{other_cohort.pk}"' not in select

    response = officer_client.get(url, {"appel": str(call.pk), "cohorte": str(other_cohort.pk)})
    assert response.status_code == 400
    assert "Cette cohorte n&#x27;appartient pas à l&#x27;appel choisi." in page_text(response)


def key_figures_on_page(html: str) -> dict[str, str]:
    """The key figures block: label -> value as shown."""
    import re

    block = html[
        html.index('id="chiffres-cles-titre"') : html.index(
            "</section>", html.index('id="chiffres-cles-titre"')
        )
    ]
    return {
        label: value
        for value, label in re.findall(
            r'<span class="key-figure-value">([^<]*)</span> <span class="key-figure-label">([^<]*)</span>',
            block,
        )
    }


def test_key_figures_are_cells_of_the_tables_everywhere(officer_client, dataset):
    """The key figures repeat cells of the indicators' tables: the same numbers on the page, in
    the spreadsheet's first sheet and in the PDF."""

    html = page_text(officer_client.get(reverse("reporting:indicators"), YEAR))
    figures = key_figures_on_page(html)
    assert figures["candidatures reçues"] == "5"
    assert figures["candidatures retenues"] == "2"
    assert figures["structures accompagnées"] == "3"
    assert figures["emplois salariés dans ces structures"] == "16"
    assert figures["entretiens individuels tenus"] == "2"
    assert figures["synthèses validées par toutes les structures"] == "1"
    assert figures["candidatures reçues"] == cell_after(html, "candidatures", "Candidatures reçues")
    assert figures["demi-journées de conseil réalisées"] == cell_after(
        html, "demi_journees", "Demi-journées réalisées (séances tenues)"
    )
    assert "suivis répondus à temps" in figures  # registered by coopess/followups
    assert '<a href="#indicateur-emplois">' in html

    workbook = load_workbook(
        io.BytesIO(officer_client.get(reverse("reporting:export", args=["xlsx"]), YEAR).content)
    )
    about = {r[0]: r[1] for r in workbook["Périmètre"].iter_rows(values_only=True) if r and r[0]}
    assert about["candidatures reçues"] == 5
    assert about["structures accompagnées"] == 3
    assert about["emplois salariés dans ces structures"] == 16

    pdf = officer_client.get(reverse("reporting:annual_report"), YEAR)
    text = pdf_text(pdf)
    assert " ".join(text.split()).startswith("Rapport d'activité 2025 — accompagnements collectifs")
    assert "Rapport d'activité 2025 Page 1 sur" in text
    assert "Chiffres clés" in text
    assert "5 candidatures reçues" in text
    assert "16 emplois salariés dans ces structures" in text
    # a year's report recalls the year before (one application received in 2024, nobody
    # accompanied yet); the whole history has nothing to compare with
    assert "Rappel 2024" in text
    assert "5 candidatures reçues 1" in text
    assert "3 structures accompagnées 0" in text
    pdf = officer_client.get(reverse("reporting:annual_report"))
    text = pdf_text(pdf)
    assert "Rappel" not in text
    assert "6 candidatures reçues" in text


def test_key_figures_keep_the_funders_secrecy(funder_client, dataset):
    html = page_text(funder_client.get(reverse("reporting:indicators"), YEAR))
    figures = key_figures_on_page(html)
    assert figures["candidatures reçues"] == "5"
    assert figures["candidatures retenues"] == "&lt; 3"
    assert figures["synthèses validées par toutes les structures"] == "&lt; 3"
    workbook = load_workbook(
        io.BytesIO(funder_client.get(reverse("reporting:export", args=["xlsx"]), YEAR).content)
    )
    about = {r[0]: r[1] for r in workbook["Périmètre"].iter_rows(values_only=True) if r and r[0]}
    assert about["candidatures retenues"] == "< 3"


def test_choosing_a_call_narrows_the_cohorts_at_once(officer_client, dataset):
    """HTMX asks for the cohort list alone when the call changes: no report is computed."""

    other_call, other_cohort = next_edition(dataset)
    page = page_text(officer_client.get(reverse("reporting:indicators")))
    assert 'hx-get="/rapports/"' in page and 'hx-target="#id_cohorte"' in page

    headers = {"HX-Request": "true", "HX-Trigger-Name": "appel", "HX-Trigger": "id_appel"}
    with CaptureQueriesContext(connection) as captured:
        response = officer_client.get(
            reverse("reporting:indicators"), {"appel": other_call.pk}, headers=headers
        )
    assert response.status_code == 200
    select = page_text(response)
    assert select.startswith('<select name="cohorte"') and 'id="id_cohorte"' in select
    assert f'value="{other_cohort.pk}"' in select
    assert f'value="{dataset.setup.cohort.pk}"' not in select
    assert len(captured.captured_queries) < 10  # the filters, not the report
    # back to every call: every cohort, under its call
    select = page_text(
        officer_client.get(reverse("reporting:indicators"), {"appel": ""}, headers=headers)
    )
    assert select.count("<optgroup") == 2
