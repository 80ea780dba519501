"""The competition's demo data: the DLA's directory of three fictitious consulting providers,
and for the 2023 cohort a finished consultation of those three whose chosen proposal is the
existing engagement (same firm, half-days and budget), marked by the officer and by two members
of the comité d'appui (``demo_committee``), with the DLA's satisfaction about that engagement
(shown in the directory with its attendance). Each provider's contact has an account (fictitious
address, signed in by emailed code, no password) that accepted its 2023 invitation: « Mes
consultations » shows it. The 2023 call says that its comité d'appui marks. The 2025 edition's
cohort (validated synthesis, no engagement) is left for a newcomer to start its own
consultation from the same directory, with the call's defaults (3 providers at least, the
officer alone marks); its invitations reach the same accounts. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.competition.models import (
    DEFAULT_CRITERIA,
    CommitteeMember,
    CompetitionSettings,
    Consultation,
    ConsultationStatus,
    ConsultationTransition,
    ConsultedProvider,
    EngagementReview,
    LookupStatus,
    Proposal,
    Provider,
    Score,
    TermsVersion,
    terms_content,
)
from coopess.structures.identifiers import fictitious_siret
from coopess.support.demo import FIRM_NAME, OFFICER_EMAIL
from coopess.support.models import Engagement

S = ConsultationStatus

PROVIDERS = [
    (FIRM_NAME, "Camille Rousseau", "camille.rousseau@example.org", "1050.00", 17),
    ("Conseil Ligérien ESS (cabinet fictif)", "Hugo Lemaire", "hugo.lemaire@example.org", "1150.00", 14),
    ("Stratégies Solidaires (cabinet fictif)", "Inès Garnier", "ines.garnier@example.org", "980.00", 12),
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


#: a provider the directory found closed: shown disabled, never consulted (the guide's example)
CLOSED_PROVIDER = ("Atlantique Conseil Associatif (cabinet fictif, fermé)", "Jean Ferré")


def demo_closed_provider(operator) -> Provider:
    name, contact = CLOSED_PROVIDER
    provider, _ = Provider.objects.get_or_create(
        operator=operator,
        siret=fictitious_siret(7700 + len(PROVIDERS)),
        defaults={
            "name": name,
            "contact_name": contact,
            "email": "jean.ferre@example.org",
            "expertise": "gouvernance associative",
            "departements": "44",
            "lookup_status": LookupStatus.CLOSED,
        },
    )
    return provider


def demo_provider_account(provider: Provider) -> User:
    """The provider contact's account: signs in by emailed code (no password), like a partner."""
    user = User.objects.filter(email=provider.email).first()
    if user is None:
        first_name, _, last_name = provider.contact_name.partition(" ")
        user = User.objects.create_user(provider.email, first_name=first_name, last_name=last_name)
    EmailAddress.objects.get_or_create(
        user=user, email=provider.email, defaults={"verified": True, "primary": True}
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.APPLICANT, organisation=None)
    return user


@transaction.atomic
def demo_competition(call_2023: Call) -> None:
    providers = demo_providers(call_2023.operator)
    accounts = {provider.pk: demo_provider_account(provider) for provider in providers}
    for consulted in ConsultedProvider.objects.filter(
        provider__in=providers, user__isnull=True, invited_at__isnull=False
    ):  # an earlier demo database: its 2023 invitations accepted by the accounts
        consulted.user = accounts[consulted.provider_id]
        consulted.accepted_at = consulted.invited_at + dt.timedelta(hours=2)
        consulted.save(update_fields=["user", "accepted_at"])
    # the 2023 call said its comité d'appui marks the proposals (« Gestion des appels »)
    CompetitionSettings.objects.get_or_create(call=call_2023, defaults={"committee_scores": True})
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
    # two versions of the terms: the first draft, then the one sent
    first_draft = {**terms_content(consultation), "deliverables": "Scénarios de coopération."}
    TermsVersion.objects.create(
        consultation=consultation,
        number=1,
        content=first_draft,
        created_by=officer,
        created_at=consultation.created_at,
    )
    sent = TermsVersion.objects.create(
        consultation=consultation,
        number=2,
        content=terms_content(consultation),
        created_by=officer,
        created_at=_at(sent_on - dt.timedelta(days=1)),
        sent_at=_at(sent_on),
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
            user=accounts[provider.pk],
            accepted_at=_at(sent_on, 14),
            sent_version=sent,
            letter_sent_at=consultation.letters_sent_at,
        )
        chosen = index == 0
        total = engagement.budget if chosen else price * engagement.planned_half_days
        proposal = Proposal.objects.create(
            consulted=consulted,
            consultation=consultation,
            method="Ateliers collectifs puis temps individuels par structure.",
            calendar=consultation.calendar,
            consultants="Nadia Benali, nadia.benali@example.org" if chosen else PROVIDERS[index][1],
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


#: the comité d'appui of the 2023 consultation: (email, mark per proposal or None = conflict)
COMMITTEE = [
    ("yannick.le-floch@example.org", [16, 13, 11]),
    ("martine.caradec@example.org", [15, None, 12]),
]


@transaction.atomic
def demo_committee(call_2023: Call) -> None:
    """The comité d'appui of the 2023 consultation marked the proposals too: the demo reviewer
    (Yannick Le Floch, who can sign in) marked all three; a second member declared a conflict
    of interest with one provider and marked the two others."""
    consultation = (
        Consultation.objects.filter(cohort__call=call_2023).select_related("created_by").first()
    )
    if consultation is None:
        return
    # the officer's marks (given with the declaration of no conflict) count as marked then
    Score.objects.filter(
        proposal__consultation=consultation,
        marked_at__isnull=True,
        no_conflict_declared_at__isnull=False,
    ).update(marked_at=F("no_conflict_declared_at"))
    if consultation.committee.exists():
        return
    closed = consultation.transitions.filter(to_status=S.CLOSED).values_list("at", flat=True)
    closed_at = closed.first() or consultation.deadline
    proposals = list(consultation.proposals.order_by("pk"))
    Consultation.objects.filter(pk=consultation.pk).update(committee_scores=True)
    for email, marks in COMMITTEE:
        member = User.objects.filter(email=email).first()
        if member is None:
            continue
        CommitteeMember.objects.create(
            consultation=consultation,
            member=member,
            assigned_by=consultation.created_by,
            assigned_at=consultation.created_at,
            notified_at=closed_at,
        )
        at = closed_at + dt.timedelta(hours=20)
        for proposal, mark in zip(proposals, marks, strict=False):
            if mark is None:
                Score.objects.create(
                    proposal=proposal,
                    by=member,
                    conflict_declared_at=at,
                    conflict_note="A travaillé pour ce cabinet il y a deux ans.",
                )
                continue
            Score.objects.create(
                proposal=proposal,
                by=member,
                marks={c["key"]: mark for c in consultation.criteria},
                no_conflict_declared_at=at,
                marked_at=at + dt.timedelta(minutes=20),
            )


def load(demo) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_competition(demo.seed_call)
    demo_committee(demo.seed_call)
    demo_closed_provider(demo.seed_call.operator)
