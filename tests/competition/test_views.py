"""The competition's pages through the client: the officer's consultation, the provider's
secret link, French messages next to the field with the draft kept, another DLA's 404."""

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from coopess.accounts.models import Role
from coopess.competition.models import Consultation, ConsultationStatus, Proposal
from coopess.competition.services import consultation as services
from tests.common.upload_samples import pdf, png, upload
from tests.competition.helpers import (
    make_consultation,
    make_provider,
    provider_page,
    provider_user,
    send,
    submit,
)
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.factories import add_totp, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_cohort(seed=5)


@pytest.fixture
def officer_client(client, setup):
    sign_in(client, setup.officer)
    return client


def test_officer_starts_edits_and_sends(officer_client, setup, assert_no_invalid_variables):
    url = reverse("competition:consultation", args=[setup.cohort.pk])
    response = officer_client.get(url)
    assert response.status_code == 200
    response = officer_client.post(url, {"budget_ceiling": "4800", "deadline": "2099-03-01T12:00"})
    assert response.status_code == 302
    consultation = Consultation.objects.get(cohort=setup.cohort)
    for index in (1, 2):
        provider = make_provider(setup.call.operator, index)
        officer_client.post(
            reverse("competition:consult", args=[setup.cohort.pk]), {"provider": provider.pk}
        )
    assert consultation.consulted.count() == 2
    response = officer_client.post(reverse("competition:send", args=[setup.cohort.pk]), follow=True)
    assert "au moins 3" in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.DRAFT
    officer_client.post(
        reverse("competition:send", args=[setup.cohort.pk]),
        {"fewer_reason": "Deux cabinets seulement sur ce territoire."},
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CONSULTING
    response = officer_client.get(url)
    assert_no_invalid_variables(response)
    assert "Deux cabinets seulement" in response.content.decode()


def test_other_dla_officer_gets_404(client, setup):
    make_consultation(setup)
    other = make_user(Role.OFFICER)
    add_totp(other)
    sign_in(client, other)
    assert (
        client.get(reverse("competition:consultation", args=[setup.cohort.pk])).status_code == 404
    )
    response = client.post(reverse("competition:close", args=[setup.cohort.pk]))
    assert response.status_code == 404


def test_providers_directory_checks_siret(officer_client, setup, django_assert_num_queries):
    url = reverse("competition:providers")
    response = officer_client.post(
        url, {"name": "Cabinet", "siret": "123", "contact_name": "A", "email": "a@example.org"}
    )
    assert response.status_code == 400
    assert "SIRET" in response.content.decode() and "14 chiffres" in response.content.decode()
    for index in range(3):
        make_provider(setup.call.operator, index)
    with django_assert_num_queries(6) as captured:
        officer_client.get(url)
    count = len(captured)
    for index in range(3, 8):
        make_provider(setup.call.operator, index)
    with django_assert_num_queries(count):
        officer_client.get(url)


def _invitation(consulted):
    return reverse("competition:invitation", args=[consulted.token])


def _link(client, consulted):
    """Signed in as the consulted provider: its consultation page."""
    return provider_page(client, consulted)


def test_unsent_link_is_not_found(client, setup):
    consultation = make_consultation(setup)
    sign_in(client, make_user(Role.APPLICANT, email=consultation.consulted.first().provider.email))
    assert client.get(_invitation(consultation.consulted.first())).status_code == 404


def test_invitation_signs_in_accepts_and_then_reaches_the_page_signed_in(
    client, setup, assert_no_invalid_variables
):
    from coopess.accounts.models import User

    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    invitation = _invitation(consulted)
    page = reverse("competition:provider_home", args=[consulted.pk])
    # the token alone shows nothing: sign in first, and come back to the link
    response = client.get(invitation)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_login_code"))
    assert f"next={invitation}" in unescape(response["Location"]).replace("%2F", "/")
    assert client.get(page).status_code == 302
    user = User.objects.create_user(consulted.provider.email.upper())  # case does not matter
    sign_in(client, user)
    assert client.get(page).status_code == 404  # not accepted yet
    response = client.get(invitation)
    assert response.status_code == 200
    assert "Accepter l'invitation" in response.content.decode()
    assert_no_invalid_variables(response)
    response = client.post(invitation)
    assert response.status_code == 302 and response["Location"] == page
    consulted.refresh_from_db()
    assert consulted.user == user and consulted.accepted_at is not None
    user = User.objects.get(pk=user.pk)
    assert user.has_role(Role.APPLICANT) and not user.needs_second_factor
    assert client.get(invitation)["Location"] == page  # the link now leads to the page
    response = client.get(page)
    assert response.status_code == 200
    assert_no_invalid_variables(response)
    listing = client.get(reverse("competition:provider_consultations"))
    assert page in listing.content.decode()
    assert_no_invalid_variables(listing)
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("competition:provider_consultations") in dashboard


def test_invitation_refused_to_another_address_in_french(client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    stranger = make_user(Role.APPLICANT, email="quelquun.dautre@example.org")
    sign_in(client, stranger)
    response = client.get(_invitation(consulted))
    assert response.status_code == 403
    content = response.content.decode()
    assert "envoyée à une autre adresse que la vôtre" in content
    assert "quelquun.dautre@example.org" in content
    assert client.post(_invitation(consulted)).status_code == 403
    consulted.refresh_from_db()
    assert consulted.user is None
    # once accepted by its account, another account with the same address cannot take it
    owner = provider_user(consulted)
    other = make_user(Role.APPLICANT, email="collegue@example.org")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=other, email=consulted.provider.email, verified=True)
    sign_in(client, other)
    response = client.get(_invitation(consulted))
    assert response.status_code == 403
    assert "déjà été acceptée par un autre compte" in response.content.decode()
    consulted.refresh_from_db()
    assert consulted.user == owner


def test_an_unverified_address_does_not_accept(client, setup):
    from allauth.account.models import EmailAddress

    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    user = make_user(Role.APPLICANT, email="autre@example.org")
    EmailAddress.objects.create(user=user, email=consulted.provider.email, verified=False)
    sign_in(client, user)
    assert client.post(_invitation(consulted)).status_code == 403
    consulted.refresh_from_db()
    assert consulted.user is None


def test_provider_sees_only_its_own_consultations(client, setup):
    consultation = send(setup, make_consultation(setup))
    first, second = list(consultation.consulted.all())[:2]
    submit(first, price="1234")
    first_page = _link(client, first)
    second_page = _link(client, second)  # signed in as the second provider now
    response = client.get(second_page)
    assert response.status_code == 200
    assert "1234" not in response.content.decode()
    for url in (
        first_page,
        reverse("competition:provider_attachment", args=[first.pk]),
        reverse("competition:provider_terms_pdf", args=[first.pk, consultation.version]),
    ):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("competition:provider_consultations")).content.decode()
    assert second_page in listing and first_page not in listing
    assert "4936" in client.get(_link(client, first)).content.decode()


def test_provider_list_queries_do_not_grow(client, setup, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coopess.accounts.models import User
    from tests.diagnostic.helpers import make_cohort as another_cohort

    user = User.objects.create_user("cabinet.multi@example.org")

    def consulted_in(cohort_setup):
        consultation = send(
            cohort_setup, make_consultation(cohort_setup, providers=1), fewer_reason="Test."
        )
        consulted = consultation.consulted.get()
        consulted.provider.email = user.email
        consulted.provider.save()
        provider_user(consulted)
        submit(consulted)
        return consulted

    consulted_in(setup)
    sign_in(client, user)
    url = reverse("competition:provider_consultations")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    for seed in (21, 22):
        consulted_in(another_cohort(setup.call, seed=seed))
    with django_assert_num_queries(len(captured)):
        response = client.get(url)
    assert response.content.decode().count("Déposée le") == 3


def test_price_not_a_number_keeps_the_draft(client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    response = client.post(
        _link(client, consulted),
        {"action": "draft", "method": "Ma méthode détaillée", "price_per_half_day": "mille"},
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez un montant en euros" in content
    assert "Ma méthode détaillée" in content


def test_file_not_what_it_says_is_refused(client, setup):
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    response = client.post(
        _link(client, consulted),
        {
            "action": "draft",
            "method": "Méthode gardée",
            "attachment": upload("proposition.pdf", png(), "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "Méthode gardée" in response.content.decode()
    assert Proposal.objects.get(consulted=consulted).method == "Méthode gardée"
    assert not Proposal.objects.get(consulted=consulted).attachment


def test_submit_with_attachment_and_late_refused(client, setup):
    consultation = send(setup, make_consultation(setup))
    first, second = list(consultation.consulted.all())[:2]
    data = {
        "method": "Méthode",
        "consultants": "Nadia",
        "half_days": "4",
        "price_per_half_day": "1100,50",
        "total": "4402",
        "action": "submit",
    }
    response = client.post(
        _link(client, first),
        {**data, "attachment": upload("offre.pdf", pdf(), "application/pdf")},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(consulted=first)
    assert proposal.submitted_at and proposal.attachment
    assert str(proposal.price_per_half_day) == "1100.50"
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        response = client.post(_link(client, second), data)
    assert response.status_code == 400
    assert "date limite" in response.content.decode()
    assert Proposal.objects.get(consulted=second).submitted_at is None
    assert Proposal.objects.get(consulted=second).method == "Méthode"


def test_question_answered_anonymously(client, officer_client, setup):
    consultation = send(setup, make_consultation(setup))
    first, second = list(consultation.consulted.all())[:2]
    client.post(
        _link(client, first), {"action": "question", "text": "Le distanciel est-il possible ?"}
    )
    question = consultation.questions.get()
    sign_in(officer_client, setup.officer)  # the same client: the officer again
    officer_client.post(
        reverse("competition:answer", args=[setup.cohort.pk, question.pk]), {"answer": "Oui."}
    )
    page = client.get(_link(client, second)).content.decode()
    assert "Le distanciel est-il possible ?" in page and "Oui." in page
    assert first.provider.name not in page


def test_officer_compares_scores_chooses_and_sends_letters(officer_client, setup):
    consultation = send(setup, make_consultation(setup, ceiling="4200"))
    proposals = [
        submit(c, price=p)
        for c, p in zip(consultation.consulted.all(), ("1000", "1100", "1200"), strict=True)
    ]
    base = [setup.cohort.pk]
    response = officer_client.post(reverse("competition:close", args=base), follow=True)
    assert "pas encore passée" in response.content.decode()
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CLOSED
    page = officer_client.get(reverse("competition:consultation", args=base)).content.decode()
    assert "au-delà du plafond" in page
    officer_client.post(
        reverse("competition:score", args=[*base, proposals[0].pk]),
        {
            "mark_method": "15",
            "mark_experience": "14",
            "mark_price": "18,5",
            "no_conflict": "on",
        },
    )
    assert proposals[0].scores.count() == 1
    response = officer_client.post(
        reverse("competition:choose", args=[*base, proposals[2].pk]),
        {"justification": "Seul disponible."},
        follow=True,
    )
    assert "dérogation" in response.content.decode()
    officer_client.post(
        reverse("competition:choose", args=[*base, proposals[0].pk]),
        {"justification": "Meilleure note."},
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CHOSEN
    assert setup.cohort.engagement.budget == proposals[0].total
    officer_client.post(reverse("competition:letters", args=base))
    consultation.refresh_from_db()
    assert consultation.letters_sent_at is not None


def test_terms_as_pdf_and_docx(officer_client, client, setup):
    import io

    from docx import Document

    consultation = send(setup, make_consultation(setup))
    base = [setup.cohort.pk]
    response = officer_client.get(reverse("competition:terms_file", args=[*base, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = officer_client.get(reverse("competition:terms_file", args=[*base, "docx"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Critères de choix" in text and "Pertinence de la méthode : 40" in text
    assert (
        officer_client.get(reverse("competition:terms_file", args=[*base, "odt"])).status_code
        == 404
    )
    consulted = consultation.consulted.first()
    provider_page(client, consulted)
    pdf_url = reverse("competition:provider_terms_pdf", args=[consulted.pk, consultation.version])
    response = client.get(pdf_url)
    assert response.content.startswith(b"%PDF")
    # an earlier draft version stays the DLA's
    other = reverse("competition:provider_terms_pdf", args=[consulted.pk, 99])
    assert client.get(other).status_code == 404


def test_letters_carry_a_pdf(officer_client, setup):
    from coopess.common.models import OutgoingEmail

    consultation = send(setup, make_consultation(setup))
    proposals = [submit(c) for c in consultation.consulted.all()]
    with time_machine.travel(consultation.deadline, tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    services.proposal_choose(proposal=proposals[0], by=setup.officer, justification="Méthode.")
    officer_client.post(reverse("competition:letters", args=[setup.cohort.pk]))
    letters = OutgoingEmail.objects.filter(subject="Résultat de la consultation")
    assert letters.count() == 3
    assert all("resultat-consultation.pdf" in str(letter.payload) for letter in letters)


def test_total_over_ceiling_warned_next_to_the_field(client, setup):
    consultation = send(setup, make_consultation(setup, ceiling="3000"))
    consulted = consultation.consulted.first()
    data = {
        "method": "Méthode",
        "consultants": "Nadia",
        "half_days": "4",
        "price_per_half_day": "1000",
        "total": "4000",
        "action": "submit",
    }
    page = _link(client, consulted)
    response = client.post(page, data)
    content = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_total_error"><p>Ce total dépasse le plafond de 3000' in content
    proposal = Proposal.objects.get(consulted=consulted)
    assert proposal.total == 4000 and proposal.submitted_at is None
    response = client.post(page, {**data, "action": "submit_over"})
    assert response.status_code == 302
    assert Proposal.objects.get(consulted=consulted).submitted_at is not None


def test_comparison_queries_do_not_grow_with_proposals(
    officer_client, setup, django_assert_num_queries
):
    from decimal import Decimal

    from coopess.competition.services import proposals as proposal_services

    consultation = send(setup, make_consultation(setup, providers=6))
    consulted = list(consultation.consulted.all())
    url = reverse("competition:consultation", args=[setup.cohort.pk])

    def add(items):
        for item in items:
            proposal = submit(item)
            proposal_services.score_save(
                proposal=proposal,
                by=setup.officer,
                marks={c["key"]: Decimal(12) for c in consultation.criteria},
                no_conflict=True,
            )

    add(consulted[:2])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        officer_client.get(url)
    count = len(captured)
    add(consulted[2:])
    with django_assert_num_queries(count):
        assert officer_client.get(url).status_code == 200


def test_attachment_read_by_its_provider_and_by_the_officer_once_submitted(client, setup):
    consultation = send(setup, make_consultation(setup))
    first, second = list(consultation.consulted.all())[:2]
    content = pdf(comment=b"offre du cabinet")
    draft = {"action": "draft", "method": "Méthode", "attachment": upload("offre.pdf", content)}
    first_page = _link(client, first)
    assert client.post(first_page, draft).status_code == 302
    proposal = Proposal.objects.get(consulted=first)
    own = reverse("competition:provider_attachment", args=[first.pk])
    page = client.get(first_page).content.decode()
    assert own in page and "offre.pdf" in page
    response = client.get(own)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="offre.pdf"' in response["Content-Disposition"]
    # another provider reaches its own proposal only, which has no file, and not this one
    _link(client, second)
    assert client.get(own).status_code == 404
    assert (
        client.get(reverse("competition:provider_attachment", args=[second.pk])).status_code == 404
    )
    officer_url = reverse("competition:proposal_attachment", args=[setup.cohort.pk, proposal.pk])
    sign_in(client, setup.officer)
    assert client.get(officer_url).status_code == 404  # a draft stays the provider's
    submit(first)
    page = client.get(reverse("competition:consultation", args=[setup.cohort.pk]))
    assert officer_url in page.content.decode()
    response = client.get(officer_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    other = make_user(Role.OFFICER)
    add_totp(other)
    sign_in(client, other)
    assert client.get(officer_url).status_code == 404


def _error_of(html: str, field_id: str) -> str:
    """The text of a field's error slot (``_partials/field.html``)."""
    import re

    match = re.search(rf'id="{field_id}_error">(.*?)</div>', html, re.S)
    assert match, f"no error slot for {field_id}"
    return unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def test_refused_marks_and_choice_answer_next_to_the_field_and_keep_what_was_typed(
    officer_client, setup
):
    consultation = send(setup, make_consultation(setup, ceiling="4000"))
    over = submit(consultation.consulted.first(), price="1200")  # 4,800 € > 4,000 €
    with time_machine.travel(consultation.deadline + dt.timedelta(minutes=1), tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    base = [setup.cohort.pk, over.pk]
    response = officer_client.post(
        reverse("competition:score", args=base),
        {"mark_method": "25", "mark_experience": "douze", "mark_price": "14,5"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    for key in ("method", "experience"):
        assert "note de 0 à 20" in _error_of(html, f"mark-{over.pk}-mark_{key}")
    assert "aucun lien d'intérêt" in _error_of(html, f"mark-{over.pk}-no_conflict")
    assert _error_of(html, f"mark-{over.pk}-mark_price") == ""
    assert 'name="mark_price" value="14,5"' in html
    assert 'name="mark_experience" value="douze"' in html
    assert "<details open>" in html  # the proposal's detail stays open
    assert over.scores.count() == 0
    response = officer_client.post(
        reverse("competition:choose", args=base),
        {"justification": "La seule méthode qui convient aux cinq structures."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "écrivez la dérogation" in _error_of(html, f"choice-{over.pk}-derogation")
    assert "La seule méthode qui convient aux cinq structures.</textarea>" in html
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CLOSED


def test_every_saved_version_of_the_terms_is_kept_listed_and_downloadable(
    officer_client, setup, assert_no_invalid_variables
):
    import io

    from docx import Document

    from coopess.competition.models import TermsVersion

    consultation = make_consultation(setup)
    url = reverse("competition:consultation", args=[setup.cohort.pk])
    form = {
        "context": consultation.context,
        "objectives": consultation.objectives,
        "half_days": "4",
        "budget_ceiling": "5000",
        "deadline": "2099-03-01T12:00",
        "min_providers": "3",
    }
    for deliverables in ("Première rédaction des livrables.", "Feuille de route finale."):
        response = officer_client.post(url, {**form, "deliverables": deliverables})
        assert response.status_code == 302, response.content.decode()
    versions = list(TermsVersion.objects.filter(consultation=consultation).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert all(v.created_by == setup.officer for v in versions)
    assert versions[1].content["deliverables"] == "Première rédaction des livrables."
    send(setup, consultation)
    versions[2].refresh_from_db()
    assert versions[2].sent_at is not None
    response = officer_client.get(url)
    assert_no_invalid_variables(response)
    page = response.content.decode()
    for number in (1, 2, 3):
        assert f"Version {number} — " in page
        assert reverse("competition:terms_version_file", args=[setup.cohort.pk, number, "pdf"])
    assert str(setup.officer) in page and "envoyée le" in page
    # version 2 as it was, not as the terms are now
    docx = officer_client.get(
        reverse("competition:terms_version_file", args=[setup.cohort.pk, 2, "docx"])
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Première rédaction des livrables." in text and "Feuille de route" not in text
    assert "version 2" in text
    pdf_response = officer_client.get(
        reverse("competition:terms_version_file", args=[setup.cohort.pk, 1, "pdf"])
    )
    assert pdf_response.content.startswith(b"%PDF")
    missing = reverse("competition:terms_version_file", args=[setup.cohort.pk, 9, "pdf"])
    assert officer_client.get(missing).status_code == 404
    # the provider: the version it was sent (the latest), not the officer's drafts
    consulted = consultation.consulted.first()
    consulted.refresh_from_db()
    assert consulted.sent_version == versions[2]
    provider = provider_page(officer_client, consulted)
    page = officer_client.get(provider).content.decode()
    assert "Télécharger la version 3 (PDF)" in page and "celle qui vous a été envoyée" in page
    assert "version 1" not in page
    drafts = reverse("competition:provider_terms_pdf", args=[consulted.pk, 1])
    assert officer_client.get(drafts).status_code == 404
    other = make_user(Role.OFFICER)
    add_totp(other)
    sign_in(officer_client, other)
    version_url = reverse("competition:terms_version_file", args=[setup.cohort.pk, 1, "pdf"])
    assert officer_client.get(version_url).status_code == 404


def test_provider_page_queries_do_not_grow_with_published_answers(
    client, setup, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coopess.competition.services import proposals as proposal_services

    consultation = send(setup, make_consultation(setup))
    first, second = list(consultation.consulted.all())[:2]

    def answered(count):
        for index in range(count):
            question = proposal_services.question_ask(consulted=second, text=f"Question {index}")
            proposal_services.question_answer(
                question=question, by=setup.officer, answer=f"Réponse {index}"
            )

    answered(1)
    page = provider_page(client, first)
    client.get(page)
    with CaptureQueriesContext(connection) as captured:
        client.get(page)
    answered(5)
    with django_assert_num_queries(len(captured)):
        response = client.get(page)
    assert response.content.decode().count("<strong>Réponse :</strong>") == 6
