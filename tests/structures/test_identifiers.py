import pytest
from django.core.exceptions import ValidationError

from coopess.structures.identifiers import clean_rna, clean_siret, format_siret

# Fictitious, checksum-valid numbers (computed with stdnum's Luhn).
SIRET = "99244001600010"
LA_POSTE_HEAD_OFFICE = "35600000000048"
# La Poste's establishments do not follow Luhn: their digits add up to a multiple of 5.
LA_POSTE_ESTABLISHMENT = "35600000000010"


def error_of(clean, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean(value)
    return caught.value


@pytest.mark.parametrize(
    "typed",
    [
        SIRET,
        "992 440 016 00010",
        "992.440.016.00010",
        " 99244001600010 ",
        "992\u00a0440\u202f016 00010",
    ],
)
def test_siret_separators_are_accepted(typed):
    assert clean_siret(typed) == SIRET


def test_siret_with_a_wrong_check_digit_is_refused():
    error = error_of(clean_siret, "99244001600011")
    assert error.code == "siret_checksum"
    assert error.messages == [
        "Ce numéro SIRET n'est pas valide : vérifiez les chiffres (clé de contrôle)."
    ]


@pytest.mark.parametrize(("typed", "count"), [("9924400160001", 13), ("992440016000100", 15)])
def test_siret_of_the_wrong_length_says_how_many_digits_were_typed(typed, count):
    error = error_of(clean_siret, typed)
    assert error.code == "siret_length"
    assert error.messages == [f"Le SIRET compte 14 chiffres ; vous en avez saisi {count}."]


@pytest.mark.parametrize(
    "typed", ["99244001600O10", "992-440-016-00010", "SIRET 99244001600010", "²"]
)
def test_siret_with_letters_or_other_characters_is_refused(typed):
    error = error_of(clean_siret, typed)
    assert error.code == "siret_characters"
    assert error.messages[0].startswith("Le SIRET ne contient que des chiffres : ")


def test_characters_are_reported_before_length():
    # "ABC" is both too short and not digits: the character rule is the useful one.
    assert error_of(clean_siret, "ABC").code == "siret_characters"


def test_empty_siret_is_refused():
    assert error_of(clean_siret, "  ").code == "siret_required"


@pytest.mark.parametrize("number", [LA_POSTE_HEAD_OFFICE, LA_POSTE_ESTABLISHMENT])
def test_la_poste_exception_is_accepted(number):
    assert clean_siret(number) == number


def test_la_poste_establishment_must_still_sum_to_a_multiple_of_five():
    assert error_of(clean_siret, "35600000000011").code == "siret_checksum"


def test_format_siret_groups_the_digits():
    assert format_siret("99244001600010") == "992 440 016 00010"
    assert format_siret("992.440.016.00010") == "992 440 016 00010"


def test_format_siret_leaves_anything_else_alone():
    assert format_siret("12345") == "12345"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("W442001234", "W442001234"),
        ("w442001234", "W442001234"),
        (" W44 200 1234 ", "W442001234"),
        ("W2B1002345", "W2B1002345"),  # Corsica: the département code carries a letter
        ("w2a1002345", "W2A1002345"),
    ],
)
def test_valid_rna_is_normalised(typed, expected):
    assert clean_rna(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_rna_may_be_left_empty(typed):
    # Alsace-Moselle associations are registered by a court and have no RNA number.
    assert clean_rna(typed) == ""


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("442001234", "rna_prefix"),
        ("X442001234", "rna_prefix"),
        ("W44200123", "rna_length"),
        ("W4420012345", "rna_length"),
        ("W44-200-1234", "rna_characters"),
        ("W44200123é", "rna_characters"),
    ],
)
def test_invalid_rna_is_refused(typed, code):
    error = error_of(clean_rna, typed)
    assert error.code == code
    assert error.messages[0].startswith(("Le numéro RNA", "Après la lettre W"))


def test_rna_length_message_counts_the_characters():
    assert error_of(clean_rna, "W44200123").messages == [
        "Le numéro RNA compte 10 caractères (W puis 9 chiffres ou lettres) ; vous en avez saisi 9."
    ]


def test_fictitious_sirets_are_valid_distinct_and_nobodys():
    from coopess.structures.identifiers import clean_siret, fictitious_siret

    indexes = [0, 1, 2, 999_999, 1_000_000, 1_000_001, 5_432_109, 98_999_999]
    sirets = [fictitious_siret(i) for i in indexes]
    assert [clean_siret(s) for s in sirets] == sirets
    assert len(set(sirets)) == len(sirets)
    assert all(s.startswith("99") for s in sirets)
