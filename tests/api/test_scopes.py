"""Every endpoint × every kind of token: what it may read answers 200, anything else 404
(401 without a usable token; the public calls answer everyone)."""

import pytest

from coopess.accounts.models import OrganisationKind
from tests.api.helpers import bearer, make_token
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    # path template -> scope it needs (None: public)
    "/api/v1/calls": None,
    "/api/v1/calls/{call}": None,
    "/api/v1/applications": "applications",
    "/api/v1/applications/{application}": "applications",
    "/api/v1/cohorts": "support",
    "/api/v1/cohorts/{cohort}": "support",
    "/api/v1/followups": "support",
    "/api/v1/indicators": "indicators",
}
TOKENS = ["calls", "applications", "support", "indicators", "funder", "other_dla", "none"]
DETAIL = ("{application}", "{cohort}")


def expected(path: str, kind: str) -> int:
    scope = ENDPOINTS[path]
    if scope is None:
        return 200
    if kind == "none":
        return 401
    if kind == "other_dla":
        # another DLA's token (calls, applications, support) reads its own, empty, lists; our
        # objects are not found, and it has no indicators scope
        return 200 if scope != "indicators" and not any(d in path for d in DETAIL) else 404
    if kind == "funder":
        return 200 if scope == "indicators" else 404
    return 200 if kind == scope else 404


@pytest.mark.parametrize("kind", TOKENS)
def test_every_endpoint_for_every_token(client, setup, settings, kind):
    settings.COOPESS_REPORT_CACHE_SECONDS = 0
    operator = setup.call.operator
    if kind == "funder":
        funder = OrganisationFactory(kind=OrganisationKind.FUNDER)
        setup.call.funders.add(funder)
        _, clear = make_token(operator, funder=funder)
    elif kind == "other_dla":
        _, clear = make_token(OrganisationFactory(), scopes=["calls", "applications", "support"])
    elif kind != "none":
        _, clear = make_token(operator, scopes=[kind])
    headers = bearer(clear) if kind != "none" else {}
    values = {
        "{call}": str(setup.call.public_id),
        "{application}": str(setup.structures[0].application.public_id),
        "{cohort}": str(setup.cohort.public_id),
    }
    failures = []
    for template in ENDPOINTS:
        path = template
        for key, value in values.items():
            path = path.replace(key, value)
        status = client.get(path, **headers).status_code
        if status != expected(template, kind):
            failures.append(f"{kind} {template}: {status}, expected {expected(template, kind)}")
    assert failures == []
