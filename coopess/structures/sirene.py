"""Look a SIRET up in the public *API Recherche d'entreprises* to prefill a structure.

The API is open (no key, about 7 requests per second, 429 beyond). A search by SIRET
(``/search?q=<siret>``) returns the legal unit with the searched establishment alone in
``matching_etablissements``. The call is made once, with a short deadline, and never raises:
when the API cannot answer, the representative types the information in and the lookup is
retried later in the background.

Settings: ``SIRENE_API_URL`` (the search endpoint) and ``SIRENE_API_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from time import monotonic
from typing import Any, Literal

import httpx
from django.conf import settings
from stdnum.fr import siret as stdnum_siret

from coopess.structures.geography import departement_from_commune, region_of_departement
from coopess.structures.nomenclatures import (
    legal_category_label,
    legal_form_from_category,
    staff_band_label,
)

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://recherche-entreprises.api.gouv.fr/search"
DEFAULT_TIMEOUT = 3.0
USER_AGENT = "CoopESS"
MAX_BODY_BYTES = 2_000_000

LookupStatus = Literal["found", "not_found", "unavailable"]

MESSAGES: dict[str, str] = {
    "found": (
        "Informations trouvées dans le répertoire des entreprises : "
        "vérifiez-les et corrigez si besoin."
    ),
    "not_found": (
        "Aucun établissement ne correspond à ce SIRET dans le répertoire public. "
        "Vous pouvez continuer en saisissant les informations vous-même."
    ),
    "unavailable": (
        "Le répertoire public des entreprises ne répond pas pour le moment. "
        "Continuez en saisissant les informations vous-même : "
        "nous réessaierons plus tard automatiquement."
    ),
}


@dataclass(frozen=True)
class CompanyRecord:
    """What the directory says about one establishment and its legal unit.

    Address fields come from the establishment whose SIRET was searched, which is not
    necessarily the head office. Serialise with ``dataclasses.asdict``.
    """

    siret: str
    siren: str
    name: str
    address: str  # street part only: postal code and commune are separate fields
    postal_code: str
    commune: str
    commune_code: str  # INSEE code of the commune, e.g. "44109" for Nantes
    departement: str | None  # derived from commune_code, never from postal_code
    region_code: str | None
    naf_code: str
    legal_category_code: str
    legal_category_label: str | None
    legal_form: str
    staff_band: str
    staff_band_label: str | None
    staff_band_year: int | None
    is_ess: bool | None
    rna: str
    is_active: bool


@dataclass(frozen=True)
class LookupResult:
    status: LookupStatus
    record: CompanyRecord | None
    message: str


class _Unavailable(Exception):
    """The directory did not give a usable answer; the reason is for the logs."""


def lookup_siret(siret: str) -> LookupResult:
    """Look an establishment up by SIRET. Never raises."""
    number = stdnum_siret.compact(siret or "")
    if not stdnum_siret.is_valid(number):
        return _result("not_found")
    try:
        payload = json.loads(_fetch(number))
        record = _find_record(payload, number)
    except _Unavailable as error:
        logger.warning("Company directory unavailable for SIRET %s: %s", number, error)
        return _result("unavailable")
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        logger.warning(
            "Company directory sent an unreadable answer for SIRET %s: %r", number, error
        )
        return _result("unavailable")
    except Exception:  # a prefill must never break the representative's page
        logger.exception("Unexpected failure looking up SIRET %s", number)
        return _result("unavailable")
    if record is None:
        return _result("not_found")
    return _result("found", record)


def _result(status: LookupStatus, record: CompanyRecord | None = None) -> LookupResult:
    return LookupResult(status=status, record=record, message=MESSAGES[status])


def _fetch(number: str) -> bytes:
    """The raw body of a 200 answer, read within the deadline, or ``_Unavailable``.

    httpx bounds each network phase, not the whole exchange: the deadline is checked again
    while the body arrives, so a slow trickle cannot hold the representative's page.
    """
    url = getattr(settings, "SIRENE_API_URL", DEFAULT_API_URL)
    timeout = float(getattr(settings, "SIRENE_API_TIMEOUT", DEFAULT_TIMEOUT))
    deadline = monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    try:
        with httpx.stream(
            "GET", url, params={"q": number}, headers=headers, timeout=timeout
        ) as response:
            if response.status_code != httpx.codes.OK:
                raise _Unavailable(f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if monotonic() > deadline:
                    raise _Unavailable(f"no complete answer within {timeout} s")
                if len(body) > MAX_BODY_BYTES:
                    raise _Unavailable("answer too large")
            return bytes(body)
    except httpx.TimeoutException as error:
        raise _Unavailable(f"timeout ({type(error).__name__})") from error
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise _Unavailable(f"{type(error).__name__}: {error}") from error


def _find_record(payload: dict[str, Any], number: str) -> CompanyRecord | None:
    """The record of the establishment whose SIRET is ``number``, if the answer holds it."""
    for unit in payload["results"] or []:
        establishments = [*(unit.get("matching_etablissements") or []), unit.get("siege") or {}]
        for establishment in establishments:
            if _text(establishment.get("siret")) == number:
                return _record(unit, establishment)
    return None


def _record(unit: dict[str, Any], establishment: dict[str, Any]) -> CompanyRecord:
    complements = unit.get("complements") or {}
    commune_code = _text(establishment.get("commune"))
    departement = departement_from_commune(commune_code)
    category = _text(unit.get("nature_juridique"))
    staff_band = _text(unit.get("tranche_effectif_salarie"))
    return CompanyRecord(
        siret=_text(establishment.get("siret")),
        siren=_text(unit.get("siren")),
        name=_text(unit.get("nom_complet")),
        address=_street(establishment),
        postal_code=_text(establishment.get("code_postal")),
        commune=_text(establishment.get("libelle_commune")),
        commune_code=commune_code,
        departement=departement,
        region_code=region_of_departement(departement)
        or _text(establishment.get("region"))
        or None,
        naf_code=_text(unit.get("activite_principale") or establishment.get("activite_principale")),
        legal_category_code=category,
        legal_category_label=legal_category_label(category),
        legal_form=legal_form_from_category(category),
        staff_band=staff_band,
        staff_band_label=staff_band_label(staff_band),
        staff_band_year=_year(unit.get("annee_tranche_effectif_salarie")),
        is_ess=_bool_or_none(complements.get("est_ess")),
        rna=_text(complements.get("identifiant_association")).upper(),
        is_active=_is_active(unit, establishment),
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _year(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _street(establishment: dict[str, Any]) -> str:
    """The establishment's address without its trailing « postal code + commune »."""
    address = _text(establishment.get("adresse"))
    suffix = " ".join(
        part
        for part in (
            _text(establishment.get("code_postal")),
            _text(establishment.get("libelle_commune")),
        )
        if part
    )
    if suffix and address.endswith(suffix):
        address = address[: -len(suffix)].strip()
    return address


def _is_active(unit: dict[str, Any], establishment: dict[str, Any]) -> bool:
    """Active unless the legal unit has ceased ("C") or the establishment has closed ("F")."""
    unit_state = _text(unit.get("etat_administratif")) or "A"
    establishment_state = _text(establishment.get("etat_administratif")) or unit_state
    return unit_state == "A" and establishment_state == "A"
