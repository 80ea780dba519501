"""The OpenAPI 3.1 schema: committed, valid, served; every endpoint answers what it declares.

The contract test calls every endpoint with a data set close to the demo's (a cohort with its
decisions, diagnostic, consultancy, sessions, referrals and follow-ups), then with generated
parameters (hypothesis): never a 5xx, and every answer — 200 or problem — matches the schema
the endpoint declares."""

import datetime as dt
import json
import pathlib

import jsonschema
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from coopess.api.schema import openapi_document
from coopess.followups.models import FollowUp, FollowUpStatus
from tests.api.helpers import bearer, make_token
from tests.reporting.helpers import published_dataset

COMMITTED = pathlib.Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_schema_is_the_generated_one():
    committed = json.loads(COMMITTED.read_text())
    assert committed == openapi_document(), (
        "docs/openapi.json is stale: COOPESS_ENV=test .venv/bin/python manage.py api_schema "
        "> docs/openapi.json"
    )


def test_schema_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.django_db
def test_served_schema_is_the_committed_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(COMMITTED.read_text())


SCHEMA = openapi_document()


def _validator(path: str, status: int):
    operation = SCHEMA["paths"][path]["get"]
    response = operation["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": SCHEMA["components"]})


def _template(path: str, values: dict) -> str:
    return path.replace("{public_id}", str(values.get("public_id")))


def check(response, path: str) -> None:
    assert response.status_code < 500, response.content
    if response.status_code == 304:
        return
    declared = SCHEMA["paths"][path]["get"]["responses"]
    assert str(response.status_code) in declared, (path, response.status_code, response.content)
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
    _validator(path, response.status_code).validate(response.json())


@pytest.fixture
def demo_like(db, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    dataset = published_dataset()
    today = timezone.localdate()
    for offset, structure in enumerate(
        dataset.setup.cohort.members.first().application.structures.all()
    ):
        FollowUp.objects.create(
            cohort=dataset.setup.cohort, structure=structure, offset_months=6 + offset,
            due_on=today, status=FollowUpStatus.ANSWERED, sent_on=today,
            answered_at=timezone.now(), answers={"progress": "oui"},
        )  # fmt: skip
    _, clear = make_token(dataset.call.operator, by=dataset.officer)
    return dataset, clear


def _examples(dataset) -> dict:
    application = dataset.apps["A"]
    return {
        "/api/v1/calls": {"public_id": None},
        "/api/v1/calls/{public_id}": {"public_id": dataset.call.public_id},
        "/api/v1/applications": {},
        "/api/v1/applications/{public_id}": {"public_id": application.public_id},
        "/api/v1/cohorts": {},
        "/api/v1/cohorts/{public_id}": {"public_id": dataset.setup.cohort.public_id},
        "/api/v1/followups": {},
        "/api/v1/indicators": {},
    }


def test_every_endpoint_answers_its_schema(client, demo_like):
    dataset, clear = demo_like
    examples = _examples(dataset)
    assert set(examples) == set(SCHEMA["paths"]), "a new endpoint needs an example here"
    for path, values in examples.items():
        url = _template(path, values)
        for headers in (bearer(clear), {}):
            response = client.get(url, **headers)
            check(response, path)
            if headers:
                assert response.status_code == 200, (url, response.content)
    body = client.get("/api/v1/cohorts", **bearer(clear)).json()["items"][0]
    assert body["engagement"]["planned_half_days"] == 4 and len(body["sessions"]) == 5
    assert len(client.get("/api/v1/followups", **bearer(clear)).json()["items"]) == 2
    yearly = client.get("/api/v1/indicators?year=2025", **bearer(clear))
    check(yearly, "/api/v1/indicators")


texts = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["selected", "forming", "held"]))
moments = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                 timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
    st.text(max_size=20),
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(sorted(SCHEMA["paths"])),
    status=texts,
    call=st.one_of(st.none(), st.uuids().map(str), st.text(max_size=12)),
    updated_since=moments,
    cursor=st.one_of(st.none(), st.text(max_size=40)),
    limit=st.one_of(st.none(), st.integers(-5, 500).map(str), st.text(max_size=4)),
    year=st.one_of(st.none(), st.integers(1800, 2200).map(str)),
    public_id=st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=10).filter(lambda t: "/" not in t)),
)  # fmt: skip
def test_generated_requests_never_fail_the_schema(client, demo_like, path, public_id, **params):
    from coopess.api.models import ApiRateCounter

    ApiRateCounter.objects.all().delete()  # the rate limit is not what is tested here
    _, clear = demo_like
    query = {k: v for k, v in params.items() if v is not None}
    from urllib.parse import quote

    url = path.replace("{public_id}", quote(public_id, safe=""))
    response = client.get(url, query, **bearer(clear))
    check(response, path)
