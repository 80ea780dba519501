"""Form-level checks of the French identifiers a structure gives: SIRET and RNA.

Each function returns the normalised value or raises a ``ValidationError`` whose French message
tells the representative what to fix, and whose ``code`` tells tests which rule failed.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

SIRET_LENGTH = 14
RNA_LENGTH = 10  # "W" followed by 9 characters

# Separators people type or paste: spaces (including non-breaking and thin ones) and dots.
_SEPARATORS = re.compile(r"[\s.]")
_DIGITS = re.compile(r"[0-9]*")
_RNA_BODY = re.compile(r"[0-9A-Z]*")


def _compact(value: str | None) -> str:
    return _SEPARATORS.sub("", value or "")


def clean_siret(value: str) -> str:
    """Return the SIRET as 14 digits, or raise a ``ValidationError`` saying what is wrong.

    La Poste's establishments (SIREN 356000000) follow their own checksum rule; stdnum knows it.
    """
    number = _compact(value)
    if not number:
        raise ValidationError(
            "Saisissez le numéro SIRET de la structure (14 chiffres).", code="siret_required"
        )
    if not _DIGITS.fullmatch(number):
        raise ValidationError(
            "Le SIRET ne contient que des chiffres : retirez les lettres et les autres "
            "caractères (seuls les espaces et les points sont acceptés comme séparateurs).",
            code="siret_characters",
        )
    if len(number) != SIRET_LENGTH:
        raise ValidationError(
            "Le SIRET compte 14 chiffres ; vous en avez saisi %(count)s.",
            code="siret_length",
            params={"count": len(number)},
        )
    try:
        stdnum_siret.validate(number)
    except StdnumError as error:
        raise ValidationError(
            "Ce numéro SIRET n'est pas valide : vérifiez les chiffres (clé de contrôle).",
            code="siret_checksum",
        ) from error
    return number


def format_siret(value: str) -> str:
    """Group a SIRET for display: « 123 456 789 00012 ». Anything else is returned unchanged."""
    number = _compact(value)
    if len(number) != SIRET_LENGTH or not _DIGITS.fullmatch(number):
        return value
    return f"{number[0:3]} {number[3:6]} {number[6:9]} {number[9:]}"


def clean_rna(value: str | None) -> str:
    """Return the RNA number in upper case, or "" when none is given.

    An RNA number is "W" followed by 9 characters, digits in general; Corsican ones carry the
    département (``W2B…``), so letters are accepted after the W. There is no checksum.
    Associations of Alsace-Moselle are registered by a court and have none.
    """
    number = _compact(value).upper()
    if not number:
        return ""
    if not number.startswith("W"):
        raise ValidationError(
            "Le numéro RNA commence par la lettre W, suivie de 9 caractères "
            "(par exemple W442001234).",
            code="rna_prefix",
        )
    if not _RNA_BODY.fullmatch(number[1:]):
        raise ValidationError(
            "Après la lettre W, le numéro RNA ne contient que des chiffres et, en Corse, "
            "des lettres (par exemple W2B1234567).",
            code="rna_characters",
        )
    if len(number) != RNA_LENGTH:
        raise ValidationError(
            "Le numéro RNA compte 10 caractères (W puis 9 chiffres ou lettres) ; "
            "vous en avez saisi %(count)s.",
            code="rna_length",
            params={"count": len(number)},
        )
    return number


def fictitious_siret(index: int) -> str:
    """The ``index``-th SIRET that passes both Luhn checks but belongs to nobody: a SIREN « 99 »
    followed by 6 digits, then an establishment number from 0001 upwards. Distinct for every
    index below 99,000,000 (demo data, tests, benchmarks)."""
    from stdnum import luhn

    siren_base = f"99{index % 1_000_000:06d}"
    siren = siren_base + luhn.calc_check_digit(siren_base)
    establishment = siren + f"{index // 1_000_000 + 1:04d}"
    return establishment + luhn.calc_check_digit(establishment)
