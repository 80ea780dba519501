"""The follow-up indicators (coopess/followups/reporting_indicators.py) on a hand-built data set.

The data set of ``tests/reporting/helpers.py`` (support ended 31 December 2025), with follow-ups
at 6 months (due 30 June 2026) and 1 year (due 31 December 2026) for its three structures —
A's lead (12 employees, 10.5 FTE at application), A's partner (4, 3.25) and B (0, 0):

| structure | 6 months                                   | 1 year                                      |
|-----------|--------------------------------------------|---------------------------------------------|
| A lead    | sent 30/06, answered 05/07/2026: on time    | filled by the officer 20/12/2026, before the email: on time |
| A partner | sent 30/06, overdue 21/07, answered 01/08/2026: late | sent 31/12, answered 22/01/2027 00:30 Paris (21/01 in UTC, day 22): late |
| B         | sent 30/06, overdue 21/07: no answer        | sent 31/12, a draft only: pending           |

Answers (stage, form, jobs, FTE, services, partnerships, finances, needs):

- A lead 6 m: stage 2, partnership, 14, « 11,5 », services, —, —, needs (names a representative)
- A partner 6 m: stage 2, not decided, 4, « 3,25 », —, partnerships, —, —
- A lead 1 y: stage 3, employers' group, 15, « 12 », services, partnerships, finances, —
- A partner 1 y (2027): stage 3, employers' group, 6, « 5,5 », —, —, —, needs
- B's draft (1 y): jobs 99 — never counted.

2026: answers 6 m on time 1 / late 1 / missing 1, 1 y on time 1 / late 1 / pending 1; outcomes
(answered in 2026) 6 m: 2 structures, 16 → 18 employees, 13.75 → 14.75 FTE, 1 service,
1 partnership, 1 need; 1 y: 1 structure, 12 → 15, 10.5 → 12, 1 service, 1 partnership,
1 finances.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coopess.calls.models import Call
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.reporting.registry import INDICATORS, compute_report
from coopess.reporting.scope import Period, Scope
from tests.conftest import sign_in
from tests.reporting.helpers import build_dataset, paris, pdf_text, personal_strings, readable

pytestmark = pytest.mark.django_db

S = FollowUpStatus
YEAR = {"annee": "2026"}
CODES = (
    "suivis_reponses",
    "suivis_stades_formes",
    "emplois_suivis",
    "suivis_effets",
    "suivis_satisfaction",
)


def followup(cohort, structure, offset, due, **fields):
    return FollowUp.objects.create(
        cohort=cohort, structure=structure, offset_months=offset, due_on=due, **fields
    )


def answers(
    stage, form, jobs, fte, services="", partnerships="", finances="", needs="", satisfaction=""
):
    return {
        "q_stage": stage, "q_form": form, "q_jobs": jobs, "q_fte": fte,
        "q_services": services, "q_partnerships": partnerships, "q_finances": finances,
        "q_needs": needs, "item_1_comment": "Rien à signaler",
        "q_satisfaction": satisfaction, "q_satisfaction_comment": "Consultant à l'écoute",
    }  # fmt: skip


def build_followups(dataset):
    cohort = dataset.setup.cohort
    lead_a, partner_a = dataset.apps["A"].structures.order_by("position")
    b = dataset.apps["B"].structures.get()
    stages = [s.code for s in dataset.call.maturity_stages.order_by("position")]
    six, year = dt.date(2026, 6, 30), dt.date(2026, 12, 31)
    rep = lead_a.representatives.order_by("position").first()
    followup(
        cohort,
        lead_a,
        6,
        six,
        status=S.ANSWERED,
        sent_on=six,
        answered_at=paris(2026, 7, 5, 10),
        answers=answers(
            stages[1],
            "partnership",
            "14",
            "11,5",
            services="Une épicerie commune",
            needs=f"Recruter, voir avec {rep.first_name} {rep.last_name}",
            satisfaction="5",
        ),
    )
    followup(
        cohort,
        partner_a,
        6,
        six,
        status=S.ANSWERED,
        sent_on=six,
        reminders_sent=2,
        overdue_on=dt.date(2026, 7, 21),
        answered_at=paris(2026, 8, 1, 10),
        answers=answers(
            stages[1],
            "not_decided",
            "4",
            "3,25",
            partnerships="Convention avec la mairie",
            satisfaction="4",
        ),
    )
    followup(
        cohort,
        b,
        6,
        six,
        status=S.OVERDUE,
        sent_on=six,
        reminders_sent=2,
        overdue_on=dt.date(2026, 7, 21),
    )
    followup(
        cohort,
        lead_a,
        12,
        year,
        status=S.ANSWERED,
        answered_at=paris(2026, 12, 20, 10),
        filled_by_officer=True,
        answers=answers(
            stages[2],
            "employers_group",
            "15",
            "12",
            services="Permanence",
            partnerships="Avec la commune",
            finances="Économies",
            satisfaction=" 3 ",
        ),
    )
    followup(
        cohort,
        partner_a,
        12,
        year,
        status=S.ANSWERED,
        sent_on=year,
        reminders_sent=2,
        answered_at=paris(2027, 1, 22, 0, 30),
        answers=answers(
            stages[2], "employers_group", "6", "5,5", needs="Former", satisfaction="9"
        ),  # never a mark from 1 to 5: left out
    )
    followup(cohort, b, 12, year, status=S.SENT, sent_on=year,
             answers={"q_jobs": "99", "q_fte": "99", "q_needs": "Besoin resté en brouillon"})  # fmt: skip


@pytest.fixture
def dataset(db):
    data = build_dataset()
    Call.objects.filter(pk=data.call.pk).update(is_published=True)
    build_followups(data)
    return data


def report_for(dataset, period=None, **kwargs):
    scope = Scope(
        calls=Call.objects.filter(pk=dataset.call.pk),
        period=period or Period.of_year(2026),
        **kwargs,
    )
    return compute_report(scope)


def values(table) -> dict:
    return {row.key: row.values for row in table.rows}


def test_registered_with_french_labels_and_definitions():
    for code in CODES:
        ind = INDICATORS[code]
        assert ind.compute.__module__ == "coopess.followups.reporting_indicators"
        assert ind.definition.endswith(".") and len(ind.sheet) <= 31 and ind.chart
    assert "21e jour après l'envoi" in INDICATORS["suivis_reponses"].definition
    assert "relancé 7 et 14 jours" in INDICATORS["suivis_reponses"].definition


def test_answers_on_time_late_missing(dataset):
    table = report_for(dataset)["suivis_reponses"]
    assert values(table) == {
        "6": {"on_time": 1, "late": 1, "missing": 1, "pending": 0},
        "12": {"on_time": 1, "late": 1, "missing": 0, "pending": 1},
    }
    assert [row.label for row in table.rows] == ["À 6 mois", "À 1 an"]
    assert table.total.values == {"on_time": 2, "late": 2, "missing": 1, "pending": 1}
    # counted in the period of the due date: nothing due in 2025 or 2027
    assert report_for(dataset, Period.of_year(2027))["suivis_reponses"].rows == []


def test_late_is_the_paris_day_after_the_window(dataset, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0  # the data change between reports
    partner = FollowUp.objects.get(offset_months=12, status=S.ANSWERED, sent_on__isnull=False)
    table = report_for(dataset)["suivis_reponses"]
    assert table.value("12", "late") == 1
    # 21 January 23:59 in Paris: the 21st day after sending, still on time
    FollowUp.objects.filter(pk=partner.pk).update(answered_at=paris(2027, 1, 21, 23, 59))
    table = report_for(dataset)["suivis_reponses"]
    assert (table.value("12", "on_time"), table.value("12", "late")) == (2, 0)
    # marked overdue first, answered within the day: late
    FollowUp.objects.filter(pk=partner.pk).update(overdue_on=dt.date(2027, 1, 21))
    assert report_for(dataset)["suivis_reponses"].value("12", "late") == 1


def test_stages_and_forms(dataset):
    stages = list(dataset.call.maturity_stages.order_by("position"))
    table = report_for(dataset)["suivis_stades_formes"]
    counts = {row.label: row.values["structures"] for row in table.rows}
    assert counts == {
        f"À 6 mois — stade : {stages[1].label}": 2,
        "À 6 mois — forme : Convention de partenariat": 1,
        "À 6 mois — forme : Pas encore définie": 1,
        f"À 1 an — stade : {stages[2].label}": 1,
        "À 1 an — forme : Groupement d'employeurs": 1,
    }
    # the partner's 1-year answer came in 2027 (Paris)
    later = report_for(dataset, Period.of_year(2027))["suivis_stades_formes"]
    assert {row.label: row.values["structures"] for row in later.rows} == {
        f"À 1 an — stade : {stages[2].label}": 1,
        "À 1 an — forme : Groupement d'employeurs": 1,
    }


def test_jobs_at_follow_up_against_application(dataset):
    table = report_for(dataset)["emplois_suivis"]
    assert values(table) == {
        "6": {"structures": 2, "employees_before": 16, "employees": 18, "fte_structures": 2,
              "fte_before": Decimal("13.75"), "fte": Decimal("14.75")},
        "12": {"structures": 1, "employees_before": 12, "employees": 15, "fte_structures": 1,
               "fte_before": Decimal("10.5"), "fte": Decimal("12")},
    }  # fmt: skip
    whole = report_for(dataset, Period.whole())["emplois_suivis"]
    # the draft of B (99) never counts
    assert whole.value("12", "employees") == 21
    assert whole.value("12", "fte") == Decimal("17.5")


def test_effects_and_needs(dataset):
    table = report_for(dataset)["suivis_effets"]
    assert {row.key: row.values["structures"] for row in table.rows} == {
        "6-answered": 2, "6-services": 1, "6-partnerships": 1, "6-finances": 0, "6-needs": 1,
        "12-answered": 1, "12-services": 1, "12-partnerships": 1, "12-finances": 1, "12-needs": 0,
    }  # fmt: skip
    assert table.rows[4].label == "À 6 mois — Nouveaux besoins d'accompagnement"


def test_satisfaction_with_the_consultant(dataset):
    table = report_for(dataset)["suivis_satisfaction"]
    assert values(table) == {
        "6": {"structures": 2, "mean": Decimal("4.5")},
        "12": {"structures": 1, "mean": Decimal("3")},
    }
    assert report_for(dataset, Period.of_year(2027))["suivis_satisfaction"].rows[0].values == {
        "structures": 0,
        "mean": None,
    }  # the partner's « 9 » is not a mark
    funder = {
        row.key: [cell.text for cell in row.cells] for row in table.display(secrecy=True).rows
    }
    assert funder == {"6": ["< 3", "n.c."], "12": ["< 3", "n.c."]}
    officer = {
        row.key: [cell.text for cell in row.cells] for row in table.display(secrecy=False).rows
    }
    assert officer["6"] == ["2", "4,5"]


def test_cohort_filter_and_an_empty_scope(dataset):
    from coopess.selection.models import Cohort

    report = report_for(dataset, cohort_id=dataset.setup.cohort.pk)
    assert report["suivis_reponses"].total.values["on_time"] == 2
    other = Cohort.objects.create(call=dataset.call, name="Autre cohorte", status="forming")
    report = report_for(dataset, cohort_id=other.pk)
    for code in CODES:
        assert report[code].rows == []


def test_funder_version_hides_small_counts(dataset):
    report = report_for(dataset)
    texts = lambda code: {  # noqa: E731
        row.key: [cell.text for cell in row.cells]
        for row in report[code].display(secrecy=True).rows
    }
    assert texts("suivis_reponses")["6"] == ["< 3", "< 3", "< 3", "0"]
    assert texts("suivis_reponses")["total"] == ["< 3", "< 3", "< 3", "< 3"]
    jobs = texts("emplois_suivis")
    assert jobs["6"] == ["< 3", "n.c.", "n.c.", "< 3", "n.c.", "n.c."]
    assert texts("suivis_effets")["6-finances"] == ["0"]


# --- Page, exports, PDF ---------------------------------------------------------------------


@pytest.fixture
def officer_client(client, dataset):
    sign_in(client, dataset.officer)
    return client


@pytest.fixture
def funder_client(client, dataset):
    from tests.reporting.helpers import make_funder

    sign_in(client, make_funder(dataset.call))
    return client


def cell_after(html: str, anchor: str, label: str) -> str:
    section = html[html.index(f'id="indicateur-{anchor}"') :]
    row = section[section.index(f'<th scope="row">{label}</th>') :]
    start = row.index('<td class="num')
    start = row.index(">", start) + 1
    return row[start : row.index("</td>", start)]


def workbook_rows(response, sheet):
    workbook = load_workbook(io.BytesIO(response.content))
    return {r[0]: r[1:] for r in workbook[sheet].iter_rows(values_only=True) if r and r[0]}


def test_same_numbers_on_the_page_in_the_xlsx_and_the_pdf(officer_client, dataset):

    html = officer_client.get(reverse("reporting:indicators"), YEAR).content.decode()
    assert "Suivis et effets à 6 mois et à 1 an" in html
    for code in CODES:
        assert f'id="indicateur-{code}"' in html
        assert f'<title id="graphique-{code}-title">' in html
    assert cell_after(html, "suivis_reponses", "À 6 mois") == "1"
    assert cell_after(html, "suivis_reponses", "Ensemble") == "2"
    assert cell_after(html, "emplois_suivis", "À 6 mois") == "2"
    assert cell_after(html, "suivis_effets", "À 1 an — Effets sur les finances") == "1"
    assert "21e jour après l&#x27;envoi" in html
    # four series, four distinct fills (the fourth: « En attente », 1 at one year)
    assert 'fill="url(#graphique-suivis_reponses-p3)"' in html
    response = officer_client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
    answers_ = workbook_rows(response, "Suivis — réponses")
    assert answers_["Échéance du suivi"] == ("À temps", "En retard", "Sans réponse", "En attente")
    assert answers_["À 6 mois"] == (1, 1, 1, 0)
    assert answers_["À 1 an"] == (1, 1, 0, 1)
    assert answers_["Ensemble"] == (2, 2, 1, 1)
    jobs = workbook_rows(response, "Emplois aux suivis")
    assert jobs["À 6 mois"] == (2, 16, 18, 2, 13.75, 14.75)
    assert jobs["À 1 an"] == (1, 12, 15, 1, 10.5, 12)
    effects = workbook_rows(response, "Suivis — effets et besoins")
    assert effects["À 6 mois — structures ayant répondu"] == (2,)
    assert effects["À 6 mois — Nouveaux besoins d'accompagnement"] == (1,)
    stages = workbook_rows(response, "Suivis — stades et formes")
    assert stages["À 6 mois — forme : Convention de partenariat"] == (1,)
    response = officer_client.get(reverse("reporting:annual_report"), YEAR)
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "À 6 mois 1 1 1 0" in flat
    assert "Ensemble 2 2 1 1" in flat
    assert "À 1 an 1 12 15 1 10,5 12,0" in flat


def test_free_texts_are_never_shown(officer_client, dataset):
    for url in (reverse("reporting:indicators"), reverse("reporting:export", args=["xlsx"])):
        body = readable(officer_client.get(url, YEAR))
        for text in (
            "épicerie",
            "Convention avec la mairie",
            "Économies",
            "Recruter",
            "resté en brouillon",
        ):
            assert text not in body


def test_funder_sees_follow_ups_under_secrecy_and_never_a_person(funder_client, dataset):
    html = funder_client.get(reverse("reporting:indicators"), YEAR).content.decode()
    assert cell_after(html, "suivis_reponses", "À 6 mois") == "&lt; 3"
    assert cell_after(html, "emplois_suivis", "À 6 mois") == "&lt; 3"
    response = funder_client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
    assert workbook_rows(response, "Emplois aux suivis")["À 6 mois"] == (
        "< 3", "n.c.", "n.c.", "< 3", "n.c.", "n.c.",
    )  # fmt: skip
    secrets = personal_strings(dataset)
    rep = dataset.apps["A"].structures.order_by("position").first().representatives.first()
    assert rep.last_name in secrets  # written into a follow-up answer above
    urls = [
        reverse("reporting:indicators"),
        reverse("reporting:export", args=["csv"]),
        reverse("reporting:export", args=["xlsx"]),
        reverse("reporting:export", args=["ods"]),
        reverse("reporting:annual_report"),
    ]
    for url in urls:
        for params in ({}, YEAR, {"appel": str(dataset.call.pk)}):
            response = funder_client.get(url, params)
            assert response.status_code == 200, url
            body = readable(response).lower()
            found = [s for s in secrets if s.lower() in body]
            assert found == [], f"{url} {params}: {found}"


# --- Queries do not depend on the number of follow-ups ----------------------------------------


def _more_followups(setup, offsets, stages):
    """One answered follow-up per structure and offset (varied answers), in bulk."""
    rows = []
    for offset in offsets:
        for index, structure in enumerate(setup.structures):
            rows.append(
                FollowUp(
                    cohort=setup.cohort,
                    structure=structure,
                    offset_months=offset,
                    due_on=dt.date(2026, 1, 1) + dt.timedelta(days=offset),
                    sent_on=dt.date(2026, 1, 1) + dt.timedelta(days=offset),
                    status=[S.ANSWERED, S.OVERDUE, S.SENT][(offset + index) % 3],
                    overdue_on=dt.date(2026, 3, 1) if (offset + index) % 3 == 1 else None,
                    answered_at=paris(2026, 2, 1, 9) + dt.timedelta(days=offset),
                    answers=answers(
                        stages[(offset + index) % len(stages)],
                        ["partnership", "gie", "scic"][index % 3],
                        str(offset),
                        f"{offset},5",
                        services="x" * (offset % 2),
                    ),
                )
            )
    FollowUp.objects.bulk_create(rows)


def test_query_count_does_not_depend_on_follow_ups(client, settings):
    """3 then 30 follow-ups: the same queries for the page and the XLSX."""
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    from tests.diagnostic.helpers import make_cohort

    small = make_cohort(applications=(2, 1), seed=7)
    stages = [s.code for s in small.call.maturity_stages.order_by("position")]
    assert len(small.structures) == 3
    _more_followups(small, [1], stages)
    sign_in(client, small.officer)
    url = reverse("reporting:indicators")
    client.get(url)  # warm the session
    counts = {}
    for size, offsets in ((3, []), (30, range(2, 11))):
        _more_followups(small, offsets, stages)
        assert FollowUp.objects.filter(cohort=small.cohort).count() == size
        with CaptureQueriesContext(connection) as page:
            response = client.get(url, YEAR)
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as export:
            client.get(reverse("reporting:export", args=["xlsx"]), YEAR)
        counts[size] = (len(page.captured_queries), len(export.captured_queries))
    assert counts[3] == counts[30]
