"""The consulted providers' list in a real browser, scanned with axe-core: a provider found
closed is offered disabled; the officer sends an invitation again, detaches an account after
the confirmation (refused first, message next to the box) and takes back a comité member."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coopess.accounts.models import Role
from coopess.common.models import OutgoingEmail
from coopess.competition.models import CommitteeMember, LookupStatus
from coopess.competition.services import committee as committee_services
from tests.browser.test_committee import signed_in_page
from tests.competition.helpers import make_consultation, make_provider, provider_user, send
from tests.diagnostic.helpers import make_cohort
from tests.factories import add_totp, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_officer_reinvites_detaches_and_removes(live_server, chromium, axe_check):
    setup = make_cohort(seed=79, applications=(2,))
    draft = make_cohort(setup.call, seed=80, applications=(2,))
    make_consultation(draft, providers=0)
    closed = make_provider(draft.call.operator, 1, lookup_status=LookupStatus.CLOSED)
    consultation = send(setup, make_consultation(setup, providers=2), fewer_reason="Deux.")
    waiting, accepted = list(consultation.consulted.select_related("provider"))
    provider_user(accepted)
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    member = make_user(
        Role.REVIEWER, organisation=setup.call.operator, first_name="Lou", last_name="Comité"
    )
    add_totp(member)
    assigned = committee_services.committee_member_assign(
        consultation=consultation, member=member, by=setup.officer
    )

    page = signed_in_page(chromium, live_server, setup.officer)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/concurrence/cohorte/{draft.cohort.pk}/")
    option = page.locator(f'#id_provider option[value="{closed.pk}"]')
    expect(option).to_be_disabled()
    expect(option).to_contain_text("établissement fermé")
    axe_check(page)

    page.goto(f"{live_server.url}/concurrence/cohorte/{setup.cohort.pk}/")
    page.get_by_role("button", name=f"Renvoyer l'invitation de {waiting.provider.name}").click()
    expect(page.get_by_text("est renvoyée à")).to_be_visible()
    expect(page.get_by_text(f"Invitation renvoyée à {waiting.provider.name}")).to_be_visible()
    assert OutgoingEmail.objects.filter(to=waiting.provider.email).count() == 2
    axe_check(page)

    page.get_by_role("button", name=f"Détacher le compte de {accepted.provider.name}").click()
    expect(
        page.get_by_text("Cochez la confirmation pour détacher le compte.").first
    ).to_be_visible()
    axe_check(page)
    page.get_by_label("Je confirme").check()
    page.get_by_role("button", name=f"Détacher le compte de {accepted.provider.name}").click()
    expect(
        page.get_by_text(f"Compte détaché de l'invitation de {accepted.provider.name}")
    ).to_be_visible()
    accepted.refresh_from_db()
    assert accepted.user is None

    page.get_by_role("button", name="Retirer Lou Comité du comité d'appui").click()
    expect(page.get_by_text("Lou Comité ne note plus les propositions.")).to_be_visible()
    assert not CommitteeMember.objects.filter(pk=assigned.pk).exists()
    axe_check(page)
