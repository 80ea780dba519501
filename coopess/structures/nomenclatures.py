"""INSEE nomenclatures a structure is described with: legal categories and staff bands.

Both live in ``data/*.csv`` so that a new version of INSEE's tables is a data change. The
``legal_form`` column of ``legal_categories.csv`` maps each category onto our legal forms.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from django.db import models

DATA_DIR = Path(__file__).resolve().parent / "data"


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", "Association"
    COOPERATIVE = "cooperative", "Coopérative (SCOP, SCIC…)"
    # ESUS approval is granted by the préfet and appears in no public register: the
    # representative declares it, it is never inferred from the legal category.
    ESUS_COMPANY = "esus_company", "Entreprise agréée ESUS"
    OTHER = "other", "Autre"


@dataclass(frozen=True)
class LegalCategory:
    code: str
    label: str
    legal_form: str
    note: str


@dataclass(frozen=True)
class StaffBand:
    code: str
    label: str
    min_employees: int
    max_employees: int | None


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def legal_categories() -> dict[str, LegalCategory]:
    categories = {row["code"]: LegalCategory(**row) for row in _read("legal_categories.csv")}
    inferable = {LegalForm.ASSOCIATION.value, LegalForm.COOPERATIVE.value, LegalForm.OTHER.value}
    unknown = {c.code for c in categories.values() if c.legal_form not in inferable}
    if unknown:
        raise ValueError(f"legal_categories.csv: unexpected legal_form for {sorted(unknown)}")
    return categories


@functools.cache
def staff_bands() -> dict[str, StaffBand]:
    return {
        row["code"]: StaffBand(
            code=row["code"],
            label=row["label"],
            min_employees=int(row["min_employees"]),
            max_employees=int(row["max_employees"]) if row["max_employees"] else None,
        )
        for row in _read("staff_bands.csv")
    }


def _normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def legal_category_label(code: str | None) -> str | None:
    """INSEE's label of a level-III legal category (« 9220 » → « Association déclarée »)."""
    category = legal_categories().get(_normalise(code))
    return category.label if category else None


def legal_form_from_category(code: str | None) -> str:
    """Our legal form for an INSEE legal category; "other" when unknown.

    Never returns "esus_company": an approved company looks like any other company.
    """
    category = legal_categories().get(_normalise(code))
    return category.legal_form if category else LegalForm.OTHER.value


def staff_band_label(code: str | None) -> str | None:
    """INSEE's label of a staff band (« 02 » → « 3 à 5 salariés »)."""
    band = staff_bands().get(_normalise(code))
    return band.label if band else None
