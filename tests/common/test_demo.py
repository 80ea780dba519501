import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.calls.models import Call
from coopess.common.demo import OPEN_COPY_SLUG, SEED_SLUG, demo_load


@pytest.mark.django_db
def test_demo_load_is_idempotent_and_prints_accounts(capsys):
    call_command("demo_load")
    call_command("demo_load")
    out = capsys.readouterr().out
    assert "claire.morvan@example.org" in out
    assert "la cohorte de l'édition 2025" in out  # what a newcomer can try, and where
    assert Call.objects.filter(slug=SEED_SLUG).count() == 1
    assert Call.objects.filter(slug=OPEN_COPY_SLUG).count() == 1
    # one account per role, all fictitious
    for role in Role:
        assert User.objects.filter(roles_held__role=role).exists(), role
    assert not User.objects.exclude(email__endswith="@example.org").exists()


@pytest.mark.django_db
def test_demo_seed_call_is_closed_and_copy_is_open():
    demo_load()
    now = timezone.now()
    assert not Call.objects.get(slug=SEED_SLUG).is_open(at=now)
    assert Call.objects.get(slug=OPEN_COPY_SLUG).is_open(at=now)


@pytest.mark.django_db
def test_demo_reopens_a_copy_that_has_closed_since():
    demo_load(today=dt.date(2025, 1, 6))
    assert not Call.objects.get(slug=OPEN_COPY_SLUG).is_open()
    demo_load()
    assert Call.objects.get(slug=OPEN_COPY_SLUG).is_open()


@pytest.mark.django_db
def test_demo_2023_call_has_its_applications_and_the_open_copy_a_draft():
    from coopess.applications.models import Application

    demo_load()
    demo_load()  # idempotent
    received = Application.objects.filter(call__slug=SEED_SLUG).order_by("receipt_number")
    assert [a.receipt_number for a in received] == [f"COOP-2023-{n:04d}" for n in range(1, 8)]
    assert all(a.submitted_at.year == 2023 for a in received)
    assert {a.status for a in received} == {"selected", "waitlisted", "rejected", "withdrawn"}
    assert sum(a.structures.count() for a in received) > 5  # more than the cap: selection had work
    # the selection of July 2023: a cohort within the cap, every decision with its letter
    from coopess.selection.models import Cohort, Decision

    cohort = Cohort.objects.get(call__slug=SEED_SLUG)
    assert sum(m.application.structure_count for m in cohort.members.all()) <= 5
    decisions = Decision.objects.filter(application__call__slug=SEED_SLUG, is_current=True)
    assert decisions.count() == 6
    assert all(d.letter_sent_at.year == 2023 and d.letter_pdf for d in decisions)
    draft = Application.objects.get(call__slug=OPEN_COPY_SLUG)
    assert draft.status == "draft" and draft.created_by.email == "hugo.renaud@example.org"


@pytest.mark.django_db
def test_demo_2023_providers_have_accounts_that_see_their_consultation(client):
    from django.urls import reverse

    from coopess.competition.models import ConsultedProvider, TermsVersion
    from tests.conftest import sign_in

    demo_load()
    demo_load()  # idempotent
    consulted = list(
        ConsultedProvider.objects.filter(consultation__cohort__call__slug=SEED_SLUG)
        .select_related("user", "provider", "sent_version")
        .order_by("pk")
    )
    assert len(consulted) == 3
    for item in consulted:
        assert item.user.email == item.provider.email
        assert item.user.email.endswith("@example.org") and not item.user.has_usable_password()
        assert not item.user.needs_second_factor
        assert item.sent_version.number == 2 and item.sent_version.sent_at
    versions = TermsVersion.objects.filter(consultation=consulted[0].consultation)
    assert versions.count() == 2
    sign_in(client, consulted[0].user)
    listing = client.get(reverse("competition:provider_consultations")).content.decode()
    page = reverse("competition:provider_home", args=[consulted[0].pk])
    assert page in listing
    assert reverse("competition:provider_home", args=[consulted[1].pk]) not in listing
    response = client.get(page)
    assert response.status_code == 200 and "Proposition déposée le" in response.content.decode()


@pytest.mark.django_db
def test_demo_2025_cohort_lets_a_newcomer_run_a_consultation(client):
    """The 2025 edition stops at the validated synthesis: its cohort has no consultation and no
    engagement, and the demo officer starts, fills and sends one on it from today's page."""
    from django.urls import reverse

    from coopess.common.demo import EDITION_2025_SLUG
    from coopess.competition.models import Consultation, ConsultationStatus, Provider
    from coopess.competition.services import consultation as competition
    from coopess.diagnostic.models import SynthesisStatus
    from coopess.selection.models import Cohort, CohortStatus, Decision
    from coopess.support.models import Engagement
    from tests.conftest import sign_in

    demo_load()
    demo_load()  # idempotent
    edition = Call.objects.get(slug=EDITION_2025_SLUG)
    assert not edition.is_open(at=timezone.now()) and edition.closes_at.year == 2025
    cohort = Cohort.objects.get(call=edition)
    assert cohort.status == CohortStatus.SUPPORT
    assert sum(m.application.structure_count for m in cohort.members.all()) == 4
    decisions = Decision.objects.filter(application__call=edition, is_current=True)
    assert decisions.count() == 2 and all(
        d.letter_pdf and d.outcome == "selected" for d in decisions
    )
    synthesis = cohort.syntheses.get()
    assert synthesis.status == SynthesisStatus.VALIDATED and synthesis.pdf_sha256
    assert synthesis.validated_at.date() == dt.date(2025, 10, 21)
    assert synthesis.reviews.filter(verdict="approved").count() == 4
    assert not Consultation.objects.filter(cohort=cohort).exists()
    assert not Engagement.objects.filter(cohort=cohort).exists()

    officer = User.objects.get(email="claire.morvan@example.org")
    sign_in(client, officer)
    page = reverse("competition:consultation", args=[cohort.pk])
    assert "Mise en concurrence des prestataires" in client.get(page).content.decode()
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=14))
    response = client.post(
        page, {"budget_ceiling": "4200", "deadline": deadline.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get(cohort=cohort)
    # pre-filled from the validated synthesis and the action plan; each structure's context stays
    assert "poste partagé de mécanicien" in consultation.context
    assert "Comparer convention de mutualisation" in consultation.objectives
    assert "2,5 ETP" not in consultation.context
    for provider in Provider.objects.filter(operator=edition.operator).exclude(
        lookup_status="closed"
    ):
        competition.provider_consult(consultation=consultation, provider=provider, by=officer)
    competition.consultation_send(consultation=consultation, by=officer)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CONSULTING
    assert consultation.consulted.filter(user__isnull=True).count() == 3  # invitations to accept
