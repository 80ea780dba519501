"""Demo data of the reports: the DLA's commentary for 2023 (fictitious), read with that year's
indicators (a step of ``coopess.common.demo.demo_load``); idempotent."""

from __future__ import annotations

from coopess.common.demo import DemoContext
from coopess.reporting.models import ActivityNote

DEMO_ACTIVITY_NOTE = """\
Première édition de l'appel « Coopération stratégique entre structures de l'ESS » : l'appel a
reçu des candidatures de toute la région, et **cinq structures** ont été accompagnées
collectivement de septembre à décembre 2023.

- Le diagnostic partagé a fait émerger deux pistes : une mutualisation de fonctions support et
  un groupement d'employeurs.
- La synthèse a été validée par toutes les structures après une seconde version.
- Les suivis à 6 mois et à 1 an sont programmés pour 2024.

*Texte fictif de démonstration.*"""


def demo_activity_note(operator) -> None:
    """The DLA's commentary for 2023, read with that year's indicators (fictitious)."""
    from coopess.reporting.models import ActivityNote

    ActivityNote.objects.get_or_create(
        operator=operator, year=2023, defaults={"text": DEMO_ACTIVITY_NOTE}
    )


def load(demo: DemoContext) -> None:
    """The DLA's commentary for 2023, read with that year's indicators (fictitious)."""
    ActivityNote.objects.get_or_create(
        operator=demo.organisations["dla"], year=2023, defaults={"text": DEMO_ACTIVITY_NOTE}
    )
