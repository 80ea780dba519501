"""Retention is set per call in « Gestion des appels »."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.calls.models import Call
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, add_totp, make_seed_call, make_user

pytestmark = pytest.mark.django_db


def test_a_new_call_keeps_two_years_and_one_year():
    call = make_seed_call()
    assert (call.retention_not_retained_months, call.retention_accompanied_months) == (24, 12)


def test_retention_cannot_be_zero():
    call = make_seed_call()
    with pytest.raises(IntegrityError):
        Call.objects.filter(pk=call.pk).update(retention_accompanied_months=0)


def test_the_officer_edits_retention_in_call_management(client):
    operator = OrganisationFactory()
    officer = make_user(Role.OFFICER, organisation=operator)
    add_totp(officer)
    call = make_seed_call(operator=operator, slug="appel-du-dla")
    sign_in(client, officer)
    url = reverse("gestion:calls_call_change", args=[call.pk])
    content = client.get(url).content.decode()
    assert "Données personnelles (durées de conservation)" in content
    assert 'name="retention_not_retained_months"' in content
    assert 'for="id_retention_accompanied_months"' in content
