"""Building a consultation in tests: providers of the cohort's DLA, a sent consultation and
proposals submitted before the deadline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from coopess.competition.models import Consultation, ConsultedProvider, Provider
from coopess.competition.services import consultation as services
from coopess.competition.services import proposals as proposal_services
from coopess.structures.identifiers import fictitious_siret
from tests.diagnostic.helpers import CohortSetup


def make_provider(operator, index: int = 1, **fields) -> Provider:
    values = {
        "name": f"Cabinet fictif n°{index}",
        "siret": fictitious_siret(900 + index),
        "contact_name": f"Contact {index}",
        "email": f"cabinet{index}@example.org",
        "expertise": "coopération, gouvernance",
        "departements": "44, 49",
    }
    values.update(fields)
    return Provider.objects.create(operator=operator, **values)


def make_consultation(
    setup: CohortSetup, *, providers: int = 3, ceiling: str = "5000", days: int = 10
) -> Consultation:
    consultation = services.consultation_create(
        cohort=setup.cohort,
        by=setup.officer,
        budget_ceiling=Decimal(ceiling),
        deadline=timezone.now() + dt.timedelta(days=days),
    )
    for index in range(1, providers + 1):
        services.provider_consult(
            consultation=consultation,
            provider=make_provider(setup.call.operator, index + 10 * setup.cohort.pk),
            by=setup.officer,
        )
    return consultation


def send(setup: CohortSetup, consultation: Consultation, **kwargs) -> Consultation:
    return services.consultation_send(consultation=consultation, by=setup.officer, **kwargs)


def submit(consulted: ConsultedProvider, *, price: str = "1000", half_days: int = 4):
    proposal_services.proposal_save(
        consulted=consulted,
        method="Deux ateliers collectifs puis deux temps individuels.",
        calendar="Septembre à novembre.",
        consultants="Nadia Consultante",
        half_days=half_days,
        price_per_half_day=Decimal(price),
        total=Decimal(price) * half_days,
        references="Trois coopérations accompagnées.",
    )
    return proposal_services.proposal_submit(consulted=consulted)


def matrix_ids(setup: CohortSetup) -> dict:
    """A sent consultation of the matrix cohort, a question and a proposal (nobody in the
    matrix may see them)."""
    consultation = send(setup, make_consultation(setup))
    consulted = consultation.consulted.first()
    question = proposal_services.question_ask(consulted=consulted, text="Question ?")
    proposal = submit(consulted)
    from coopess.support.models import Engagement

    engagement = Engagement.objects.filter(cohort=setup.cohort).first()
    provider_user(consulted)  # its own account: nobody in the matrix
    return {
        "question_id": question.pk,
        "proposal_id": proposal.pk,
        "consulted_id": consulted.pk,
        "number": consultation.version,
        "consultation_id": consultation.pk,
        "provider_id": consulted.provider_id,
        "engagement_id": engagement.pk if engagement else 0,
        "assigned_id": 0,  # no comité d'appui member: the POST-only URL answers 405 first
    }


def provider_user(consulted: ConsultedProvider):
    """The provider's account (its invited address, signed in by code), invitation accepted."""
    from coopess.accounts.models import User
    from coopess.competition.services.invitations import provider_accept

    email = consulted.provider.email
    user = User.objects.filter(email=email).first() or User.objects.create_user(email)
    if consulted.user_id is None:
        provider_accept(consulted=consulted, user=user)
        consulted.refresh_from_db()
    return user


def provider_page(client, consulted: ConsultedProvider) -> str:
    """Sign ``client`` in as the consulted provider's account; its consultation page's URL."""
    from django.urls import reverse

    from tests.conftest import sign_in

    sign_in(client, provider_user(consulted))
    return reverse("competition:provider_home", args=[consulted.pk])
