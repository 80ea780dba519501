"""Demo data of the partner finder: the 2023 applicants (retained or not) that act in CoopESS
consent to be findable, each with needs and resources, and one of them has asked another for
an introduction; one stays for the DLA only.

Called by ``coopess.common.demo.demo_load`` after the 2023 selection; does nothing the second
time. Consents run from the day the demo is loaded (the finder only shows active consents).
"""

from __future__ import annotations

from django.db import transaction

from coopess.applications.models import ApplicationAccess, ApplicationStructure
from coopess.calls.models import Call
from coopess.common.demo import DemoContext
from coopess.finder import services
from coopess.finder.models import Audience, FinderProfile, Shown

SEED_SLUG = "cooperation-strategique-2023"

# needs, resources, presentation — in turn for the 2023 structures, in their order
PROFILES = [
    (
        ["admin", "it"],
        ["premises"],
        "Nous cherchons à mutualiser notre paie et notre informatique.",
    ),
    (["communication"], ["admin", "training"], "Service comptable et paie mutualisable."),
    (["premises", "equipment"], ["hr"], "Nous partageons déjà un poste et cherchons des locaux."),
    (["hr", "fundraising"], ["communication", "it"], "Une chargée de communication à partager."),
    (["admin", "purchasing"], ["equipment"], "Un parc de véhicules disponible en semaine."),
    (["training"], ["services", "fundraising"], "Accompagnement aux financements européens."),
]


@transaction.atomic
def demo_finder() -> None:
    call = Call.objects.filter(slug=SEED_SLUG).first()
    if call is None or FinderProfile.objects.filter(structure__application__call=call).exists():
        return
    accesses = (
        ApplicationAccess.objects.filter(application__call=call)
        .exclude(application__status="draft")
        .select_related("structure", "user")
        .order_by("application__receipt_number", "structure__position", "pk")
    )
    seen: set[int] = set()
    profiles = []
    for access in accesses:
        structure: ApplicationStructure = access.structure
        if structure.pk in seen or not structure.name:
            continue
        seen.add(structure.pk)
        needs, resources, pitch = PROFILES[len(profiles) % len(PROFILES)]
        profiles.append(
            services.consent_save(
                structure=structure,
                by=access.user,
                audience=Audience.OFFICERS if len(profiles) == 4 else Audience.EVERYONE,
                shown=list(Shown.values),
                duration_months=24,
                needs=needs,
                resources=resources,
                pitch=pitch,
            )
        )
    if len(profiles) >= 2:
        services.contact_request(
            seeker=profiles[1],
            target=profiles[0],
            by=profiles[1].granted_by,
            message="Bonjour, nous pourrions vous proposer notre service de paie. Échangeons !",
        )


def load(demo: DemoContext) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_finder()
