"""An officer opens the indicators, switches to another year, downloads the XLSX; a funder
reads the same page under statistical secrecy. Every page is scanned with axe-core."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_committee import signed_in_page
from tests.reporting.helpers import build_dataset, make_funder, next_edition

pytestmark = pytest.mark.django_db(transaction=True)


def received(page) -> str:
    table = page.locator("#indicateur-candidatures table")
    return (
        table.get_by_role("row", name="Candidatures reçues").get_by_role("cell").first.inner_text()
    )


def test_officer_switches_period_and_downloads_the_spreadsheet(
    chromium, live_server, axe_check, tmp_path
):
    dataset = build_dataset()
    page = signed_in_page(chromium, live_server, dataset.officer)
    page.goto(live_server.url + "/rapports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs et rapports")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert received(page) == "6"  # every year: A–F
    axe_check(page)

    page.get_by_label("Année").select_option("2025")
    page.get_by_role("button", name="Afficher les indicateurs").click()
    expect(page.locator(".scope-list")).to_contain_text("année 2025")
    assert received(page) == "5"
    expect(page.get_by_role("img", name="Structures accompagnées par département")).to_be_visible()
    axe_check(page)

    page.get_by_label("Année").select_option("2024")
    page.get_by_role("button", name="Afficher les indicateurs").click()
    expect(page.locator(".scope-list")).to_contain_text("année 2024")
    assert received(page) == "1"

    with page.expect_download() as info:
        page.get_by_role("link", name="tableur Excel (XLSX)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    workbook = load_workbook(path)
    rows = {r[0]: r[1:] for r in workbook["Candidatures"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Candidatures reçues"] == (1, 1)
    page.context.close()


def test_funder_reads_the_indicators(chromium, live_server, axe_check):
    dataset = build_dataset()
    dataset.call.__class__.objects.filter(pk=dataset.call.pk).update(is_published=True)
    funder = make_funder(dataset.call)
    page = signed_in_page(chromium, live_server, funder)
    page.goto(live_server.url + "/rapports/?annee=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs et rapports")
    assert received(page) == "5"
    table = page.locator("#indicateur-candidatures table")
    assert table.get_by_role("row", name="Retenues").get_by_role("cell").first.inner_text() == "< 3"
    axe_check(page)
    page.context.close()


def test_officer_writes_the_years_commentary(chromium, live_server, axe_check):
    """From the 2025 indicators, the officer writes the year's commentary; a text too long is
    refused next to the field and kept; the saved text shows with the indicators."""
    dataset = build_dataset()
    page = signed_in_page(chromium, live_server, dataset.officer)
    page.goto(live_server.url + "/rapports/?annee=2025")
    expect(page.get_by_text("Aucun commentaire pour 2025.")).to_be_visible()
    page.get_by_role("link", name="Écrire le commentaire 2025").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Commentaire d'activité 2025")
    axe_check(page)

    field = page.get_by_label("Faits marquants et commentaire")
    field.fill("Une année de coopération. " + "x" * 6000)
    page.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(page.locator("#id_text_error")).to_contain_text("ne peut pas dépasser")
    expect(field).to_have_value("Une année de coopération. " + "x" * 6000)
    axe_check(page)

    field.fill("Une année de **coopération** :\n\n- deux ateliers\n- trois structures")
    page.get_by_role("button", name="Enregistrer le commentaire").click()
    notes = page.locator("#commentaire")
    expect(notes.locator("strong")).to_have_text("coopération")
    expect(notes.get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_text("Commentaire 2025 enregistré.")).to_be_visible()
    axe_check(page)
    page.context.close()


def test_choosing_a_call_narrows_the_cohort_list(chromium, live_server, axe_check):
    """Without submitting: the officer picks a call, the cohort list keeps that call's only."""

    dataset = build_dataset()
    other_call, _cohort = next_edition(dataset)
    page = signed_in_page(chromium, live_server, dataset.officer)
    page.goto(live_server.url + "/rapports/")
    cohorts = page.get_by_label("Cohorte", exact=True)
    expect(cohorts.locator("option")).to_have_count(3)  # all, and one per call
    page.get_by_label("Appel", exact=True).select_option(str(other_call.pk))
    expect(cohorts.locator("option")).to_have_count(2)
    expect(cohorts.locator("option").nth(1)).to_have_text("Cohorte de l'autre appel")
    axe_check(page)
    page.context.close()
