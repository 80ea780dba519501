import pytest

from coopess.structures import geography
from coopess.structures.geography import (
    DEPARTEMENT_CHOICES,
    departement_from_commune,
    departement_name,
    departements,
    departements_of_region,
    region_name,
    regions,
)


@pytest.mark.parametrize(
    ("commune", "departement"),
    [
        ("44109", "44"),  # Nantes
        ("49007", "49"),  # Angers
        ("01001", "01"),
        ("2A004", "2A"),  # Ajaccio
        ("2b033", "2B"),
        ("97411", "974"),  # La Réunion
        ("97101", "971"),
        ("97611", "976"),  # Mayotte
        ("75115", "75"),  # a Paris arrondissement
    ],
)
def test_departement_comes_from_the_insee_commune_code(commune, departement):
    assert departement_from_commune(commune) == departement


@pytest.mark.parametrize(
    "commune",
    [
        None,
        "",
        "4410",
        "441090",
        "20004",  # Corsica has used 2A/2B since 1976
        "97501",  # Saint-Pierre-et-Miquelon is an overseas collectivity, not a département
        "98735",
    ],
)
def test_unknown_commune_codes_give_no_departement(commune):
    assert departement_from_commune(commune) is None


def test_postal_codes_are_not_commune_codes():
    # Some communes carry a neighbouring département's postal code (often a commune moved to
    # another département by a merger). Only the INSEE commune code says where a structure
    # is: the lookup passes commune_code, never postal_code (see test_sirene).
    # A Corsican postal code starts with 20 and names no département.
    assert departement_from_commune("20000") is None


def test_there_are_101_departements_in_18_regions():
    assert len(departements()) == 101
    assert len(regions()) == 18
    assert {d.region_code for d in departements().values()} == set(regions())
    for departement in departements().values():
        assert departement.region_name == regions()[departement.region_code]


def test_pays_de_la_loire():
    assert region_name("52") == "Pays de la Loire"
    assert departements_of_region("52") == ["44", "49", "53", "72", "85"]
    assert [departement_name(code) for code in departements_of_region("52")] == [
        "Loire-Atlantique",
        "Maine-et-Loire",
        "Mayenne",
        "Sarthe",
        "Vendée",
    ]


def test_corsica_and_overseas():
    assert departements_of_region("94") == ["2A", "2B"]
    assert departement_name("2a") == "Corse-du-Sud"
    assert departement_name("974") == "La Réunion"
    assert departements_of_region("06") == ["976"]
    assert departement_name("20") is None
    assert departement_name(None) is None


def test_region_of_departement():
    assert geography.region_of_departement("85") == "52"
    assert geography.region_of_departement("2B") == "94"
    assert geography.region_of_departement("99") is None


def test_departement_choices_read_like_the_form_expects():
    assert len(DEPARTEMENT_CHOICES) == 101
    assert ("44", "44 — Loire-Atlantique") in DEPARTEMENT_CHOICES
    codes = [code for code, _ in DEPARTEMENT_CHOICES]
    assert codes.index("19") < codes.index("2A") < codes.index("2B") < codes.index("21")
    assert codes[-5:] == ["971", "972", "973", "974", "976"]


def test_csv_is_read_once():
    assert departements() is departements()
    assert regions() is regions()
