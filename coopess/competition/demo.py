"""The competition's demo data: the DLA's directory of three fictitious consulting providers,
and for the 2023 cohort a finished consultation of those three whose chosen proposal is the
existing engagement (same firm, half-days and budget), with the DLA's satisfaction about that
engagement (shown in the directory with its attendance). Any other cohort of the demo DLA (the
open copy's) can start its own consultation from the same directory. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.competition.models import (
    DEFAULT_CRITERIA,
    Consultation,
    ConsultationStatus,
    ConsultationTransition,
    ConsultedProvider,
    EngagementReview,
    Proposal,
    Provider,
    Score,
)
from coopess.structures.identifiers import fictitious_siret
from coopess.support.demo import FIRM_NAME, OFFICER_EMAIL
from coopess.support.models import Engagement

S = ConsultationStatus

PROVIDERS = [
    (FIRM_NAME, "Camille Rousseau", "contact@cooperer-ensemble.example.org", "1050.00", 17),
    ("Conseil Ligérien ESS (cabinet fictif)", "Hugo Lemaire", "hugo@ligerien.example.org", "1150.00", 14),
    ("Stratégies Solidaires (cabinet fictif)", "Inès Garnier", "ines@strategies.example.org", "980.00", 12),
]  # fmt: skip


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def demo_providers(operator) -> list[Provider]:
    return [
        Provider.objects.get_or_create(
            operator=operator,
            siret=fictitious_siret(7700 + index),
            defaults={
                "name": name,
                "contact_name": contact,
                "email": email,
                "expertise": "coopération entre structures, gouvernance, mutualisation",
                "departements": "44, 49, 53, 72, 85",
            },
        )[0]
        for index, (name, contact, email, _, _) in enumerate(PROVIDERS)
    ]


@transaction.atomic
def demo_competition(call_2023: Call) -> None:
    providers = demo_providers(call_2023.operator)
    engagement = Engagement.objects.filter(cohort__call=call_2023).select_related("cohort").first()
    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    if engagement is None or officer is None:
        return
    EngagementReview.objects.get_or_create(
        engagement=engagement,
        defaults={
            "satisfaction": 4,
            "comment": "Séances bien préparées ; la feuille de route est arrivée avec un mois "
            "de retard.",
            "recorded_at": _at(engagement.ends_on + dt.timedelta(days=20)),
        },
    )
    if Consultation.objects.filter(cohort=engagement.cohort).exists():
        return
    sent_on = engagement.created_at.date() - dt.timedelta(days=45)
    deadline = _at(sent_on + dt.timedelta(days=21), 12)
    consultation = Consultation.objects.create(
        cohort=engagement.cohort,
        status=S.CHOSEN,
        version=2,
        context=engagement.brief,
        objectives="Choisir et mettre en œuvre une forme de coopération adaptée.",
        deliverables="Comptes rendus de séance, scénarios de coopération, feuille de route.",
        half_days=engagement.planned_half_days,
        organisation="Deux demi-journées collectives en présentiel, deux individuelles à distance.",
        calendar=f"Du {engagement.starts_on:%d/%m/%Y} au {engagement.ends_on:%d/%m/%Y}.",
        budget_ceiling=Decimal("4400.00"),
        criteria=[dict(c) for c in DEFAULT_CRITERIA],
        deadline=deadline,
        contact="Claire Morvan, chargée d'accompagnement",
        justification="Méthode la plus adaptée aux petites structures, expérience des "
        "groupements d'employeurs, prix sous le plafond.",
        letters_sent_at=_at(deadline.date() + dt.timedelta(days=5)),
        created_by=officer,
        created_at=_at(sent_on - dt.timedelta(days=3)),
    )
    moves = [
        ("", S.CONSULTING, _at(sent_on)),
        (S.CONSULTING, S.CLOSED, _at(deadline.date() + dt.timedelta(days=1))),
        (S.CLOSED, S.CHOSEN, _at(deadline.date() + dt.timedelta(days=4))),
    ]
    for from_status, to_status, at in moves:
        ConsultationTransition.objects.create(
            consultation=consultation,
            from_status=from_status,
            to_status=to_status,
            by=officer,
            at=at,
            comment=consultation.justification if to_status == S.CHOSEN else "",
        )
    for index, provider in enumerate(providers):
        price, mark = Decimal(PROVIDERS[index][3]), PROVIDERS[index][4]
        consulted = ConsultedProvider.objects.create(
            consultation=consultation,
            provider=provider,
            invited_at=_at(sent_on),
            letter_sent_at=consultation.letters_sent_at,
        )
        chosen = index == 0
        total = engagement.budget if chosen else price * engagement.planned_half_days
        proposal = Proposal.objects.create(
            consulted=consulted,
            consultation=consultation,
            method="Ateliers collectifs puis temps individuels par structure.",
            calendar=consultation.calendar,
            consultants=PROVIDERS[index][1],
            half_days=engagement.planned_half_days,
            price_per_half_day=total / engagement.planned_half_days,
            total=total,
            references="Accompagnements de coopérations entre associations employeuses.",
            deadline=deadline,
            ceiling=consultation.budget_ceiling,
            submitted_at=deadline - dt.timedelta(days=2, hours=index),
            chosen=chosen,
        )
        Score.objects.create(
            proposal=proposal,
            by=officer,
            marks={c["key"]: mark for c in DEFAULT_CRITERIA},
            no_conflict_declared_at=_at(deadline.date() + dt.timedelta(days=2)),
        )


def load(demo) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_competition(demo.seed_call)
