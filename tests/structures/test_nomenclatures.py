from itertools import pairwise

import pytest

from coopess.structures.nomenclatures import (
    LegalForm,
    legal_categories,
    legal_category_label,
    legal_form_from_category,
    staff_band_label,
    staff_bands,
)

REQUIRED_CATEGORIES = [
    "1000", "5458", "5459", "5460", "5499", "5560", "5599", "5710", "5720", "5785",
    "6220", "8210", "8250", "8290", "9210", "9220", "9221", "9222", "9223", "9224",
    "9230", "9240", "9260", "9300",
]  # fmt: skip


@pytest.mark.parametrize("code", REQUIRED_CATEGORIES)
def test_required_legal_categories_are_known(code):
    assert legal_category_label(code)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("9220", "Association déclarée"),
        ("9223", "Groupement d'employeurs"),
        ("9230", "Association déclarée, reconnue d'utilité publique"),
        ("9300", "Fondation"),
        ("6220", "Groupement d'intérêt économique (GIE)"),
        ("5458", "SARL coopérative de production (SCOP)"),
    ],
)
def test_legal_category_labels(code, label):
    assert legal_category_label(code) == label


def test_unknown_legal_category_has_no_label():
    assert legal_category_label("0001") is None
    assert legal_category_label(None) is None


@pytest.mark.parametrize(
    ("code", "form"),
    [
        ("9220", LegalForm.ASSOCIATION),
        ("9221", LegalForm.ASSOCIATION),
        ("9222", LegalForm.ASSOCIATION),
        ("9223", LegalForm.ASSOCIATION),
        ("9230", LegalForm.ASSOCIATION),
        ("9260", LegalForm.ASSOCIATION),  # Alsace-Moselle
        ("5458", LegalForm.COOPERATIVE),
        ("5460", LegalForm.COOPERATIVE),
        ("5560", LegalForm.COOPERATIVE),
        ("5658", LegalForm.COOPERATIVE),
        ("6317", LegalForm.COOPERATIVE),
        ("9300", LegalForm.OTHER),  # a foundation is not an association
        ("9224", LegalForm.OTHER),
        ("8210", LegalForm.OTHER),
        ("6220", LegalForm.OTHER),
        ("1000", LegalForm.OTHER),
        ("5499", LegalForm.OTHER),
        ("5710", LegalForm.OTHER),  # SAS: an ESUS approval is declared, never inferred
        ("7777", LegalForm.OTHER),  # unknown code
        ("", LegalForm.OTHER),
        (None, LegalForm.OTHER),
    ],
)
def test_legal_form_from_category(code, form):
    assert legal_form_from_category(code) == form.value


def test_no_category_is_ever_an_esus_company():
    assert all(c.legal_form != LegalForm.ESUS_COMPANY.value for c in legal_categories().values())


def test_legal_form_is_a_plain_string():
    assert type(legal_form_from_category("9220")) is str


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("01", "1 ou 2 salariés"),
        ("02", "3 à 5 salariés"),
        ("03", "6 à 9 salariés"),
        ("11", "10 à 19 salariés"),
        ("12", "20 à 49 salariés"),
        ("53", "10 000 salariés et plus"),
    ],
)
def test_staff_band_labels(code, label):
    assert staff_band_label(code) == label


def test_all_insee_staff_bands_are_known():
    assert list(staff_bands()) == [
        "NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51",
        "52", "53",
    ]  # fmt: skip
    assert staff_band_label("nn") == staff_band_label("NN")
    assert "non employeuse" in staff_band_label("NN")


def test_staff_bands_have_consistent_bounds():
    bands = list(staff_bands().values())
    assert bands[-1].max_employees is None
    for lower, upper in pairwise(bands[2:]):  # from « 1 ou 2 salariés » on
        assert lower.max_employees + 1 == upper.min_employees


def test_unknown_staff_band_has_no_label():
    assert staff_band_label("99") is None
    assert staff_band_label(None) is None
