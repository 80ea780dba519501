"""French départements and regions (INSEE codes), read from ``data/*.csv``.

A structure's département comes from its INSEE commune code, never from its postal code: some
communes carry a neighbouring département's postal code (a commune that changed département
through a merger usually keeps its old postal code).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str
    region_name: str


@functools.cache
def departements() -> dict[str, Departement]:
    """The 101 départements by code, in INSEE order (01… 19, 2A, 2B, 21… 95, 971… 976)."""
    with (DATA_DIR / "departements.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Departement(**row) for row in csv.DictReader(handle)}


@functools.cache
def regions() -> dict[str, str]:
    """Region names by INSEE region code."""
    with (DATA_DIR / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def departement_from_commune(insee_code: str | None) -> str | None:
    """The département of an INSEE commune code (« 44109 » → « 44 »), or None if unknown.

    Corsican communes start with 2A or 2B; overseas ones with three digits (974xx → 974).
    Codes outside the 101 départements (overseas collectivities such as 975, 977, 978)
    give None.
    """
    code = (insee_code or "").strip().upper()
    if len(code) != 5:
        return None
    candidate = code[:3] if code.startswith("97") else code[:2]
    return candidate if candidate in departements() else None


def departement_name(code: str | None) -> str | None:
    departement = departements().get((code or "").upper())
    return departement.name if departement else None


def region_of_departement(code: str | None) -> str | None:
    departement = departements().get((code or "").upper())
    return departement.region_code if departement else None


def region_name(code: str | None) -> str | None:
    return regions().get(code or "")


def departements_of_region(region_code: str) -> list[str]:
    """The codes of a region's départements, in INSEE order (« 52 » → 44, 49, 53, 72, 85)."""
    return [d.code for d in departements().values() if d.region_code == region_code]


def _choices() -> list[tuple[str, str]]:
    return [(d.code, f"{d.code} — {d.name}") for d in departements().values()]


DEPARTEMENT_CHOICES: list[tuple[str, str]] = _choices()
