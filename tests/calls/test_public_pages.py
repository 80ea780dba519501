import re
from pathlib import Path

import pytest
from django.urls import reverse

from coopess.calls.services import SEED_CALL_FILE
from tests.factories import make_seed_call
from tests.text import normalise, page_text

SEED_TEXT = (Path(SEED_CALL_FILE).parent / "seed_call_text.txt").read_text(encoding="utf-8")


def seed_sentences() -> list[str]:
    """Every line of the published call, without list markers, Markdown stars or final dots."""
    sentences = []
    for line in SEED_TEXT.splitlines():
        line = line.strip()
        line = re.sub(r"^(- )?(\d\. )?", "", line).replace("**", "")
        line = normalise(line).rstrip(".").rstrip()
        if line:
            sentences.append(line)
    return sentences


@pytest.fixture
def seed_call(db):
    return make_seed_call()


def test_seed_text_has_the_facts_we_check():
    sentences = seed_sentences()
    assert len(sentences) > 40
    assert "Clôture de l'appel à manifestations d'intérêt : 30 juin 2023" in sentences


def test_call_page_shows_every_sentence_of_the_seed_call(
    client, seed_call, assert_no_invalid_variables
):
    response = client.get(reverse("calls:detail", args=[seed_call.slug]))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    text = page_text(response.content)
    missing = []
    for sentence in seed_sentences():
        haystack, needle = (
            (text.lower(), sentence.lower()) if sentence.isupper() else (text, sentence)
        )
        if normalise(needle) not in haystack:
            missing.append(sentence)
    assert missing == []


def test_call_page_facts(client, seed_call):
    text = page_text(client.get(reverse("calls:detail", args=[seed_call.slug])).content)
    # calendar, each date written as in the call, and the closing time (Europe/Paris)
    assert "Lancement de l'appel à manifestations d'intérêt : 12 mai 2023" in text
    assert "Clôture de l'appel à manifestations d'intérêt : 30 juin 2023 à 23 h 59" in text
    assert "Sélection et validation des structures : juillet 2023" in text
    assert "Accompagnement par un consultant : septembre à décembre 2023" in text
    # the cap, the steps, the targets, the stages, the contact
    assert "5 au maximum" in text
    assert "Cet accompagnement mobilisera au maximum 5 structures." in text
    for title in (
        "Étape 1 — Diagnostic partagé",
        "Étape 2 — Accompagnement collectif",
        "Étape 3 — Suivi",
    ):
        assert title in text
    assert "sterenn.guegan@lemouvementassociatif.org" in text
    # in 2026 the 2023 call is closed and cannot be applied to
    assert "Appel clos" in text
    assert "Candidater" not in text


def test_cap_sentence_follows_the_call(client, db):
    call = make_seed_call(slug="autre-appel", max_structures=3)
    text = page_text(client.get(reverse("calls:detail", args=[call.slug])).content)
    assert "Cet accompagnement mobilisera au maximum 3 structures." in text
    assert "au maximum 5 structures" not in text


def test_open_call_offers_to_apply_and_apply_needs_sign_in(client, db):
    from django.utils import timezone

    from coopess.calls.demo import shifted_call_data
    from coopess.calls.services import call_create_from_data, load_call_data
    from coopess.common.demo import OPEN_COPY_SLUG
    from tests.factories import OrganisationFactory

    data = shifted_call_data(load_call_data(), today=timezone.localdate())
    call = call_create_from_data(operator=OrganisationFactory(), data=data)
    assert call.slug == OPEN_COPY_SLUG
    response = client.get(reverse("calls:detail", args=[call.slug]))
    text = page_text(response.content)
    assert "Candidatures ouvertes" in text
    apply_url = reverse("apply:start", args=[call.slug])
    assert f'href="{apply_url}"' in response.content.decode()
    response = client.get(apply_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_login_code"))
    assert "next=" in response["Location"]


def test_unpublished_call_is_not_found(client, db):
    call = make_seed_call(slug="brouillon")
    call.is_published = False
    call.save()
    assert client.get(reverse("calls:detail", args=[call.slug])).status_code == 404
    assert "brouillon" not in client.get(reverse("calls:list")).content.decode()


def test_call_list_and_home(client, seed_call, assert_no_invalid_variables):
    response = client.get(reverse("calls:list"))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    assert seed_call.title in page_text(response.content)
    response = client.get(reverse("home:index"))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    assert "Aucun appel n'est ouvert aux candidatures en ce moment" in page_text(response.content)


@pytest.mark.parametrize("count", [1, 6])
def test_call_list_query_count_does_not_grow(client, db, count, django_assert_num_queries):
    for index in range(count):
        make_seed_call(slug=f"appel-{index}")
    # calls (with their operator) + their milestones
    with django_assert_num_queries(2):
        assert client.get(reverse("calls:list")).status_code == 200


def test_call_page_query_count(client, seed_call, django_assert_num_queries):
    # call + sections, stages, targets, steps, milestones
    with django_assert_num_queries(6):
        assert client.get(reverse("calls:detail", args=[seed_call.slug])).status_code == 200


def test_home_query_count(client, seed_call, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert client.get(reverse("home:index")).status_code == 200
