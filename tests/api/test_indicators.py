"""The indicators through the API: the same numbers as the report, the same secrecy for a
funder's token, and a funder reads only the calls it funds."""

import pytest

from coopess.accounts.models import Role
from coopess.api.models import Scope as TokenScope
from coopess.calls.models import Call
from coopess.reporting.registry import compute_report
from coopess.reporting.scope import Period, Scope
from tests.api.helpers import bearer, make_token
from tests.reporting.helpers import make_funder, next_edition, published_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(db, settings):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    return published_dataset()


def _cells(body):
    return {
        (ind["code"], row["key"], cell["column"]): (cell["value"], cell["text"], cell["hidden"])
        for ind in body["indicators"]
        for row in ind["rows"]
        for cell in row["cells"]
    }


def _expected(call, *, secrecy):
    report = compute_report(
        Scope(calls=Call.objects.filter(pk=call.pk), period=Period.of_year(2025))
    )
    cells = {}
    for result in report.results:
        shown = result.table.display(secrecy=secrecy)
        for row in shown.rows:
            for column, cell in zip(shown.columns, row.cells, strict=True):
                value = None if cell.hidden else cell.value
                value = float(value) if value is not None and not isinstance(value, int) else value
                cells[result.indicator.code, row.key, column.key] = (value, cell.text, cell.hidden)
    return cells


def test_dla_token_reads_every_number_of_the_report(client, dataset):
    _, clear = make_token(dataset.call.operator, scopes=[TokenScope.INDICATORS])
    response = client.get(
        f"/api/v1/indicators?year=2025&call={dataset.call.public_id}", **bearer(clear)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secrecy"] is False
    assert _cells(body) == _expected(dataset.call, secrecy=False)
    # a known cell of the hand-built data set (tests/reporting/helpers.py)
    assert any(not hidden for (_v, _t, hidden) in _cells(body).values())


def test_funder_token_reads_under_statistical_secrecy(client, dataset):
    funder = make_funder(dataset.call)
    organisation = funder.organisations_for(Role.FUNDER)[0]
    _, clear = make_token(dataset.call.operator, funder=organisation)
    body = client.get("/api/v1/indicators?year=2025", **bearer(clear)).json()
    assert body["secrecy"] is True
    assert body["calls"] == [str(dataset.call.public_id)]
    assert _cells(body) == _expected(dataset.call, secrecy=True)
    assert any(hidden for (_v, _t, hidden) in _cells(body).values())
    # a hidden cell never carries its number
    assert all(value is None for (value, _t, hidden) in _cells(body).values() if hidden)


def test_dla_token_may_ask_the_funder_version(client, dataset):
    _, clear = make_token(dataset.call.operator, scopes=[TokenScope.INDICATORS])
    body = client.get("/api/v1/indicators?year=2025&diffusion=true", **bearer(clear)).json()
    assert body["secrecy"] is True
    assert _cells(body) == _expected(dataset.call, secrecy=True)


def test_funder_token_reads_only_the_calls_it_funds(client, dataset):
    other, _cohort = next_edition(dataset)
    Call.objects.filter(pk=other.pk).update(is_published=True)
    funder = make_funder(dataset.call)
    organisation = funder.organisations_for(Role.FUNDER)[0]
    _, clear = make_token(dataset.call.operator, funder=organisation)
    body = client.get("/api/v1/indicators", **bearer(clear)).json()
    assert body["calls"] == [str(dataset.call.public_id)]
    response = client.get(f"/api/v1/indicators?call={other.public_id}", **bearer(clear))
    assert response.status_code == 404


def test_funder_token_reads_nothing_else(client, dataset):
    funder = make_funder(dataset.call)
    organisation = funder.organisations_for(Role.FUNDER)[0]
    token, clear = make_token(dataset.call.operator, funder=organisation, scopes=["applications"])
    assert token.scopes == ["indicators"]
    for path in ("/api/v1/applications", "/api/v1/cohorts", "/api/v1/followups"):
        assert client.get(path, **bearer(clear)).status_code == 404


def test_bad_year_is_a_french_400(client, dataset):
    _, clear = make_token(dataset.call.operator, scopes=[TokenScope.INDICATORS])
    response = client.get("/api/v1/indicators?year=1900", **bearer(clear))
    assert response.status_code == 400 and "année" in response.json()["detail"]
