"""The public call pages are rendered once and served from the cache until something changes."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from coopess.calls.models import CallSection
from tests.applications.helpers import open_call
from tests.factories import make_seed_call
from tests.text import page_text

pytestmark = pytest.mark.django_db


def test_a_warm_page_runs_no_query(client, django_assert_num_queries):
    call = make_seed_call()
    url = reverse("calls:detail", args=[call.slug])
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    client.get(reverse("calls:list"))
    with django_assert_num_queries(0):
        assert client.get(reverse("calls:list")).status_code == 200


def test_editing_a_part_of_the_call_shows_at_once(client):
    call = make_seed_call()
    url = reverse("calls:detail", args=[call.slug])
    assert "Nouvelle phrase de l'officier." not in page_text(client.get(url).content)
    section = CallSection.objects.filter(call=call).first()
    section.body += "\n\nNouvelle phrase de l'officier."
    section.save()
    assert "Nouvelle phrase de l'officier." in page_text(client.get(url).content)


def test_the_page_changes_phase_at_the_closing_instant_even_when_cached(client):
    call = open_call()
    url = reverse("calls:detail", args=[call.slug])
    before = call.closes_at - dt.timedelta(seconds=1)
    after = call.closes_at + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=before):
        text = page_text(client.get(url).content)
    assert "Candidatures ouvertes" in text and "Candidater" in text
    with mock.patch("django.utils.timezone.now", return_value=after):
        text = page_text(client.get(url).content)
    assert "Sélection en cours" in text and "Candidater" not in text


def test_the_header_is_not_shared_between_visitors(client, django_user_model):
    from coopess.accounts.models import Role
    from tests.conftest import sign_in
    from tests.factories import make_user

    call = make_seed_call()
    url = reverse("calls:detail", args=[call.slug])
    client.get(url)  # cached by an anonymous visit
    user = make_user(Role.APPLICANT)
    sign_in(client, user)
    assert "Se déconnecter" in page_text(client.get(url).content)


def test_the_blank_form_pdf_is_built_once_per_version(client, django_assert_num_queries):
    call = make_seed_call()
    url = reverse("apply:blank_form", args=[call.slug])
    first = client.get(url)
    assert first["Content-Type"] == "application/pdf"
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content
    question = call.questions.first()
    question.label = "Une question reformulée par l'officier ?"
    question.save()
    assert client.get(url).content != first.content
    assert client.get(reverse("apply:blank_form", args=["inconnu"])).status_code == 404
