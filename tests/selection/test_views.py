"""The officer's table, exports, ranking and batch decisions, the reviewer's pages and what a
representative sees, through the client."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coopess.applications.choices import ApplicationStatus as S
from coopess.applications.models import Eligibility
from coopess.selection import services
from coopess.selection.models import CohortMember, Decision, ReviewerAssignment, Score
from coopess.selection.views import EXPORT_HEADERS, PAGE_SIZE
from tests.applications.helpers import open_call
from tests.conftest import INVALID_MARKER, sign_in
from tests.selection.helpers import (
    full_marks,
    officer_of,
    quick_application,
    reviewer,
    under_review,
)

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r">(COOP-\d{4}-\d{4})</a>")


def page_text(response) -> str:
    content = response.content.decode()
    assert INVALID_MARKER not in content
    return html.unescape(content)


def receipts(response) -> list[str]:
    return RECEIPT.findall(response.content.decode())


# --- The table ----------------------------------------------------------------------------------


@pytest.fixture
def variety(call, officer):
    """Applications that differ on every filter of the table."""
    stages = list(call.maturity_stages.all())
    member = reviewer()
    apps = {
        "nantes": quick_application(
            call, 1, name="Élan solidaire", title="Cuisine partagée", score="15.50",
            stage=stages[0],
        ),
        "angers": quick_application(
            call, 2, name="Accueil angevin", departements=("49", "44"), status=S.SUBMITTED,
            eligibility=Eligibility.TO_CHECK, score="12.00", stage=stages[1],
        ),
        "reseau": quick_application(
            call, 3, name="Union régionale", title="Mutualiser la paie", kind="network_head",
            departements=("72",), eligibility=Eligibility.INELIGIBLE, score="17.25",
            stage=stages[0],
        ),
        "attente": quick_application(call, 4, name="Jardins du Maine", departements=("53",),
                                     status=S.WAITLISTED),
    }  # fmt: skip
    quick_application(call, 5, status=S.DRAFT)  # never listed
    services.reviewer_assign(application=apps["reseau"], reviewer=member, by=officer)
    apps["member"] = member
    return apps


def _table(client, call, **params):
    response = client.get(reverse("selection:table", args=[call.slug]), params)
    assert response.status_code == 200
    page_text(response)
    return receipts(response)


def test_the_table_lists_submitted_applications_newest_first(officer_client, call, variety):
    assert _table(officer_client, call) == [f"COOP-2026-000{n}" for n in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": S.SUBMITTED}, [2]),
        ({"status": S.WAITLISTED}, [4]),
        ({"eligibility": Eligibility.INELIGIBLE}, [3]),
        ({"eligibility": Eligibility.TO_CHECK}, [2]),
        ({"departement": "49"}, [2]),  # a partner's département counts
        ({"departement": "44"}, [1, 2]),
        ({"kind": "network_head"}, [3]),
        ({"q": "angevin"}, [2]),  # structure name, any case
        ({"q": "angevin — partenaire"}, [2]),  # a partner's name
        ({"q": "cuisine PARTAGée"}, [1]),  # project title
        ({"q": "COOP-2026-0004"}, [4]),
        ({"q": "introuvable"}, []),
        ({"sort": "note"}, [3, 1, 2, 4]),
        ({"sort": "structure"}, [2, 4, 3, 1]),  # Accueil, Jardins, Union, Élan (by code point)
        ({"sort": "recu-asc"}, [4, 3, 2, 1]),
        ({"status": S.UNDER_REVIEW, "sort": "note"}, [3, 1]),
    ],
)
def test_the_table_filters_searches_and_sorts(officer_client, call, variety, params, expected):
    assert _table(officer_client, call, **params) == [f"COOP-2026-000{n}" for n in expected]


@pytest.mark.parametrize("q", ["élan", "CUISINE PARTAGÉE"])
def test_the_search_ignores_the_case_of_accented_letters(officer_client, call, variety, q):
    assert _table(officer_client, call, q=q) == ["COOP-2026-0001"]


def test_the_table_filters_on_stage_and_reviewer(officer_client, call, variety):
    stage = call.maturity_stages.all()[1]
    assert _table(officer_client, call, stage=stage.pk) == ["COOP-2026-0002"]
    assert _table(officer_client, call, reviewer=variety["member"].pk) == ["COOP-2026-0003"]


def test_the_table_is_paginated(officer_client, call):
    for seed in range(1, PAGE_SIZE + 12):
        quick_application(call, seed)
    first = _table(officer_client, call, sort="numero")
    assert first == [f"COOP-2026-{n:04d}" for n in range(1, PAGE_SIZE + 1)]
    response = officer_client.get(
        reverse("selection:table", args=[call.slug]), {"sort": "numero", "page": 2}
    )
    assert receipts(response) == [
        f"COOP-2026-{n:04d}" for n in range(PAGE_SIZE + 1, PAGE_SIZE + 12)
    ]
    text = page_text(response)
    assert "Page 2 sur 2" in text and f"{PAGE_SIZE + 11} candidatures" in text
    assert "sort=numero&page=1" in text  # the previous page keeps the filters


def _many(call, first: int, count: int, member) -> None:
    stages = list(call.maturity_stages.all())
    for seed in range(first, first + count):
        application = quick_application(
            call, seed, departements=("44", "49"), score="12.50", stage=stages[seed % len(stages)]
        )
        ReviewerAssignment.objects.create(application=application, reviewer=member)


def test_the_table_runs_as_many_queries_for_10_as_for_60_applications(officer_client, call):
    member = reviewer()
    url = reverse("selection:table", args=[call.slug])
    _many(call, 1, 10, member)
    officer_client.get(url)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as ten:
        assert len(receipts(officer_client.get(url))) == 10
    _many(call, 11, 50, member)
    with CaptureQueriesContext(connection) as sixty:
        assert len(receipts(officer_client.get(url))) == PAGE_SIZE
    assert len(ten) == len(sixty), "\n".join(q["sql"] for q in sixty.captured_queries)
    with CaptureQueriesContext(connection) as searched:
        officer_client.get(url, {"q": "Structure", "departement": "49", "reviewer": member.pk})
    assert len(searched) == len(sixty)


# --- Exports ----------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="candidatures-')
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(raw), read_only=True)["Candidatures"]

    def text(value) -> str:
        if value is None:
            return ""
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    return [[text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_csv_export_streams_the_filtered_rows(officer_client, call, variety):
    url = reverse("selection:export", args=[call.slug, "csv"])
    rows = _csv_rows(officer_client.get(url, {"departement": "44", "sort": "numero"}))
    assert rows[0] == EXPORT_HEADERS
    assert [row[0] for row in rows[1:]] == ["COOP-2026-0001", "COOP-2026-0002"]
    first = dict(zip(EXPORT_HEADERS, rows[1], strict=True))
    assert first["Structure cheffe de file"] == "Élan solidaire"
    assert first["Projet"] == "Cuisine partagée"
    assert first["Éligibilité"] == "Éligible"
    assert first["Note moyenne (sur 20)"] == "15.50"
    assert dict(zip(EXPORT_HEADERS, rows[2], strict=True))["Départements"] == "44, 49"
    everything = _csv_rows(officer_client.get(url))
    assert len(everything) == 1 + 4


def test_xlsx_export_has_the_same_rows_as_the_csv(officer_client, call, variety):
    params = {"sort": "note", "status": S.UNDER_REVIEW}
    csv_rows = _csv_rows(
        officer_client.get(reverse("selection:export", args=[call.slug, "csv"]), params)
    )
    response = officer_client.get(reverse("selection:export", args=[call.slug, "xlsx"]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _xlsx_rows(response) == csv_rows
    assert [row[0] for row in csv_rows[1:]] == ["COOP-2026-0003", "COOP-2026-0001"]


def test_an_unknown_export_format_is_not_found(officer_client, call):
    response = officer_client.get(reverse("selection:export", args=[call.slug, "pdf"]))
    assert response.status_code == 404


# --- Scope --------------------------------------------------------------------------------------


def test_an_officer_of_another_operator_finds_nothing(client, call, officer):
    application = under_review(call, by=officer)
    attachment = application.attachments.filter(is_receipt=False).first()
    stranger = officer_of(open_call(slug="un-autre-appel"))
    sign_in(client, stranger)
    public_id = application.public_id
    gets = [
        reverse("selection:table", args=[call.slug]),
        reverse("selection:export", args=[call.slug, "csv"]),
        reverse("selection:export", args=[call.slug, "xlsx"]),
        reverse("selection:ranking", args=[call.slug]),
        reverse("selection:application", args=[public_id]),
        reverse("selection:attachment", args=[public_id, attachment.public_id]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("selection:ranking", args=[call.slug]), {f"decision_{application.pk}": "selected"}),
        (reverse("selection:send_letters", args=[call.slug]), {}),
        (reverse("selection:decide", args=[public_id]), {"outcome": "selected", "version": 2}),
        (reverse("selection:message", args=[public_id]), {"body": "Bonjour"}),
        (reverse("selection:assign", args=[public_id]), {"reviewer": stranger.pk}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not Decision.objects.exists()
    assert not application.messages.exists()


# --- Reviewers ----------------------------------------------------------------------------------


@pytest.fixture
def committee(call, officer):
    """Two applications; the first is assigned to two reviewers, the second to nobody here."""
    mine = under_review(call, by=officer)
    other = under_review(call, by=officer)
    first = reviewer(first_name="Hortense", last_name="Évaluatrice")
    second = reviewer(first_name="Bastien", last_name="Notateur")
    for member in (first, second):
        services.reviewer_assign(application=mine, reviewer=member, by=officer)
    return {"mine": mine, "other": other, "first": first, "second": second}


def _submit_review(member, application, marks, comment=""):
    assignment = ReviewerAssignment.objects.get(reviewer=member, application=application)
    services.conflict_declare(assignment=assignment, has_conflict=False)
    services.review_submit(assignment=assignment, scores=marks, overall_comment=comment)


def _grid_data(call, value: int, comment: str = "") -> dict:
    data = {"overall_comment": comment}
    for criterion in call.criteria.all():
        data[f"score_{criterion.pk}"] = str(value)
        data[f"comment_{criterion.pk}"] = f"{comment} ({criterion.position})" if comment else ""
    return data


def test_a_reviewer_sees_only_the_applications_assigned_to_them(client, committee):
    mine, other = committee["mine"], committee["other"]
    sign_in(client, committee["first"])
    home = page_text(client.get(reverse("selection:reviewer_home")))
    assert mine.receipt_number in home and other.receipt_number not in home
    mine_file = mine.attachments.filter(is_receipt=False).first()
    other_file = other.attachments.filter(is_receipt=False).first()
    not_found = [
        reverse("selection:review", args=[other.public_id]),
        reverse("selection:review", args=[uuid.uuid4()]),
        reverse("selection:reviewer_attachment", args=[other.public_id, other_file.public_id]),
        reverse("selection:reviewer_attachment", args=[mine.public_id, other_file.public_id]),
        reverse("selection:reviewer_attachment", args=[mine.public_id, uuid.uuid4()]),
        # before the declaration, not even the assigned application's files
        reverse("selection:reviewer_attachment", args=[mine.public_id, mine_file.public_id]),
        # nor the officers' pages
        reverse("selection:application", args=[mine.public_id]),
        reverse("selection:table", args=[mine.call.slug]),
    ]
    for url in not_found:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("selection:review", args=[other.public_id])).status_code == 404


def test_the_reviewer_declares_first_then_scores_then_sees_the_others(client, call, committee):
    mine, first, second = committee["mine"], committee["first"], committee["second"]
    _submit_review(second, mine, full_marks(call, 2), comment="Avis de Bastien : trop tôt")
    url = reverse("selection:review", args=[mine.public_id])
    sign_in(client, first)

    text = page_text(client.get(url))
    assert "Avant d'évaluer la candidature" in text
    assert 'name="declaration"' in text and "score_" not in text
    assert "Avis de Bastien" not in text

    response = client.post(url, {"declaration": "none"})
    assert response.status_code == 302 and response["Location"] == url
    text = page_text(client.get(url))
    assert "Envoyer mon évaluation" in text
    assert all(f'name="score_{c.pk}"' in text for c in call.criteria.all())
    assert "Avis de Bastien" not in text and "Bastien Notateur" not in text
    mine_file = mine.attachments.filter(is_receipt=False).first()
    file_url = reverse("selection:reviewer_attachment", args=[mine.public_id, mine_file.public_id])
    download = client.get(file_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    # a mark above the scale is refused by the form, nothing stored
    bad = _grid_data(call, 6)
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "La note va de 0 à 5." in page_text(response)
    assert not Score.objects.filter(assignment__reviewer=first).exists()

    response = client.post(url, _grid_data(call, 5, comment="Très convaincant"))
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Évaluation envoyée. Vous voyez maintenant celles des autres membres."]
    assignment = ReviewerAssignment.objects.get(reviewer=first, application=mine)
    assert assignment.weighted == Decimal("20.00")
    mine.refresh_from_db()
    assert mine.average_score == Decimal("14.00")  # (20 + 8) / 2
    text = page_text(client.get(url))
    assert "Avis de Bastien : trop tôt" in text and "Bastien Notateur" in text
    assert re.search(r"note pondérée 20[.,]00/20", text)
    # a second submission is refused
    assert client.post(url, _grid_data(call, 1)).status_code == 403


def test_a_reviewer_with_a_conflict_is_sent_back_and_never_sees_the_grid(client, committee):
    mine, first = committee["mine"], committee["first"]
    url = reverse("selection:review", args=[mine.public_id])
    sign_in(client, first)
    response = client.post(url, {"declaration": "conflict", "note": "Ancienne salariée"})
    assert response.status_code == 302
    assert response["Location"] == reverse("selection:reviewer_home")
    text = page_text(client.get(url))
    assert "Avant d'évaluer" in text and "score_" not in text
    assignment = ReviewerAssignment.objects.get(reviewer=first, application=mine)
    assert assignment.conflict_declared_at and assignment.conflict_note == "Ancienne salariée"


# --- What the representative sees ------------------------------------------------------------


def test_the_representative_sees_messages_and_the_letter_never_the_committee(
    client, call, officer, committee, django_capture_on_commit_callbacks
):
    mine, first = committee["mine"], committee["first"]
    _submit_review(first, mine, full_marks(call, 4), comment="Commentaire confidentiel du comité")
    services.message_post(
        application=mine, author=officer, body="Merci de préciser votre calendrier.", from_dla=True
    )
    url = reverse("applications:detail", args=[mine.public_id])
    sign_in(client, mine.created_by)
    text = page_text(client.get(url))
    assert "Merci de préciser votre calendrier." in text
    assert "lettre de décision" not in text

    services.decision_record(application=mine, outcome=S.SELECTED, by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.decisions_send(call=call, by=officer)
    response = client.get(url)
    text = page_text(response)
    letter_url = reverse("applications:decision_letter", args=[mine.public_id])
    assert letter_url in text and "Retenue" in text
    for secret in (
        "Commentaire confidentiel du comité",
        "Hortense",
        "Évaluatrice",
        "Bastien",
        "16.00",
        "16,00",
        "Note /20",
        "note moyenne",
    ):
        assert secret not in text, secret
    # no mark out of 20 as the committee writes them (« 16,00/20 »); neither an id in a link
    # (« structures/206/ ») nor the volunteers' count (« 4 / 3,50 / 20 ») is one
    assert not re.search(r"\d/20(?![\d/])", text)
    letter = client.get(letter_url)
    assert letter.status_code == 200
    assert b"".join(letter.streaming_content).startswith(b"%PDF")
    # a stranger gets nothing
    other = committee["other"]
    assert (
        client.get(reverse("applications:decision_letter", args=[other.public_id])).status_code
        == 404
    )


# --- Ranking and batch decisions ------------------------------------------------------------------


@pytest.fixture
def ranked(call):
    return [
        quick_application(call, 1, name="Première", score="18.00"),
        quick_application(call, 2, name="Deuxième", score="15.00"),
        quick_application(call, 3, name="Troisième", score="12.00"),
    ]


def test_the_ranking_page_shows_the_proposal(officer_client, call, ranked):
    quick_application(call, 4, name="Trop grande", score="19.00", departements=("44",) * 6)
    quick_application(call, 5, name="Non éligible", score="19.50", eligibility="ineligible")
    response = officer_client.get(reverse("selection:ranking", args=[call.slug]))
    text = page_text(response)
    assert "Cohorte proposée : 3 candidatures, 3 structures sur 5" in text
    assert text.count("<strong>Proposée</strong>") == 3
    assert "plus que le plafond de 5" in text  # the six-structure application is explained
    assert "Non éligible" not in text
    assert receipts(response) == [
        "COOP-2026-0004",
        "COOP-2026-0001",
        "COOP-2026-0002",
        "COOP-2026-0003",
    ]


def _batch(ranked, choices: list[str], **extra) -> dict:
    data = {}
    for application, outcome in zip(ranked, choices, strict=True):
        data[f"decision_{application.pk}"] = outcome
        data[f"version_{application.pk}"] = str(application.version)
    data.update(extra)
    return data


def _undecided(ranked):
    assert not Decision.objects.exists()
    assert not CohortMember.objects.exists()
    for application in ranked:
        application.refresh_from_db()
        assert application.status == S.UNDER_REVIEW
        assert not application.transitions.exists()


@pytest.mark.parametrize("passed_over", [S.REJECTED, S.WAITLISTED])
def test_going_against_the_ranking_needs_a_justification(
    officer_client, call, officer, ranked, passed_over
):
    url = reverse("selection:ranking", args=[call.slug])
    choices = [S.SELECTED, passed_over, S.SELECTED]
    data = _batch(ranked, choices)
    if passed_over == S.REJECTED:
        data[f"reasons_{ranked[1].pk}"] = "maturity"
    response = officer_client.post(url, data)
    assert response.status_code == 400
    assert (
        "Votre choix retient une candidature moins bien classée que COOP-2026-0002 : "
        "expliquez pourquoi dans « justification »."
    ) in page_text(response)
    _undecided(ranked)

    data["against_ranking_reason"] = "La troisième couvre un territoire sans accompagnement."
    response = officer_client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Décisions enregistrées. Vérifiez-les, puis envoyez les lettres."
    ]
    for application, outcome in zip(ranked, choices, strict=True):
        application.refresh_from_db()
        assert application.status == outcome
        decision = Decision.objects.get(application=application)
        assert (decision.outcome, decision.decided_by) == (outcome, officer)
        assert decision.against_ranking_reason == data["against_ranking_reason"]
    assert Decision.objects.get(application=ranked[1]).reasons == (
        ["maturity"] if passed_over == S.REJECTED else []
    )
    assert CohortMember.objects.count() == 2


def test_following_the_ranking_needs_no_justification(officer_client, call, ranked):
    url = reverse("selection:ranking", args=[call.slug])
    data = _batch(
        ranked, [S.SELECTED, S.SELECTED, S.REJECTED], **{f"reasons_{ranked[2].pk}": "ranking"}
    )
    assert officer_client.post(url, data).status_code == 302
    assert sorted(Decision.objects.values_list("outcome", flat=True)) == sorted(
        [S.SELECTED, S.SELECTED, S.REJECTED]
    )


def test_a_batch_that_fails_halfway_records_nothing(officer_client, call):
    big = [
        quick_application(call, 1, score="18.00", departements=("44", "49", "53")),
        quick_application(call, 2, score="16.00", departements=("72", "85", "44")),
    ]
    url = reverse("selection:ranking", args=[call.slug])
    response = officer_client.post(url, _batch(big, [S.SELECTED, S.SELECTED]))
    assert response.status_code == 400
    assert "dépasserait le plafond de 5" in page_text(response)
    _undecided(big)


def test_a_stale_batch_is_refused(officer_client, call, officer, ranked):
    url = reverse("selection:ranking", args=[call.slug])
    data = _batch(ranked, [S.SELECTED, "", ""])
    services.decision_record(application=ranked[0], outcome=S.WAITLISTED, by=officer)
    response = officer_client.post(url, data)
    assert response.status_code == 400
    assert "Une autre personne vient de modifier cette candidature" in page_text(response)
    ranked[0].refresh_from_db()
    assert ranked[0].status == S.WAITLISTED


def test_sending_the_letters_from_the_ranking_page(
    officer_client, call, officer, django_capture_on_commit_callbacks
):
    application = under_review(call, by=officer)
    services.decision_record(application=application, outcome=S.WAITLISTED, by=officer)
    url = reverse("selection:ranking", args=[call.slug])
    assert "Envoyer les 1 lettre" in page_text(officer_client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("selection:send_letters", args=[call.slug]))
    assert response.status_code == 302 and response["Location"] == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 lettre(s) de décision en cours d'envoi (courriel et PDF)."
    ]
    assert Decision.objects.get().letter_sent_at is not None
    assert "0 lettres à envoyer" in page_text(officer_client.get(url))


def test_exports_never_hand_a_formula_to_the_spreadsheet(officer_client, call):
    """A title typed as ``=HYPERLINK(…)`` is exported as text (CSV/formula injection)."""
    quick_application(call, 1, name="@SUM(A1:A9)", title='=HYPERLINK("http://x.example","clic")')
    csv_rows = _csv_rows(officer_client.get(reverse("selection:export", args=[call.slug, "csv"])))
    row = dict(zip(EXPORT_HEADERS, csv_rows[1], strict=True))
    assert row["Projet"] == '\'=HYPERLINK("http://x.example","clic")'
    assert row["Structure cheffe de file"] == "'@SUM(A1:A9)"
    xlsx = officer_client.get(reverse("selection:export", args=[call.slug, "xlsx"]))
    assert _xlsx_rows(xlsx) == csv_rows
    raw = b"".join(
        officer_client.get(reverse("selection:export", args=[call.slug, "xlsx"])).streaming_content
    )
    sheet = load_workbook(io.BytesIO(raw))["Candidatures"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
