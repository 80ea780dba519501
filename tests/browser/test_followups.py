"""A representative answers a follow-up from the email link: she signs in by code, meets the
French validation messages (nothing typed is lost), keeps a draft, sends her answers. Every page
is scanned with axe-core."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from coopess.diagnostic.models import ActionItem
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.scheduler import run_scheduler
from coopess.followups.services import support_close
from tests.browser.test_application_flow import last_email_to, local, sign_in_by_code
from tests.diagnostic.helpers import make_cohort
from tests.followups.helpers import in_support, paris

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"(https?://\S+/suivi/questionnaire/\S+/)")


def test_a_representative_answers_from_the_email_link(live_server, page, axe_check):
    setup = in_support(make_cohort(applications=(2,)))
    structure = setup.structures[1]
    item = ActionItem.objects.create(cohort=setup.cohort, action="Mutualiser la paie")
    item.structures.add(structure)
    support_close(cohort=setup.cohort, by=setup.officer, ended_on=dt.date(2030, 9, 15))
    run_scheduler(now=paris(2031, 3, 15, 8))
    person = setup.person(structure)
    message = last_email_to(person.email)
    assert message.subject.startswith("Suivi à 6 mois")
    link = local(live_server, LINK.search(message.body).group(1))

    page.goto(link)
    sign_in_by_code(page, axe_check, person.email)
    page.wait_for_url(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Suivi à 6 mois")
    axe_check(page)

    page.get_by_label("Action « Mutualiser la paie » : avancement").select_option("in_progress")
    page.get_by_label("Nombre de salarié·es aujourd'hui").fill("-1")
    page.get_by_label("Effets sur vos finances").fill("Économies sur la paie.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    summary = page.locator("#resume-erreurs")
    expect(summary).to_contain_text("Indiquez un nombre positif ou nul.")
    expect(page.get_by_label("Effets sur vos finances")).to_have_value("Économies sur la paie.")
    axe_check(page)

    page.get_by_label("Où en est votre coopération aujourd'hui ?").select_option(index=1)
    page.get_by_label("Quelle forme de coopération avez-vous retenue ?").select_option(
        "employers_group"
    )
    page.get_by_label("Nombre de salarié·es aujourd'hui").fill("6")
    page.get_by_label("Équivalents temps plein (ETP) aujourd'hui").fill("4,5")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".messages")).to_contain_text("Brouillon enregistré")
    expect(page.get_by_label("Nombre de salarié·es aujourd'hui")).to_have_value("6")
    # the satisfaction with the consultant: five radio buttons grouped under their legend
    scale = page.get_by_role("group", name=re.compile("Votre satisfaction sur l'accompagnement"))
    expect(scale.get_by_role("radio")).to_have_count(5)
    scale.get_by_label("4", exact=True).check()
    page.get_by_label("Un commentaire sur l'accompagnement du consultant").fill("Très utile.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_text("Merci : le questionnaire est enregistré.")).to_be_visible()
    expect(page.get_by_text("Répondu le")).to_be_visible()
    axe_check(page)

    followup = FollowUp.objects.get(structure=structure, offset_months=6)
    assert followup.status == FollowUpStatus.ANSWERED
    assert followup.answers["q_fte"] == "4,5"
    assert followup.answers["q_finances"] == "Économies sur la paie."
    assert followup.answers["q_satisfaction"] == "4"
    assert followup.answers["q_satisfaction_comment"] == "Très utile."
    assert len(mail.outbox) >= 1
    page.context.close()
