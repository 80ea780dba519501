"""A call's follow-up offsets (months after the support): a list of 1 to 4 strictly increasing
whole numbers between 1 and 60, set in « Gestion des appels », [6, 12] for the seed call."""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.calls.models import Call, validate_follow_up_offsets
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, add_totp, make_seed_call, make_user


@pytest.mark.parametrize("offsets", [[6, 12], [3, 9, 18], [1], [1, 2, 3, 60]])
def test_valid_lists(offsets):
    validate_follow_up_offsets(offsets)


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ([], "Indiquez au moins une échéance de suivi"),
        ("6, 12", "Indiquez au moins une échéance de suivi"),
        ([6, 12, 18, 24, 36], "Au plus 4 échéances de suivi"),
        ([0, 6], "entre 1 et 60 mois (0 ne l'est pas)"),
        ([6, 61], "entre 1 et 60 mois (61 ne l'est pas)"),
        ([6, "12"], "nombre entier de mois"),
        ([6, 12.5], "nombre entier de mois"),
        ([True], "nombre entier de mois"),
        ([12, 6], "ordre croissant, sans doublon"),
        ([6, 6], "ordre croissant, sans doublon"),
    ],
)
def test_invalid_lists_are_refused_in_french(offsets, message):
    with pytest.raises(ValidationError) as error:
        validate_follow_up_offsets(offsets)
    assert message in " ".join(error.value.messages)


@pytest.mark.django_db
def test_the_seed_call_follows_up_at_6_months_and_1_year():
    call = make_seed_call()
    assert call.follow_up_offsets == [6, 12]
    assert call.follow_up_months == 12  # still the length of the follow-up (calendar)


@pytest.mark.django_db
def test_call_data_with_invalid_offsets_is_refused():
    with pytest.raises(ValidationError, match="Au plus 4"):
        make_seed_call(follow_up_offsets=[1, 2, 3, 4, 5])
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_form_of_gestion_des_appels_refuses_an_invalid_list():
    call = make_seed_call()
    CallForm = forms.modelform_factory(Call, fields=["follow_up_offsets"])
    form = CallForm(data={"follow_up_offsets": "[12, 6]"}, instance=call)
    assert not form.is_valid()
    assert "ordre croissant" in str(form.errors["follow_up_offsets"])
    form = CallForm(data={"follow_up_offsets": "[3, 9, 18]"}, instance=call)
    assert form.is_valid(), form.errors
    form.save()
    call.refresh_from_db()
    assert call.follow_up_offsets == [3, 9, 18]


@pytest.mark.django_db
def test_the_officer_edits_the_offsets_in_gestion_des_appels(client):
    operator = OrganisationFactory()
    officer = make_user(Role.OFFICER, organisation=operator)
    add_totp(officer)
    call = make_seed_call(operator=operator, slug="appel-suivis")
    sign_in(client, officer)
    page = client.get(reverse("gestion:calls_call_change", args=[call.pk])).content.decode()
    assert 'name="follow_up_offsets"' in page
    assert "chéances des suivis" in page


@pytest.mark.django_db
def test_the_migration_keeps_each_calls_former_followups():
    migration = importlib.import_module("coopess.calls.migrations.0004_call_follow_up_offsets")
    first, second = make_seed_call(slug="appel-12"), make_seed_call(slug="appel-18")
    Call.objects.filter(pk=first.pk).update(follow_up_offsets=[], follow_up_months=12)
    Call.objects.filter(pk=second.pk).update(follow_up_offsets=[], follow_up_months=18)
    migration.offsets_from_duration(apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.follow_up_offsets, second.follow_up_offsets) == ([6, 12], [9, 18])
