"""Demo history of the 2025 edition's « diagnostic partagé », stopped where the competition
starts: the diagnostic opened on 8 September 2025 (no interview or self-diagnostic recorded: the
2023 cohort shows those), the collective workshop held on 2 October 2025 with its action plan, and one version of the synthesis circulated on 14 October 2025, approved by
the four structures and validated on 21 October 2025. The cohort is then in the collective
support with no consultation and no engagement: the cohort a newcomer runs the competition on
(« Mise en concurrence des prestataires »). Dates are fixed and past; every person and fact is
fictitious. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from coopess.calls.models import Call
from coopess.diagnostic.demo_base import demo_officer, open_diagnostic, paris
from coopess.diagnostic.demo_selfdiag import ADDRESS
from coopess.diagnostic.demo_synthesis import approve, date_validation, date_version
from coopess.diagnostic.models import (
    ActionItem,
    MeetingStatus,
    Mode,
    Workshop,
)
from coopess.diagnostic.permissions import cohort_structures
from coopess.diagnostic.services import synthesis as services
from coopess.selection.models import CohortStatus

STARTED = paris(2025, 9, 8, 9)
WORKSHOP_DAY = dt.date(2025, 10, 2)
CIRCULATED = paris(2025, 10, 14, 9)
VALIDATED = paris(2025, 10, 21, 16)

STAKES = """- Deux tiers-lieux du Saumurois partagent déjà des bénévoles mais pas leurs charges fixes.
- Deux structures de mobilité solidaire se disputent les mêmes financements sur le littoral.
- Toutes manquent de temps administratif : personne ne tient la comptabilité à plein temps."""
DECISIONS = """- Étudier une **convention de mutualisation** pour la comptabilité et le local.
- Comparer la convention et un **groupement d'employeurs** pour un poste de mécanicien partagé.
- Présenter les scénarios aux quatre conseils d'administration avant l'été 2026."""

#: (action, indexes of the structures concerned, owner, due date)
ACTIONS = [
    ("Chiffrer les charges de local et de comptabilité de chaque tiers-lieu", (0, 1), "Nora Bellec", dt.date(2025, 11, 28)),
    ("Recenser les besoins en heures de mécanique des deux structures de mobilité", (2, 3), "Élodie Marchand", dt.date(2025, 11, 28)),
    ("Comparer convention de mutualisation et groupement d'employeurs", (0, 1, 2, 3), "Consultant·e retenu·e", dt.date(2026, 2, 27)),
]  # fmt: skip

#: the sections the officer wrote over what CoopESS prepared (the others stay as prepared)
SECTIONS = {
    "context": """Les quatre structures se sont retrouvées pour l'atelier collectif du 2 octobre 2025 ; ce contexte reprend leurs candidatures et ce qu'elles y ont dit.

### Tiers-lieu des Coteaux (fictif)

Association de Maine-et-Loire, 3 salariés (2,5 ETP). Loue seule un local trop grand pour elle.

### La Fabrique partagée (fictive)

Coopérative de Maine-et-Loire, 4 salariés (3,2 ETP). Cherche un local et une comptabilité partagés.

### Mobilité solidaire du Pays de Retz (fictive)

Association de Loire-Atlantique, 5 salariés (4,1 ETP). Location de véhicules à prix solidaire.

### Garage solidaire du Marais (fictif)

Association de Vendée, 6 salariés (5 ETP). Réparation à prix solidaire, un mécanicien à mi-temps.
""",
    "synergies": """- Les deux tiers-lieux ont des publics et des bénévoles communs.
- Les deux structures de mobilité se complètent : l'une loue, l'autre répare.""",
    "blocking_points": """- La crainte de perdre son autonomie de décision.
- Des calendriers budgétaires différents (exercice civil / exercice de septembre).""",
    "cooperation_forms": """Formes discutées : convention de mutualisation (local, comptabilité) et groupement d'employeurs (poste de mécanicien partagé). Une fusion a été écartée par les quatre structures.""",
    "support": """L'accompagnement collectif (3 à 4 demi-journées avec un·e consultant·e) travaillera sur :

- **la mutualisation du local et de la comptabilité** entre les deux tiers-lieux : scénarios chiffrés, convention type ;
- **le poste partagé de mécanicien** : convention de mutualisation ou groupement d'employeurs, avantages et limites ;
- **la gouvernance** : comment chaque structure garde la main sur ses décisions.""",
}  # fmt: skip


@transaction.atomic
def demo_diagnostic_2025(call: Call) -> None:
    """Give the 2025 edition's cohort its workshop, action plan and validated synthesis."""
    cohort = call.cohorts.order_by("pk").first()
    officer = demo_officer(call)
    if cohort is None or officer is None or cohort.syntheses.exists():
        return
    open_diagnostic(cohort, officer, started=STARTED)
    if cohort.status != CohortStatus.DIAGNOSTIC:
        return
    structures = list(cohort_structures(cohort))
    if not structures:
        return
    workshop = Workshop.objects.create(
        cohort=cohort,
        starts_at=paris(2025, 10, 2, 9, 30),
        ends_at=paris(2025, 10, 2, 12, 30),
        mode=Mode.IN_PERSON,
        address=ADDRESS,
        agenda="1. Ce que chacun attend\n2. Les formes de coopération possibles\n3. Le plan d'action",
        stakes=STAKES,
        decisions=DECISIONS,
        organiser=officer,
        status=MeetingStatus.HELD,
        reminder_sent_at=paris(2025, 9, 30, 9, 30),
        created_at=paris(2025, 9, 15, 11),
    )
    for position, (text, members, owner, due) in enumerate(ACTIONS, start=1):
        item = ActionItem.objects.create(
            cohort=cohort,
            workshop=workshop,
            position=position,
            action=text,
            owner=owner,
            due_date=due,
        )
        item.structures.set([structures[i] for i in members if i < len(structures)])

    version = services.synthesis_create(cohort=cohort, by=officer)
    for section in version.sections.filter(key__in=SECTIONS):
        services.synthesis_section_update(
            section=section, by=officer, title=section.title, body=SECTIONS[section.key]
        )
    services.synthesis_circulate(version=version, by=officer)
    date_version(version, created=paris(2025, 10, 9, 10), circulated=CIRCULATED)
    approve(
        version,
        structures,
        officer,
        at=[CIRCULATED + dt.timedelta(days=1 + i, hours=2) for i in range(len(structures))],
    )
    date_validation(version, VALIDATED)
