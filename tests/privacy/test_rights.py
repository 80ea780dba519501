"""A person downloads their data and asks for erasure; the officer of the DLA concerned
handles the request; the person is told by email."""

import json

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role
from coopess.applications import services as application_services
from coopess.applications.models import Application, Representative
from coopess.privacy import services
from coopess.privacy.models import ErasureRequest, ErasureStatus
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.factories import make_user
from tests.privacy.helpers import decided, draft, found, needles, person, submitted
from tests.selection.helpers import officer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(db):
    return open_call()


@pytest.fixture
def officer(call):
    return officer_of(call)


# --- Download ---------------------------------------------------------------------------------


def test_the_download_holds_the_person_s_data_and_nothing_of_others(client, call, officer):
    application = submitted(call, 901, officer=officer, partners=1)
    other = submitted(call, 902, officer=officer)
    lead = application.created_by
    partner_access = application.accesses.get(role="partner")
    partner_representatives = list(
        Representative.objects.filter(structure=partner_access.structure)
    )
    sign_in(client, lead)

    response = client.get(reverse("privacy:download_json"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode()
    data = json.loads(content)
    assert data["compte"]["adresse_electronique"] == lead.email
    (row,) = data["Candidatures"]
    assert row["recepisse"] == application.receipt_number
    assert row["structure_representee"]["nom"] == "Association 901x"
    assert {r["adresse_electronique"] for r in row["vos_coordonnees_declarees"]} <= {
        lead.email,
        "lea.901x@example.org",
        "marc.901x@example.org",
    }
    assert [m["de"] for m in row["messages"]] == ["le DLA", "vous"]
    assert "Message 901x de la structure" in content
    # nothing of the partner's people, of the officer, of the reviewer, of the other application
    for representative in partner_representatives:
        assert representative.last_name and representative.last_name not in content
        assert representative.email not in content
    assert partner_access.user.email not in content
    assert officer.email not in content and officer.last_name not in content
    assert "Avis 901x" not in content  # the committee's opinion is not the person's data
    for needle in needles(902):
        assert needle not in content
    assert other.receipt_number not in content


def test_the_pdf_download(client, call, officer):
    application = submitted(call, 903, officer=officer)
    sign_in(client, application.created_by)
    response = client.get(reverse("privacy:download_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # what the PDF shows (its HTML): the person's data, in French
    html = render_to_string(
        "privacy/pdf/person_data.html",
        {"data": services.person_data(application.created_by), "person": application.created_by},
    )
    assert "Association 903x" in html and "Récépissé" in html
    assert application.created_by.email in html


def test_my_data_page_says_when_each_application_is_anonymised(
    client, call, officer, assert_no_invalid_variables
):
    application = decided(
        submitted(call, 904, officer=officer),
        "rejected",
        officer=officer,
        months_ago=1,
        now=timezone.now(),
    )
    sign_in(client, application.created_by)
    response = client.get(reverse("privacy:mine"))
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    content = response.content.decode()
    assert application.receipt_number in content
    assert "Anonymisation prévue le" in content
    assert reverse("privacy:download_pdf") in content
    assert reverse("privacy:erasure") in content


def test_the_dashboard_links_to_my_data(client):
    sign_in(client, make_user(Role.APPLICANT))
    response = client.get(reverse("accounts:dashboard"))
    assert reverse("privacy:mine") in response.content.decode()


# --- Erasure --------------------------------------------------------------------------------


def test_an_erasure_request_needs_a_reason(client, call, officer):
    applicant = draft(call, 905).created_by
    sign_in(client, applicant)
    response = client.post(reverse("privacy:erasure"), {"reason": "  "})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'class="error-summary"' in content and 'href="#id_reason"' in content
    assert not ErasureRequest.objects.exists()


def test_erasure_request_accepted(client, call, officer, django_capture_on_commit_callbacks):
    """A representative of a rejected application and of a draft asks; the officer accepts:
    their data goes from both, the account is scrubbed, the indicators stay."""
    rejected = decided(
        submitted(call, 906, officer=officer),
        "rejected",
        officer=officer,
        months_ago=1,
        now=timezone.now(),
    )
    applicant = rejected.created_by
    own_draft = draft(open_call(slug="autre-appel", receipt_prefix="AUT"), 907, lead=applicant)
    untouched = submitted(call, 908, officer=officer)
    sign_in(client, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:erasure"), {"reason": "Je quitte l'association."})
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert request.status == ErasureStatus.PENDING
    assert set(request.operators.all()) == {call.operator, own_draft.call.operator}
    # the officers concerned are told
    assert mail.outbox[-1].to == [officer.email]
    assert reverse("privacy:request", args=[request.public_id]) in mail.outbox[-1].body
    # a second request while one is pending is refused
    response = client.post(reverse("privacy:erasure"), {"reason": "Encore"})
    assert ErasureRequest.objects.count() == 1

    sign_in(client, officer)
    response = client.get(reverse("privacy:requests"))
    assert reverse("privacy:request", args=[request.public_id]) in response.content.decode()
    response = client.get(reverse("privacy:request", args=[request.public_id]))
    content = response.content.decode()
    assert rejected.receipt_number in content
    assert "relève d'un autre DLA" in content  # the draft belongs to another DLA
    assert reverse("privacy:request_export", args=[request.public_id]) not in content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:request_accept", args=[request.public_id]),
            {"note": "Bonne continuation."},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureStatus.ACCEPTED and request.decided_by == officer
    (message,) = mail.outbox
    assert message.to == ["personne.906x@example.org"]
    assert "Bonne continuation." in message.body and rejected.call.title in message.body

    applicant.refresh_from_db()
    assert not applicant.is_active and applicant.email.endswith("@anonyme.invalid")
    rejected.refresh_from_db()
    assert rejected.status == "rejected"
    assert not rejected.accesses.exists()
    assert not rejected.messages.filter(from_dla=False).exists()
    lead_reps = Representative.objects.filter(structure__application=rejected, position=1)
    assert lead_reps.get().email == ""
    # the draft of which they were the only person is anonymised entirely
    assert Application.objects.get(pk=own_draft.pk).anonymisation.rule == "erasure"
    assert found(needles(907)) == []
    assert found(["personne.906x@example.org", "Prénom906x", "Nom906x", "Message 906x de la"]) == []
    assert found(needles(908)), "another person's application is untouched"
    assert untouched.accesses.filter(user=untouched.created_by).exists()
    # handled: accepting again is refused
    response = client.post(reverse("privacy:request_accept", args=[request.public_id]), {})
    assert response.status_code == 400


def test_an_application_being_instructed_is_kept_and_explained(
    client, call, officer, django_capture_on_commit_callbacks
):
    application = submitted(call, 909, officer=officer)
    applicant = application.created_by
    request = services.erasure_request_create(user=applicant, reason="Plus concerné")
    plan = services.erasure_plan(applicant)
    assert [item.action for item in plan.items] == ["keep"]
    assert "en cours d'instruction" in plan.items[0].explanation
    assert plan.account_kept
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_accept(request=request, by=officer)
    applicant.refresh_from_db()
    assert applicant.is_active and applicant.email == "personne.909x@example.org"
    assert application.accesses.filter(user=applicant).exists()
    assert "en cours d'instruction" in mail.outbox[-1].body
    assert mail.outbox[-1].to == [applicant.email]


def test_an_accompanied_structure_is_kept_for_the_funders(call, officer):
    application = decided(
        submitted(call, 910, officer=officer),
        "selected",
        officer=officer,
        months_ago=1,
        now=timezone.now(),
    )
    plan = services.erasure_plan(application.created_by)
    assert [item.action for item in plan.items] == ["keep"]
    assert "financeurs" in plan.items[0].explanation


def test_erasure_request_refused_with_a_reason(
    client, call, officer, django_capture_on_commit_callbacks
):
    applicant = draft(call, 911).created_by
    request = services.erasure_request_create(user=applicant, reason="Effacez tout")
    sign_in(client, officer)
    url = reverse("privacy:request_refuse", args=[request.public_id])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert 'href="#id_reason"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Obligation de conservation."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureStatus.REFUSED
    assert request.response == "Obligation de conservation."
    assert mail.outbox[-1].to == [applicant.email]
    assert "Obligation de conservation." in mail.outbox[-1].body
    applicant.refresh_from_db()
    assert applicant.is_active


def test_another_dla_s_officer_does_not_find_the_request(client, call, officer):
    applicant = draft(call, 912).created_by
    request = services.erasure_request_create(user=applicant, reason="Motif")
    stranger = officer_of(open_call(slug="appel-d-ailleurs", receipt_prefix="AIL"))
    sign_in(client, stranger)
    assert client.get(reverse("privacy:request", args=[request.public_id])).status_code == 404
    response = client.post(reverse("privacy:request_accept", args=[request.public_id]))
    assert response.status_code == 404
    assert (
        reverse("privacy:request", args=[request.public_id])
        not in client.get(reverse("privacy:requests")).content.decode()
    )
    request.refresh_from_db()
    assert request.is_pending


def test_a_request_concerning_no_dla_goes_to_the_administrators(
    client, role_user, django_capture_on_commit_callbacks
):
    admin = role_user(Role.ADMIN)
    somebody = person(913)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.erasure_request_create(user=somebody, reason="Motif")
    assert mail.outbox[-1].to == [admin.email]
    sign_in(client, admin)
    response = client.get(reverse("privacy:request", args=[request.public_id]))
    assert response.status_code == 200
    client.post(reverse("privacy:request_accept", args=[request.public_id]), {})
    somebody.refresh_from_db()
    assert not somebody.is_active


def test_a_withdrawn_application_s_partner_is_erased_from_it(call, officer):
    application = submitted(call, 914, officer=officer, partners=1)
    application_services.application_withdraw(application=application, by=application.created_by)
    partner = application.accesses.get(role="partner").user
    partner_email = partner.email
    request = services.erasure_request_create(user=partner, reason="Motif")
    services.erasure_accept(request=request, by=officer)
    assert found([partner_email]) == []
    assert application.accesses.filter(role="lead").exists()
    assert found(needles(914)), "the lead's data stays until retention"
