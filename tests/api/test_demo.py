"""The API in the demo: tokens written in the guide, the webhook endpoint and its receiver."""

import json
import time

import pytest
from django.urls import reverse

from coopess.api.demo import DEMO_TOKENS, demo_api
from coopess.api.models import ApiToken, WebhookEndpoint
from coopess.api.webhooks import sign
from coopess.calls.models import Call
from coopess.common.demo import SEED_SLUG, demo_load
from tests.api.helpers import bearer

pytestmark = pytest.mark.django_db
CRM, FUNDER = list(DEMO_TOKENS)


def test_demo_tokens_read_the_2023_call(client, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    demo_load()
    demo_api(Call.objects.get(slug=SEED_SLUG))  # idempotent
    assert ApiToken.objects.count() == 2 and WebhookEndpoint.objects.count() == 1
    applications = client.get("/api/v1/applications?limit=200", **bearer(CRM))
    assert applications.status_code == 200 and applications.json()["items"]
    cohorts = client.get("/api/v1/cohorts", **bearer(CRM)).json()["items"]
    assert any(c["engagement"] for c in cohorts)
    indicators = client.get("/api/v1/indicators?year=2023", **bearer(FUNDER))
    assert indicators.status_code == 200 and indicators.json()["secrecy"] is True
    assert client.get("/api/v1/applications", **bearer(FUNDER)).status_code == 404


def test_demo_receiver_checks_signatures(client, settings):
    settings.COOPESS_DEMO = True
    demo_load()
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("api_demo_receiver")
    body = json.dumps({"type": "session.held", "data": {}}).encode()
    stamp = int(time.time())
    headers = {
        "HTTP_WEBHOOK_ID": "msg_1",
        "HTTP_WEBHOOK_TIMESTAMP": str(stamp),
        "HTTP_WEBHOOK_SIGNATURE": sign(
            secret=endpoint.secret, msg_id="msg_1", timestamp=stamp, body=body
        ),
    }
    ok = client.post(url, body, content_type="application/json", **headers)
    assert ok.status_code == 204
    replay = {**headers, "HTTP_WEBHOOK_TIMESTAMP": str(stamp - 3600)}
    assert client.post(url, body, content_type="application/json", **replay).status_code == 400
    page = client.get(url).content.decode()
    assert "valide" in page and "refusée" in page and "session.held" in page
