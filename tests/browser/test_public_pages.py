import pytest
from django.utils import timezone

from coopess.calls.demo import shifted_call_data
from coopess.calls.services import call_create_from_data, load_call_data
from tests.factories import OrganisationFactory, make_seed_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def calls(db):
    operator = OrganisationFactory()
    closed = make_seed_call(operator=operator)
    opened = call_create_from_data(
        operator=operator, data=shifted_call_data(load_call_data(), today=timezone.localdate())
    )
    return closed, opened


def test_home_and_call_pages_are_accessible(live_server, page, axe_check, calls):
    closed, opened = calls
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.title().startswith("Accueil")
    axe_check(page)
    # the open copy is listed on the home page and leads to its page
    page.get_by_role("link", name=opened.title).first.click()
    page.wait_for_url(f"**/appels/{opened.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == opened.title
    assert page.get_by_role("link", name="Candidater").is_visible()
    axe_check(page)
    page.goto(f"{live_server.url}/appels/{closed.slug}/")
    assert "30 juin 2023 à 23 h 59" in page.locator("main").inner_text()
    axe_check(page)
    page.goto(f"{live_server.url}/appels/")
    axe_check(page)


def test_skip_link_moves_focus_to_the_content(live_server, page, calls):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_candidater_leads_to_sign_in_by_code(live_server, page, axe_check, calls):
    _, opened = calls
    page.goto(f"{live_server.url}/appels/{opened.slug}/")
    page.get_by_role("link", name="Candidater").click()
    page.wait_for_url("**/compte/login/code/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Se connecter"
    assert page.get_by_label("Courriel").is_visible()
    axe_check(page)


def test_call_page_on_a_phone(live_server, phone_page, axe_check, calls):
    closed, _ = calls
    phone_page.goto(f"{live_server.url}/appels/{closed.slug}/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    axe_check(phone_page)


def test_error_pages_are_accessible(live_server, page, axe_check, calls):
    response = page.goto(f"{live_server.url}/nexiste-pas/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    axe_check(page)
