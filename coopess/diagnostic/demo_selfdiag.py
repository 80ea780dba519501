"""Demo data for the self-diagnostic and the workshop: on the 2023 cohort, every structure's
self-diagnostic sent in early September 2023, the collective workshop held on 10 October 2023
with its outcomes and an action plan. Every person and fact is fictitious."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from coopess.calls.models import Call
from coopess.diagnostic import synergy
from coopess.diagnostic.demo_base import demo_officer, open_diagnostic, paris
from coopess.diagnostic.models import (
    ActionItem,
    ActionStatus,
    AidField,
    MeetingStatus,
    Mode,
    QuestionKind,
    SelfDiagnostic,
    Workshop,
)
from coopess.diagnostic.permissions import cohort_structures
from coopess.diagnostic.services.selfdiag import NO, YES, questionnaire_setup, questions_for

ADDRESS = "Maison de l'ESS (fictive), 12 rue des Tisserands, 44000 Nantes"

#: one profile per structure (in cohort order): domain positions and what the answers say
PROFILES = (
    {
        "domains": {"admin": "resource", "hr": "need", "fundraising": "need", "it": "pooled"},
        "integration": "faire_ensemble",
        "flags": {
            AidField.KEEP_AUTONOMY: YES,
            AidField.SHARE_STAFF: YES,
            AidField.SECTOR_MEDICO_SOCIAL: NO,
            AidField.COMMERCIAL_ACTIVITY: NO,
            AidField.MULTI_STAKEHOLDER: NO,
        },
        "autonomy": "Notre projet associatif et la relation avec nos adhérents.",
        "fears": "Que la fonction partagée profite surtout aux plus grosses structures.",
        "employer": 1,
    },
    {
        "domains": {
            "admin": "need",
            "hr": "need",
            "purchasing": "resource",
            "premises": "resource",
        },
        "integration": "faire_ensemble",
        "flags": {
            AidField.KEEP_AUTONOMY: YES,
            AidField.SHARE_STAFF: YES,
            AidField.SECTOR_MEDICO_SOCIAL: NO,
            AidField.COMMERCIAL_ACTIVITY: NO,
            AidField.MULTI_STAKEHOLDER: NO,
        },
        "autonomy": "L'accueil des bénéficiaires et le choix de nos fournisseurs locaux.",
        "fears": "Le coût d'une structure commune pour une petite équipe ; le temps bénévole.",
        "employer": 1,
    },
    {
        "domains": {"admin": "need", "communication": "need", "training": "resource"},
        "integration": "faire_avec",
        "flags": {
            AidField.KEEP_AUTONOMY: YES,
            AidField.SHARE_STAFF: NO,
            AidField.SECTOR_MEDICO_SOCIAL: NO,
            AidField.COMMERCIAL_ACTIVITY: NO,
            AidField.MULTI_STAKEHOLDER: NO,
        },
        "autonomy": "Notre conseil d'administration garde la main sur le budget.",
        "fears": "Un calendrier trop rapide pour nos bénévoles.",
        "employer": 3,
    },
    {
        "domains": {"hr": "resource", "equipment": "resource", "communication": "resource"},
        "integration": "faire_ensemble",
        "flags": {
            AidField.KEEP_AUTONOMY: YES,
            AidField.SHARE_STAFF: YES,
            AidField.SECTOR_MEDICO_SOCIAL: NO,
            AidField.COMMERCIAL_ACTIVITY: YES,
            AidField.MULTI_STAKEHOLDER: NO,
        },
        "autonomy": "La programmation artistique.",
        "fears": "Des conventions collectives différentes entre les structures.",
        "employer": 0,
    },
    {
        "domains": {"equipment": "need", "fundraising": "need", "it": "pooled"},
        "integration": "faire_avec",
        "flags": {
            AidField.KEEP_AUTONOMY: YES,
            AidField.SHARE_STAFF: NO,
            AidField.SECTOR_MEDICO_SOCIAL: NO,
            AidField.COMMERCIAL_ACTIVITY: YES,
            AidField.MULTI_STAKEHOLDER: YES,
        },
        "autonomy": "Le festival et son identité auprès du public.",
        "fears": "Perdre la souplesse d'une petite équipe.",
        "employer": 3,
    },
)

AGENDA = """- Tour de table : attentes de chaque structure
- Lecture partagée de la carte des synergies
- Les formes de coopération possibles (aide à la décision)
- Construction du plan d'action"""

STAKES = """- Sécuriser la fonction administrative et financière des plus petites structures.
- Partager des compétences rares (paie, recherche de financements) sans perdre l'autonomie
  de chaque projet.
- Garder un calendrier compatible avec la disponibilité des bénévoles."""

DECISIONS = """- Étudier un **groupement d'employeurs** pour un poste administratif et financier partagé.
- Signer d'ici là une **convention de mutualisation** pour les achats et le matériel.
- Pas de structure commune avant la fin de l'accompagnement collectif."""

ACTIONS = (
    ("Chiffrer un poste administratif et financier partagé (temps, coût, répartition)", [0, 1, 2],
     "Léa Dubois", dt.date(2023, 11, 30), ActionStatus.DONE),
    ("Comparer groupement d'employeurs et mise à disposition de personnel", [0, 1, 3],
     "Chargée d'accompagnement DLA", dt.date(2023, 12, 15), ActionStatus.IN_PROGRESS),
    ("Rédiger une convention de mutualisation des achats et du matériel", [1, 3, 4],
     "Paul Lemoine", dt.date(2024, 1, 31), ActionStatus.TODO),
    ("Présenter le projet aux conseils d'administration", [], "Chaque présidence",
     dt.date(2024, 2, 29), ActionStatus.TODO),
)  # fmt: skip


def _answers(questions, profile: dict) -> dict:
    """The answers of one profile, written through what each question feeds (so that an
    edited questionnaire still gets sensible demo answers)."""
    answers: dict = {}
    for question in questions:
        if question.kind == QuestionKind.DOMAINS:
            answers[question.code] = {
                code: profile["domains"].get(code, synergy.Position.NOT_RELEVANT.value)
                for code, _label in synergy.DOMAINS
            }
        elif question.kind == QuestionKind.INTEGRATION:
            answers[question.code] = profile["integration"]
        elif question.kind == QuestionKind.YES_NO:
            answers[question.code] = profile["flags"].get(question.feeds, NO)
        elif question.kind == QuestionKind.CHOICE and question.choices:
            answers[question.code] = question.choices[profile["employer"] % len(question.choices)]
        elif question.kind == QuestionKind.TEXT:
            is_fear = question.feeds == AidField.BLOCKING_POINTS
            answers[question.code] = profile["fears"] if is_fear else profile["autonomy"]
    return answers


@transaction.atomic
def demo_selfdiag(call_2023: Call) -> None:
    """Fill the 2023 cohort's self-diagnostics, workshop and action plan (idempotent)."""
    cohort = call_2023.cohorts.order_by("pk").first()
    officer = demo_officer(call_2023)
    if cohort is None or officer is None or SelfDiagnostic.objects.filter(cohort=cohort).exists():
        return
    questionnaire_setup(call=call_2023)
    if open_diagnostic(cohort, officer) is None:
        return
    questions = questions_for(call_2023)
    structures = list(cohort_structures(cohort))
    for index, structure in enumerate(structures):
        account = structure.accesses.select_related("user").order_by("pk").first()
        sent = paris(2023, 9, 8 + index, 17, 30)
        SelfDiagnostic.objects.create(
            cohort=cohort,
            structure=structure,
            answers=_answers(questions, PROFILES[index % len(PROFILES)]),
            updated_at=sent,
            updated_by=account.user if account else None,
            submitted_at=sent,
        )

    workshop = Workshop.objects.create(
        cohort=cohort,
        title="Atelier collectif",
        starts_at=paris(2023, 10, 10, 9, 30),
        ends_at=paris(2023, 10, 10, 12, 30),
        mode=Mode.IN_PERSON,
        address=ADDRESS,
        agenda=AGENDA,
        stakes=STAKES,
        decisions=DECISIONS,
        organiser=officer,
        status=MeetingStatus.HELD,
        sequence=1,  # moved once by half an hour after the first invitation
        reminder_sent_at=paris(2023, 10, 8, 9, 30),
        created_at=paris(2023, 9, 25, 11),
    )
    steps = list(call_2023.steps.order_by("position", "pk"))
    for position, (text, members, owner, due, status) in enumerate(ACTIONS, start=1):
        item = ActionItem.objects.create(
            cohort=cohort,
            workshop=workshop,
            position=position,
            action=text,
            owner=owner,
            due_date=due,
            status=status,
            support_step=steps[min(position, len(steps) - 1)] if steps else None,
        )
        item.structures.set([structures[i] for i in members if i < len(structures)])
