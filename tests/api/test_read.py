"""The read endpoints: what each returns, scopes, another DLA, filters, cursor, ETag."""

import datetime as dt

import pytest
from django.utils import timezone

from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application
from coopess.privacy.models import PersonalDataExportLog
from tests.api.helpers import bearer, make_token
from tests.factories import OrganisationFactory, make_seed_call
from tests.selection.helpers import quick_application

pytestmark = pytest.mark.django_db


def test_calls_are_public_with_public_fields_only(client, setup):
    response = client.get("/api/v1/calls")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [str(setup.call.public_id)]
    assert "contact_email" not in items[0] and "id" in items[0]
    assert items[0]["url"] == f"/appels/{setup.call.slug}/"
    # anonymous reads are not written in the export log (no personal data, nobody to name)
    assert not PersonalDataExportLog.objects.exists()


def test_unpublished_calls_are_not_found(client, setup):
    draft = make_seed_call(operator=setup.call.operator, slug="brouillon")
    draft.is_published = False
    draft.save(update_fields=["is_published"])
    assert client.get(f"/api/v1/calls/{draft.public_id}").status_code == 404
    assert client.get(f"/api/v1/calls/{setup.call.public_id}").status_code == 200


def test_applications_with_structures_and_representatives(client, setup, token):
    _, clear = token
    response = client.get("/api/v1/applications", **bearer(clear))
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert len(items) == 2
    by_id = {item["id"]: item for item in items}
    first = setup.structures[0].application
    item = by_id[str(first.public_id)]
    assert item["cohort"] == str(setup.cohort.public_id)
    assert item["call"] == str(setup.call.public_id)
    assert [s["id"] for s in item["structures"]] == [
        str(s.public_id) for s in first.structures.order_by("position")
    ]
    assert len(item["structures"][0]["representatives"]) == 2
    assert "pk" not in item and not any(isinstance(v, int) and k == "id" for k, v in item.items())


def test_every_call_with_a_token_is_logged_with_its_rows(client, setup, token):
    api_token, clear = token
    client.get("/api/v1/applications?status=selected", **bearer(clear))
    log = PersonalDataExportLog.objects.get()
    assert log.by == setup.officer and log.fmt == "api" and log.rows == 2
    assert api_token.name in log.what and "/api/v1/applications" in log.what
    assert log.filters == "status=selected"


def test_another_dla_reads_nothing_of_it(client, setup):
    _, clear = make_token(OrganisationFactory())
    application = setup.structures[0].application
    assert client.get("/api/v1/applications", **bearer(clear)).json()["items"] == []
    response = client.get(f"/api/v1/applications/{application.public_id}", **bearer(clear))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert (
        client.get(f"/api/v1/cohorts/{setup.cohort.public_id}", **bearer(clear)).status_code == 404
    )


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ("applications", "/api/v1/applications"),
        ("support", "/api/v1/cohorts"),
        ("support", "/api/v1/followups"),
        ("indicators", "/api/v1/indicators"),
    ],
)
def test_out_of_scope_is_not_found(client, setup, scope, path):
    others = [s for s in ("calls", "applications", "support", "indicators") if s != scope]
    _, without = make_token(setup.call.operator, scopes=others)
    _, with_it = make_token(setup.call.operator, scopes=[scope])
    assert client.get(path, **bearer(without)).status_code == 404
    assert client.get(path, **bearer(with_it)).status_code == 200


def test_no_token_expired_or_revoked_is_401_in_french(client, setup):
    from coopess.api import services

    response = client.get("/api/v1/applications")
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401 and "Jeton" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    token, clear = make_token(setup.call.operator)
    services.token_revoke(token=token, by=None)
    assert client.get("/api/v1/applications", **bearer(clear)).status_code == 401
    _expired, clear = make_token(setup.call.operator, days=1)
    with_clock = timezone.now() + dt.timedelta(days=2)
    import time_machine

    with time_machine.travel(with_clock):
        assert client.get("/api/v1/applications", **bearer(clear)).status_code == 401
    # a wrong token on a public endpoint is refused too, not read as anonymous
    assert client.get("/api/v1/calls", **bearer("coop_inconnu")).status_code == 401


def test_token_is_stored_hashed(setup, token):
    api_token, clear = token
    api_token.refresh_from_db()
    assert clear not in (api_token.token_hash, api_token.prefix)
    assert clear.startswith(api_token.prefix)


def test_filters_status_call_updated_since(client, setup, token):
    _, clear = token
    other = quick_application(setup.call, 900, status=ApplicationStatus.REJECTED)
    quick_application(setup.call, 901, status=ApplicationStatus.DRAFT)  # never exposed
    ids = lambda r: {i["id"] for i in r.json()["items"]}  # noqa: E731
    response = client.get("/api/v1/applications?status=rejected", **bearer(clear))
    assert ids(response) == {str(other.public_id)}
    assert len(client.get("/api/v1/applications", **bearer(clear)).json()["items"]) == 3
    later = timezone.now() + dt.timedelta(hours=1)
    Application.objects.filter(pk=other.pk).update(updated_at=later + dt.timedelta(minutes=1))
    response = client.get(
        "/api/v1/applications", {"updated_since": later.isoformat()}, **bearer(clear)
    )
    assert ids(response) == {str(other.public_id)}
    elsewhere = make_seed_call(operator=setup.call.operator, slug="autre-appel")
    quick_application(elsewhere, 902)
    response = client.get(f"/api/v1/applications?call={elsewhere.public_id}", **bearer(clear))
    assert len(response.json()["items"]) == 1


def test_bad_parameters_are_400_problems_in_french(client, setup, token):
    _, clear = token
    for query, word in [
        ("status=inconnu", "status"),
        ("call=pas-un-uuid", "call"),
        ("updated_since=hier", "updated_since"),
        ("cursor=%%%", "curseur"),
        ("limit=0", "limit"),
    ]:
        response = client.get(f"/api/v1/applications?{query}", **bearer(clear))
        assert response.status_code == 400, query
        assert response["Content-Type"].startswith("application/problem+json")
        assert word in response.json()["detail"], (query, response.json())


def test_cursor_walks_every_row_once(client, setup, token):
    _, clear = token
    for seed in range(5):
        quick_application(setup.call, 950 + seed)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/applications", query, **bearer(clear)).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 4 and len(seen) == 7 == len(set(seen))


def test_etag_and_304(client, setup, token):
    _, clear = token
    first = client.get("/api/v1/cohorts", **bearer(clear))
    etag = first["ETag"]
    again = client.get("/api/v1/cohorts", HTTP_IF_NONE_MATCH=etag, **bearer(clear))
    assert again.status_code == 304 and again.content == b""
    setup.cohort.name = "Renommée"
    setup.cohort.save()
    changed = client.get("/api/v1/cohorts", HTTP_IF_NONE_MATCH=etag, **bearer(clear))
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_rate_limit_429_with_retry_after(client, setup, token, settings):
    settings.COOPESS_API_RATE = 3
    _, clear = token
    statuses = [client.get("/api/v1/cohorts", **bearer(clear)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/cohorts", **bearer(clear))
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "réessayez" in response.json()["detail"]
    # another token has its own allowance
    _, other = make_token(setup.call.operator)
    assert client.get("/api/v1/cohorts", **bearer(other)).status_code == 200


def test_cohort_detail_and_followups(client, setup, token):
    _, clear = token
    body = client.get(f"/api/v1/cohorts/{setup.cohort.public_id}", **bearer(clear)).json()
    assert body["id"] == str(setup.cohort.public_id)
    assert len(body["applications"]) == 2
    assert body["engagement"] is None and body["sessions"] == []
    assert client.get("/api/v1/followups", **bearer(clear)).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_list_queries_do_not_grow_with_rows(client, setup, token, django_assert_max_num_queries):
    _, clear = token
    for seed in range(20):
        quick_application(setup.call, 700 + seed, departements=("44", "49"))
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/applications?limit=50", **bearer(clear))
    assert len(response.json()["items"]) == 22
    with django_assert_max_num_queries(14):
        client.get("/api/v1/cohorts", **bearer(clear))


@pytest.mark.django_db(transaction=True)
def test_rate_counter_counts_every_concurrent_request_once():
    """Eight threads (eight database connections) counting at once: every request gets its own
    number, none is lost — what a read-then-write cache increment cannot promise."""
    import threading

    from django.db import connection

    from coopess.api.rest.auth import count_request

    seen, errors = [], []

    def worker():
        try:
            for _ in range(20):
                seen.append(count_request("token:concurrent", 7))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(seen) == list(range(1, 161))
    # a later window starts from one and clears the windows before the previous one
    assert count_request("token:concurrent", 8) == 1
    assert count_request("token:concurrent", 9) == 1
    from coopess.api.models import ApiRateCounter

    assert set(ApiRateCounter.objects.values_list("slot", flat=True)) == {8, 9}
