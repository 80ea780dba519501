"""Each indicator on the hand-built data set (tests/reporting/helpers.py), for 2025."""

import datetime as dt
from decimal import Decimal

import pytest

from coopess.calls.models import Call
from coopess.reporting.aggregates import naf_section, weighted_median
from coopess.reporting.registry import INDICATORS, SECTIONS, compute_report
from coopess.reporting.scope import Period, Scope
from tests.reporting.helpers import build_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(db):
    return build_dataset()


def report_for(dataset, period=None, **kwargs):
    scope = Scope(
        calls=Call.objects.filter(pk=dataset.call.pk),
        period=period or Period.of_year(2025),
        **kwargs,
    )
    return compute_report(scope)


def column(table, key="structures"):
    return {row.key: row.values[key] for row in table.rows}


def test_applications_and_decisions(dataset):
    table = report_for(dataset)["candidatures"]
    assert column(table, "applications") == {
        "received": 5, "eligible": 4, "selected": 2, "waitlisted": 1, "rejected": 1,
    }  # fmt: skip
    assert column(table, "structures") == {
        "received": 7, "eligible": 6, "selected": 3, "waitlisted": 2, "rejected": 1,
    }  # fmt: skip


def test_rejection_reasons(dataset):
    reasons = column(report_for(dataset)["motifs"], "decisions")
    assert reasons["not_eligible"] == 1
    assert reasons["outside_region"] == 1
    assert reasons["ranking"] == 0  # E was rejected in 2026
    assert sum(reasons.values()) == 2
    reasons_2026 = column(report_for(dataset, Period.of_year(2026))["motifs"], "decisions")
    assert reasons_2026["ranking"] == 1
    assert reasons_2026["other"] == 0  # "other" does not match "other_support" either


def test_decisions_by_call(dataset):
    table = report_for(dataset)["decisions_par_appel"]
    assert [row.values for row in table.rows] == [{"selected": 2, "waitlisted": 1, "rejected": 1}]


def test_applications_by_month_fills_the_whole_year(dataset):
    table = report_for(dataset)["candidatures_par_mois"]
    counts = column(table, "applications")
    assert len(counts) == 12
    assert counts == {
        "2025-01": 1, "2025-02": 0, "2025-03": 2, "2025-04": 2, **{f"2025-{m:02d}": 0 for m in range(5, 13)},
    }  # fmt: skip
    assert table.rows[0].label == "janvier 2025"


def test_period_boundaries_are_paris_midnights(dataset):
    received = {
        year: report_for(dataset, Period.of_year(year))["candidatures"].value(
            "received", "applications"
        )
        for year in (2024, 2025)
    }
    # E: 31/12/2024 23:30 UTC is 1 January 2025 in Paris; F: 22:59 UTC is still 2024 in Paris
    assert received == {2024: 1, 2025: 5}
    import datetime as dt

    one_day = Period.between(dt.date(2025, 1, 1), dt.date(2025, 1, 1))
    assert report_for(dataset, one_day)["candidatures"].value("received", "applications") == 1
    upto = Period.between(None, dt.date(2024, 12, 31))
    assert report_for(dataset, upto)["candidatures"].value("received", "applications") == 1


def test_accompanied_structures(dataset):
    report = report_for(dataset)
    assert column(report["structures_accompagnees"], "n") == {
        "structures": 3, "applications": 2, "cohorts": 1,
    }  # fmt: skip
    assert column(report["par_forme_juridique"]) == {
        "association": 2, "cooperative": 1, "network_head": 0, "esus_company": 0, "other": 0,
    }  # fmt: skip
    assert column(report["par_type"]) == {"network_head": 1, "unaffiliated": 2}
    assert column(report["par_departement"]) == {"44": 1, "49": 1, "53": 1, "72": 0, "85": 0}
    assert column(report["par_secteur"]) == {"I": 1, "Q": 1, "S": 1}
    assert column(report["par_tranche_effectif"]) == {"NN": 1, "02": 1, "11": 1}
    stages = list(dataset.call.maturity_stages.order_by("position"))
    assert column(report["par_stade"]) == {stages[0].label: 2, stages[1].label: 1}
    assert report["par_departement"].total.values == {"structures": 3}
    # nobody joined a cohort in 2024
    assert (
        report_for(dataset, Period.of_year(2024))["structures_accompagnees"].value("structures")
        == 0
    )


def test_jobs(dataset):
    table = report_for(dataset)["emplois"]
    assert table.value("44", "employees") == 12
    assert table.value("44", "fte") == Decimal("10.5")
    assert table.value("49", "fte") == Decimal("3.25")
    assert table.total.values == {"structures": 3, "employees": 16, "fte": Decimal("13.75")}


def test_diagnostic(dataset):
    report = report_for(dataset)
    meetings = report["entretiens_ateliers"]
    assert meetings.rows[0].values == {"held": 2, "planned": 1, "cancelled": 0}
    assert meetings.rows[1].values == {"held": 1, "planned": 0, "cancelled": 0}
    assert column(report["syntheses"], "cohorts") == {"2025-07": 1}
    assert report["delai_synthese"].total.values == {"n": 1, "median": 32.0, "mean": 32.0}


def test_time_from_closing_to_decision(dataset):
    table = report_for(dataset)["delai_decision"]
    # days after the 30 April closing: 20, 20, 10, 40
    assert table.total.values == {"n": 4, "median": 20.0, "mean": 22.5}
    assert len(table.rows) == 1


def test_cohort_filter(dataset):
    report = report_for(dataset, cohort_id=dataset.setup.cohort.pk)
    assert report["candidatures"].value("received", "applications") == 2
    assert report["candidatures"].value("rejected", "applications") == 0
    assert report["structures_accompagnees"].value("structures", "n") == 3


def test_helpers():
    assert naf_section("88") == "Q"
    assert naf_section("01") == "A"
    assert naf_section("99") == "U"
    assert naf_section("00") is None
    assert naf_section("") is None
    assert weighted_median([(10, 1), (20, 2), (40, 1)]) == 20
    assert weighted_median([(1, 1), (3, 1)]) == 2
    assert weighted_median([]) is None


def test_every_indicator_has_a_french_label_and_definition():
    # other apps (coopess/followups) add theirs: count only those defined here
    own = [
        i
        for i in INDICATORS.values()
        if i.compute.__module__.startswith("coopess.reporting.indicators.")
    ]
    assert len(own) == 21
    for ind in INDICATORS.values():
        assert ind.section in SECTIONS
        assert ind.label and ind.definition.endswith(".")
        assert len(ind.sheet) <= 31


def test_consultancy_half_days(dataset):
    assert column(report_for(dataset)["demi_journees"], "n") == {
        "engagements": 1, "planned": 4, "held": 2, "scheduled": 1, "cancelled": 1,
    }  # fmt: skip
    # a session counts in the period of its date, the planned half-days where the support starts
    assert column(report_for(dataset, Period.of_year(2026))["demi_journees"], "n") == {
        "engagements": 0, "planned": 0, "held": 1, "scheduled": 0, "cancelled": 0,
    }  # fmt: skip
    import datetime as dt

    autumn = Period.between(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert column(report_for(dataset, autumn)["demi_journees"], "n") == {
        "engagements": 0, "planned": 0, "held": 1, "scheduled": 1, "cancelled": 1,
    }  # fmt: skip


def test_attendance_rate(dataset):
    table = report_for(dataset)["presence"]
    assert table.rows[0].values == {"sessions": 1, "expected": 6, "present": 5, "rate": 5 / 6}
    assert table.rows[1].values == {"sessions": 1, "expected": 2, "present": 2, "rate": 1.0}
    assert table.total.values == {"sessions": 2, "expected": 8, "present": 7, "rate": 7 / 8}
    later = report_for(dataset, Period.of_year(2026))["presence"]
    assert later.total.values == {"sessions": 1, "expected": 6, "present": 6, "rate": 1.0}
    empty = report_for(dataset, Period.of_year(2024))["presence"]
    assert empty.total.values == {"sessions": 0, "expected": 0, "present": 0, "rate": None}


def test_referrals(dataset):
    table = report_for(dataset)["orientations"]
    assert column(table, "referrals") == {
        "proposed": 1, "contacted": 1, "in_progress": 0, "done": 1,
    }  # fmt: skip
    assert column(table, "dla") == {"proposed": 0, "contacted": 1, "in_progress": 0, "done": 1}
    assert table.total.values == {"referrals": 3, "dla": 2}
    later = report_for(dataset, Period.of_year(2026))["orientations"]
    assert later.total.values == {"referrals": 1, "dla": 0}
    assert later.value("in_progress", "referrals") == 1


def test_support_by_cohort(dataset):
    from coopess.selection.models import Cohort

    other = Cohort.objects.create(call=dataset.call, name="Autre cohorte", status="forming")
    report = report_for(dataset, cohort_id=other.pk)
    assert report["demi_journees"].value("held", "n") == 0
    assert report["presence"].total.values["expected"] == 0
    assert report["orientations"].total.values == {"referrals": 0, "dla": 0}
    report = report_for(dataset, cohort_id=dataset.setup.cohort.pk)
    assert report["demi_journees"].value("planned", "n") == 4
    assert report["orientations"].total.values == {"referrals": 3, "dla": 2}


def test_support_under_statistical_secrecy(dataset):
    report = report_for(dataset)
    texts = lambda code: {  # noqa: E731
        row.key: [cell.text for cell in row.cells]
        for row in report[code].display(secrecy=True).rows
    }
    attendance = texts("presence")
    # one session of each kind: « < 3 » protect each other; 2 expected at the individual
    # session: hidden, and the collective count hidden too (else 8 - 6 gives it away)
    assert attendance["collective"] == ["< 3", "n.c.", "n.c.", "n.c."]
    assert attendance["individual"] == ["< 3", "< 3", "< 3", "n.c."]
    assert attendance["total"] == ["< 3", "8", "7", "87,5\u00a0%"]
    referrals = texts("orientations")
    assert referrals["done"] == ["< 3", "< 3"]
    assert referrals["in_progress"] == ["0", "0"]
    assert referrals["total"] == ["3", "< 3"]
    assert texts("demi_journees")["planned"] == ["4"]
    assert texts("demi_journees")["held"] == ["< 3"]


def test_another_app_can_declare_a_section_and_its_indicators(monkeypatch):
    from coopess.reporting import registry

    monkeypatch.setattr(registry, "SECTIONS", dict(SECTIONS))
    monkeypatch.setattr(registry, "INDICATORS", dict(INDICATORS))
    registry.section("essai", "Essai", before="delais")
    registry.section("essai", "Autre titre")  # declared once
    assert list(registry.SECTIONS)[-2:] == ["essai", "delais"]
    assert registry.SECTIONS["essai"] == "Essai"

    @registry.indicator(code="essai", section="essai", label="Essai", definition="Un essai.")
    def _essai(scope):  # pragma: no cover - never computed here
        raise AssertionError

    assert registry.INDICATORS["essai"].sheet == "Essai"
    with pytest.raises(ValueError, match="twice"):
        registry.indicator(code="essai", section="essai", label="E", definition="E.")(_essai)
    # the follow-ups section is ready for coopess/followups/reporting_indicators.py
    assert "suivis" in SECTIONS
    assert registry.APP_MODULE == "reporting_indicators"


def test_synthesis_delay_over_several_cohorts(dataset):
    """Delays grouped in the database by number of days: 32 (the data set's cohort), 10 and 10
    (two more cohorts of the call, one across the end of summer time, counted in Paris days)."""
    from coopess.diagnostic.models import Diagnostic, SynthesisStatus, SynthesisVersion
    from coopess.selection.models import Cohort
    from tests.reporting.helpers import paris

    for name, started, validated in (
        ("Cohorte B", paris(2025, 9, 1, 9), paris(2025, 9, 11, 23, 30)),
        ("Cohorte C", paris(2025, 10, 20, 0, 30), paris(2025, 10, 30, 8)),
    ):
        cohort = Cohort.objects.create(call=dataset.call, name=name)
        Diagnostic.objects.create(cohort=cohort, started_at=started, started_by=dataset.officer)
        SynthesisVersion.objects.create(
            cohort=cohort,
            number=1,
            status=SynthesisStatus.VALIDATED,
            validated_at=validated,
            pdf_sha256="1" * 64,
        )
    table = report_for(dataset)["delai_synthese"]
    assert table.total.values == {"n": 3, "median": 10.0, "mean": 52 / 3}
    assert [row.values["n"] for row in table.rows] == [3]


def test_consultancy_budget(dataset, settings):
    """The data set's consultancy: 4 half-days planned for 4,800 € from 1 September 2025."""
    settings.COOPESS_REPORT_CACHE_SECONDS = 0  # the data changes within the test
    from decimal import Decimal

    from coopess.support.models import Engagement
    from tests.support.helpers import firm

    table = report_for(dataset)["budget_conseil"]
    (row,) = table.rows
    assert row.values == {
        "engagements": 1, "planned": 4, "budget": Decimal("4800.00"),
        "per_half_day": Decimal("1200"),
    }  # fmt: skip
    assert table.total is None  # one call: its row is the total
    assert report_for(dataset, Period.of_year(2026))["budget_conseil"].rows == []
    # two more cohorts' consultancies in the same call: sums, and the cost of a half-day
    # over all the planned half-days (not an average of averages)
    from coopess.selection.models import Cohort

    for budget, half_days in ((Decimal("3000"), 3), (Decimal("6000"), 4)):
        cohort = Cohort.objects.create(call=dataset.call, name=f"Cohorte {budget}")
        Engagement.objects.create(
            cohort=cohort, firm=firm(), budget=budget, planned_half_days=half_days,
            min_half_days=3, max_half_days=4, starts_on=dt.date(2025, 10, 1),
            ends_on=dt.date(2025, 12, 15),
        )  # fmt: skip
    (row,) = report_for(dataset)["budget_conseil"].rows
    assert row.values["budget"] == Decimal("13800.00")
    assert row.values["planned"] == 11
    assert row.values["per_half_day"] == Decimal("13800") / 11
    shown = report_for(dataset)["budget_conseil"].display(secrecy=True).rows[0]
    assert [cell.text for cell in shown.cells] == [
        "3",
        "11",
        "13\u202f800\u00a0€",
        "1\u202f255\u00a0€",
    ]
    # a single consultancy's budget is not disclosed to funders
    one = report_for(dataset, Period.between(dt.date(2025, 9, 1), dt.date(2025, 9, 30)))
    assert [c.text for c in one["budget_conseil"].display(secrecy=True).rows[0].cells] == [
        "< 3", "4", "n.c.", "n.c.",
    ]  # fmt: skip


def test_structures_by_theme(dataset):
    table = report_for(dataset)["par_thematique"]
    assert column(table) == {dataset.call.theme: 3}
    assert table.total.values == {"structures": 3}
