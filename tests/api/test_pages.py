"""The officers' page « API et webhooks »: tokens shown once, revoked; endpoints, secrets."""

import pytest
from django.urls import reverse

from coopess.api.models import ApiToken, WebhookEndpoint
from coopess.api.services import hash_token
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, setup):
    sign_in(client, setup.officer)
    return client


def test_create_a_token_shown_once(officer_client, setup, assert_no_invalid_variables):
    response = officer_client.post(
        reverse("api_admin:token_new"),
        {"name": "CRM du DLA", "scopes": ["applications", "support"], "expires_on": "2099-01-01"},
    )
    assert response.status_code == 400  # more than two years ahead
    assert "au plus tard" in response.content.decode()
    assert "CRM du DLA" in response.content.decode()  # nothing typed is lost
    from django.utils import timezone

    day = (timezone.localdate() + __import__("datetime").timedelta(days=90)).isoformat()
    response = officer_client.post(
        reverse("api_admin:token_new"),
        {"name": "CRM du DLA", "scopes": ["applications", "support"], "expires_on": day},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    assert token.operator == setup.call.operator and token.created_by == setup.officer
    assert token.scopes == ["applications", "support"]
    page = officer_client.get(response["Location"])
    assert_no_invalid_variables(page)
    text = page.content.decode()
    clear = text.split('id="jeton-clair" type="text" readonly value="')[1].split('"')[0]
    assert hash_token(clear) == token.token_hash
    # shown once: the next visit no longer has it
    assert clear not in officer_client.get(reverse("api_admin:home")).content.decode()
    # and it works
    assert (
        officer_client.get("/api/v1/cohorts", HTTP_AUTHORIZATION=f"Bearer {clear}").status_code
        == 200
    )


def test_no_scope_is_refused_in_french(officer_client):
    response = officer_client.post(
        reverse("api_admin:token_new"), {"name": "Vide", "scopes": [], "expires_on": "2020-01-01"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Cochez au moins un droit." in text and "après aujourd&#x27;hui" in text


def test_revoke(officer_client, setup, token):
    api_token, clear = token
    response = officer_client.post(reverse("api_admin:token_revoke", args=[api_token.public_id]))
    assert response.status_code == 302
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    assert (
        officer_client.get("/api/v1/cohorts", HTTP_AUTHORIZATION=f"Bearer {clear}").status_code
        == 401
    )


def test_another_dla_cannot_revoke(client, setup, token):
    api_token, _ = token
    stranger = make_user("officer", organisation=OrganisationFactory())
    sign_in(client, stranger)
    response = client.post(reverse("api_admin:token_revoke", args=[api_token.public_id]))
    assert response.status_code == 404
    api_token.refresh_from_db()
    assert api_token.revoked_at is None


def test_endpoint_https_and_ssrf_guard(officer_client, settings):
    settings.DEBUG = False
    settings.COOPESS_DEMO = False
    settings.COOPESS_WEBHOOK_ALLOWED_HOSTS = ["recepteur.example.org"]
    url = reverse("api_admin:endpoint_new")
    data = {"name": "CRM", "events": ["decision.taken"]}
    response = officer_client.post(url, {**data, "url": "http://recepteur.example.org/hook"})
    assert response.status_code == 400 and "https://" in response.content.decode()
    for internal in ("https://127.0.0.1/hook", "https://10.0.0.8/hook", "https://169.254.169.254/"):
        response = officer_client.post(url, {**data, "url": internal})
        assert response.status_code == 400, internal
        assert "adresse interne" in response.content.decode()
    response = officer_client.post(url, {**data, "url": "https://recepteur.example.org/hook"})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.events == ["decision.taken"]


def test_rotate_secret_keeps_the_old_one_a_day(officer_client, setup):
    from coopess.api import services

    endpoint = services.endpoint_create(
        operator=setup.call.operator, name="CRM", url="https://recepteur.example.org/h",
        events=["session.held"], by=setup.officer,
    )  # fmt: skip
    old = endpoint.secret
    response = officer_client.post(reverse("api_admin:endpoint_rotate", args=[endpoint.public_id]))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    page = officer_client.get(reverse("api_admin:endpoint_detail", args=[endpoint.public_id]))
    assert endpoint.secret in page.content.decode()


def test_documentation_page_is_french_and_public(client):
    response = client.get(reverse("api_documentation"))
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="fr">' in text
    for path in ("/api/v1/calls", "/api/v1/applications", "/api/v1/indicators"):
        assert path in text
    assert "Jeton obligatoire." in text and "Sans jeton." in text


def test_dashboard_links_the_page_and_privacy_export_lists_tokens(officer_client, setup, token):
    from coopess.api.privacy import tokens_of

    assert (
        reverse("api_admin:home")
        in officer_client.get(reverse("accounts:dashboard")).content.decode()
    )
    data = tokens_of(setup.officer)
    assert data["Jetons d'API créés"][0]["nom"] == token[0].name


def test_an_administrator_creates_a_token_in_the_admin(client, setup):
    from coopess.accounts.models import Role
    from tests.factories import add_totp

    admin = make_user(Role.ADMIN)
    add_totp(admin)
    sign_in(client, admin)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {
            "operator": setup.call.operator.pk,
            "name": "Site web",
            "scopes": '["calls"]',
            "expires_at_0": "31/12/2030",
            "expires_at_1": "12:00:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.name == "Site web" and token.created_by == admin and token.scopes == ["calls"]
    text = response.content.decode()
    clear = text.split("il ne sera plus affiché) : ")[1].split("<")[0].strip()
    assert hash_token(clear) == token.token_hash
