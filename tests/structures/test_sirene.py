"""The company directory lookup, against recorded answers: no request leaves the process.

The files in ``recorded/`` follow the shape of the API's OpenAPI description (the search
endpoint of annuaire-entreprises-data-gouv-fr/search-api); every name and number in them is
fictitious, the SIRETs being merely checksum-valid.
"""

import copy
import json
import logging
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest

from coopess.structures import sirene
from coopess.structures.sirene import MESSAGES, CompanyRecord, LookupResult, lookup_siret

RECORDED = Path(__file__).parent / "recorded"
API_URL = sirene.DEFAULT_API_URL

ASSOCIATION_SIRET = "99244001600010"
COOPERATIVE_HEAD_OFFICE = "99249002900012"
COOPERATIVE_LE_MANS = "99249002900038"
UNKNOWN_SIRET = "99285003200010"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def response(answer: dict) -> httpx.Response:
    kwargs = {"json": answer["json"]} if "json" in answer else {"text": answer["text"]}
    return httpx.Response(answer["status_code"], headers=answer.get("headers"), **kwargs)


@pytest.fixture
def api(respx_mock):
    """Serve a recorded answer for a SIRET; return the route to inspect its calls."""

    def serve(name: str, siret: str, *, url: str = API_URL):
        return respx_mock.get(url, params={"q": siret}).mock(return_value=response(recorded(name)))

    return serve


def test_association_in_nantes_is_found(api):
    route = api("found_association_nantes.json", ASSOCIATION_SIRET)

    result = lookup_siret(ASSOCIATION_SIRET)

    assert route.call_count == 1
    assert result.status == "found"
    assert result.message == (
        "Informations trouvées dans le répertoire des entreprises : "
        "vérifiez-les et corrigez si besoin."
    )
    assert result.record == CompanyRecord(
        siret=ASSOCIATION_SIRET,
        siren="992440016",
        name="ASSOCIATION LES JARDINS PARTAGES (FICTIVE)",
        address="12 RUE DES JARDINIERS",
        postal_code="44000",
        commune="NANTES",
        commune_code="44109",
        departement="44",
        region_code="52",
        naf_code="94.99Z",
        legal_category_code="9220",
        legal_category_label="Association déclarée",
        legal_form="association",
        staff_band="03",
        staff_band_label="6 à 9 salariés",
        staff_band_year=2022,
        is_ess=True,
        rna="W442001234",
        is_active=True,
    )


def test_request_identifies_coopess_and_sends_the_bare_siret(api):
    route = api("found_association_nantes.json", ASSOCIATION_SIRET)

    lookup_siret("992 440 016 00010")

    request = route.calls.last.request
    assert request.headers["User-Agent"] == "CoopESS"
    assert request.url.params["q"] == ASSOCIATION_SIRET


def test_record_is_json_serialisable(api):
    api("found_association_nantes.json", ASSOCIATION_SIRET)

    record = lookup_siret(ASSOCIATION_SIRET).record

    assert json.loads(json.dumps(asdict(record))) == asdict(record)


def test_address_comes_from_the_matching_establishment_not_the_head_office(api):
    api("found_other_establishment.json", COOPERATIVE_LE_MANS)

    record = lookup_siret(COOPERATIVE_LE_MANS).record

    assert record.siret == COOPERATIVE_LE_MANS
    assert (record.address, record.postal_code, record.commune) == (
        "45 AVENUE DES CYCLES",
        "72000",
        "LE MANS",
    )
    assert (record.commune_code, record.departement, record.region_code) == ("72181", "72", "52")
    # The legal unit's figures describe the structure as a whole.
    assert (record.naf_code, record.staff_band, record.staff_band_year) == ("33.17Z", "12", 2021)
    assert record.legal_form == "cooperative"
    assert record.legal_category_label == "SARL coopérative de production (SCOP)"
    assert record.rna == ""
    assert record.is_ess is True


def test_head_office_siret_is_matched_through_the_siege(respx_mock):
    # Should an answer list no matching establishment, the head office still matches.
    answer = recorded("found_other_establishment.json")
    answer["json"]["results"][0]["matching_etablissements"] = []
    respx_mock.get(API_URL).mock(return_value=response(answer))

    record = lookup_siret(COOPERATIVE_HEAD_OFFICE).record

    assert (record.siret, record.commune, record.departement) == (
        COOPERATIVE_HEAD_OFFICE,
        "ANGERS",
        "49",
    )


def test_departement_follows_the_commune_code_not_the_postal_code(respx_mock):
    answer = recorded("found_association_nantes.json")
    establishment = answer["json"]["results"][0]["matching_etablissements"][0]
    # A commune of Loire-Atlantique that kept a Maine-et-Loire postal code.
    establishment.update(code_postal="49440", adresse="12 RUE DES JARDINIERS 49440 NANTES")
    respx_mock.get(API_URL).mock(return_value=response(answer))

    record = lookup_siret(ASSOCIATION_SIRET).record

    assert (record.postal_code, record.departement) == ("49440", "44")
    assert record.address == "12 RUE DES JARDINIERS"


def test_closed_establishment_is_found_but_inactive(respx_mock):
    answer = recorded("found_other_establishment.json")
    answer["json"]["results"][0]["matching_etablissements"][0]["etat_administratif"] = "F"
    respx_mock.get(API_URL).mock(return_value=response(answer))

    result = lookup_siret(COOPERATIVE_LE_MANS)

    assert result.status == "found"
    assert result.record.is_active is False


def test_missing_complements_leave_ess_and_rna_unknown(respx_mock):
    answer = copy.deepcopy(recorded("found_association_nantes.json"))
    del answer["json"]["results"][0]["complements"]
    respx_mock.get(API_URL).mock(return_value=response(answer))

    record = lookup_siret(ASSOCIATION_SIRET).record

    assert (record.is_ess, record.rna) == (None, "")


def test_empty_results_mean_not_found(api):
    api("not_found.json", UNKNOWN_SIRET)

    result = lookup_siret(UNKNOWN_SIRET)

    assert result == LookupResult(status="not_found", record=None, message=MESSAGES["not_found"])
    assert result.message.startswith("Aucun établissement ne correspond à ce SIRET")


def test_a_result_for_another_establishment_is_not_a_match(api):
    # The association's answer does not hold the cooperative's SIRET.
    api("found_association_nantes.json", COOPERATIVE_LE_MANS)

    assert lookup_siret(COOPERATIVE_LE_MANS).status == "not_found"


def test_invalid_siret_is_not_sent(respx_mock):
    route = respx_mock.get(API_URL)

    result = lookup_siret("99244001600011")

    assert result.status == "not_found"
    assert not route.called


UNAVAILABLE_MESSAGE = (
    "Le répertoire public des entreprises ne répond pas pour le moment. Continuez en "
    "saisissant les informations vous-même : nous réessaierons plus tard automatiquement."
)


@pytest.mark.parametrize("name", ["server_error.json", "rate_limited.json"])
def test_server_errors_and_rate_limits_mean_unavailable(api, name, caplog):
    route = api(name, ASSOCIATION_SIRET)

    with caplog.at_level(logging.WARNING, logger="coopess.structures.sirene"):
        result = lookup_siret(ASSOCIATION_SIRET)

    assert route.call_count == 1  # no retry within the call
    assert result == LookupResult(status="unavailable", record=None, message=UNAVAILABLE_MESSAGE)
    assert f"HTTP {recorded(name)['status_code']}" in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("name resolution failed"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
def test_network_failures_mean_unavailable(respx_mock, error):
    route = respx_mock.get(API_URL).mock(side_effect=error)

    result = lookup_siret(ASSOCIATION_SIRET)

    assert route.call_count == 1
    assert result.status == "unavailable"
    assert result.record is None


def test_malformed_json_means_unavailable_and_is_logged(api, caplog):
    api("malformed_json.json", ASSOCIATION_SIRET)

    with caplog.at_level(logging.WARNING, logger="coopess.structures.sirene"):
        result = lookup_siret(ASSOCIATION_SIRET)

    assert result.status == "unavailable"
    assert "unreadable answer" in caplog.text
    assert ASSOCIATION_SIRET in caplog.text


@pytest.mark.parametrize("body", [[], {"total_results": 0}, {"results": [42]}, "null"])
def test_unexpected_json_shapes_mean_unavailable(respx_mock, body):
    respx_mock.get(API_URL).mock(return_value=httpx.Response(200, json=body))

    assert lookup_siret(ASSOCIATION_SIRET).status == "unavailable"


def test_answer_arriving_after_the_deadline_means_unavailable(api, monkeypatch):
    api("found_association_nantes.json", ASSOCIATION_SIRET)
    clock = iter([100.0, 104.0])  # request sent at 100 s, body read at 104 s: past 3 s
    monkeypatch.setattr(sirene, "monotonic", lambda: next(clock))

    assert lookup_siret(ASSOCIATION_SIRET).status == "unavailable"


def test_answer_within_the_deadline_is_read(api, monkeypatch):
    api("found_association_nantes.json", ASSOCIATION_SIRET)
    clock = iter([100.0, 102.9])
    monkeypatch.setattr(sirene, "monotonic", lambda: next(clock))

    assert lookup_siret(ASSOCIATION_SIRET).status == "found"


@pytest.fixture
def stream_calls(monkeypatch):
    """Record the URL and timeout each request is sent with."""
    calls = []
    real_stream = httpx.stream

    def spy(method, url, **kwargs):
        calls.append({"url": url, "timeout": kwargs["timeout"]})
        return real_stream(method, url, **kwargs)

    monkeypatch.setattr(sirene.httpx, "stream", spy)
    return calls


def test_url_and_timeout_come_from_settings(api, settings, stream_calls):
    settings.SIRENE_API_URL = "https://annuaire.example.test/search"
    settings.SIRENE_API_TIMEOUT = 1.5
    route = api("found_association_nantes.json", ASSOCIATION_SIRET, url=settings.SIRENE_API_URL)

    assert lookup_siret(ASSOCIATION_SIRET).status == "found"
    assert route.called
    assert stream_calls == [{"url": "https://annuaire.example.test/search", "timeout": 1.5}]


def test_defaults_are_the_public_api_and_three_seconds(api, settings, stream_calls):
    for name in ("SIRENE_API_URL", "SIRENE_API_TIMEOUT"):
        if hasattr(settings, name):
            delattr(settings, name)
    api("found_association_nantes.json", ASSOCIATION_SIRET)

    lookup_siret(ASSOCIATION_SIRET)

    assert stream_calls == [
        {"url": "https://recherche-entreprises.api.gouv.fr/search", "timeout": 3.0}
    ]


def test_an_unexpected_failure_still_returns_unavailable(api, monkeypatch, caplog):
    api("found_association_nantes.json", ASSOCIATION_SIRET)

    def broken(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(sirene, "_record", broken)

    with caplog.at_level(logging.ERROR, logger="coopess.structures.sirene"):
        result = lookup_siret(ASSOCIATION_SIRET)

    assert result.status == "unavailable"
    assert "Unexpected failure" in caplog.text
