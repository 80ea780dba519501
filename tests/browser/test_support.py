"""The consultant records a session in a real browser: attendance per representative, the report,
an action-plan item worked on, then a deliverable; every page is scanned with axe-core. The
representative then finds the session, their attendance and the deliverable on their page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import ActionItem, ActionStatus
from coopess.support.models import Attendance, Deliverable, Session, SessionStatus
from coopess.support.services.sessions import concerned_representatives
from tests.browser.test_committee import signed_in_page
from tests.common.upload_samples import pdf
from tests.diagnostic.helpers import make_cohort
from tests.support.helpers import make_support, plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_consultant_records_a_session(live_server, chromium, axe_check):
    support = make_support(make_cohort(seed=61, applications=(2,)))
    item = ActionItem.objects.create(
        cohort=support.cohort, action="Rédiger la convention de mutualisation"
    )
    session = plan(support, title="Formes juridiques de la coopération")
    Session.objects.filter(pk=session.pk).update(  # it took place this morning
        starts_at=dt.datetime.combine(dt.date.today(), dt.time(0, 5), tzinfo=PARIS),
        ends_at=dt.datetime.combine(dt.date.today(), dt.time(0, 50), tzinfo=PARIS),
    )
    present, absent = concerned_representatives(session)[:2]

    page = signed_in_page(chromium, live_server, support.consultant)
    page.goto(live_server.url + "/accompagnement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accompagnement collectif")
    axe_check(page)
    page.get_by_role("link", name=support.cohort.name).click()
    expect(page.get_by_text("0 tenue sur 4 prévues")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Formes juridiques de la coopération").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formes juridiques de la coopération")
    axe_check(page)

    page.get_by_label(f"{present} ({present.role}, {present.structure.name})").check()
    page.get_by_label(re.compile("^Compte rendu")).fill(
        "Comparaison de la convention de mutualisation et du groupement d'employeurs."
    )
    page.get_by_label("Rédiger la convention de mutualisation", exact=True).check()
    page.get_by_label("Avancement : Rédiger la convention de mutualisation").select_option(
        "in_progress"
    )
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_text("Le compte rendu et les présences sont enregistrés.")).to_be_visible()
    expect(page.get_by_text("Tenue", exact=True)).to_be_visible()
    axe_check(page)

    page.get_by_label("Intitulé du livrable").fill("Tableau comparatif des formes")
    page.get_by_label(re.compile("^Fichier")).set_input_files(
        {"name": "comparatif.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    )
    page.get_by_role("button", name="Déposer le livrable").click()
    expect(
        page.get_by_text("« Tableau comparatif des formes » est joint à la séance.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Tableau comparatif des formes")).to_be_visible()
    axe_check(page)

    session.refresh_from_db()
    assert session.status == SessionStatus.HELD and session.recorded_by == support.consultant
    marks = dict(
        Attendance.objects.filter(session=session).values_list("representative_id", "present")
    )
    assert marks[present.pk] is True and marks[absent.pk] is False
    item.refresh_from_db()
    assert item.status == ActionStatus.IN_PROGRESS
    assert Deliverable.objects.get().session == session

    # the representative finds it on their structure's page
    structure = present.structure
    mine = signed_in_page(chromium, live_server, support.setup.person(structure))
    mine.goto(f"{live_server.url}/accompagnement/structures/{structure.pk}/")
    expect(mine.get_by_role("link", name="Tableau comparatif des formes")).to_be_visible()
    expect(mine.get_by_text("présent·e").first).to_be_visible()
    axe_check(mine)
