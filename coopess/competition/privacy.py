"""The personal data of the competition, declared to the privacy registry.

The providers' directory belongs to the DLA and is not tied to applications: retention leaves
it alone; an accepted erasure request removes a contact whose address is the person's (name,
address, phone), and the consultants' names written in that provider's proposals. The export
lists the directory entries whose contact address is the person's, with the consultations they
were invited to. The directory's answer about the SIRET (``lookup_data``, ``address``)
describes the firm's establishment, not its contact person, and stays with the firm. The
DLA's satisfaction about an engagement (``EngagementReview``) names nobody. The latest dated
activity of a cohort is the last proposal submitted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.functions import Lower

from coopess.accounts.models import User
from coopess.applications.models import Application
from coopess.competition.models import Proposal, Provider
from coopess.diagnostic.privacy import emails_of
from coopess.privacy.registry import PersonalDataSource, register
from coopess.selection.models import Cohort

ERASED_CONSULTANTS = "Consultant·es anonymisé·es"


def _providers_of(user: User) -> QuerySet[Provider]:
    return Provider.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails_of(user)
    )


def erase_provider_contact(user: User, applications: QuerySet[Application]) -> None:
    ids = list(_providers_of(user).values_list("pk", flat=True))
    if not ids:
        return
    Provider.objects.filter(pk__in=ids).update(
        contact_name="Contact effacé", email="efface@anonyme.invalid", phone=""
    )
    Proposal.objects.filter(consulted__provider_id__in=ids).exclude(consultants="").update(
        consultants=ERASED_CONSULTANTS
    )


def provider_contacts_of(user: User) -> dict[str, list[dict[str, Any]]]:
    rows = [
        {
            "prestataire": p.name,
            "siret": p.siret,
            "adresse_etablissement": p.address,
            "contact": p.contact_name,
            "adresse_electronique": p.email,
            "telephone": p.phone,
            "consultations": [str(c.consultation.cohort) for c in p.consultations.all()],
        }
        for p in _providers_of(user)
        .prefetch_related("consultations__consultation__cohort")
        .order_by("name", "pk")
    ]
    return {"Annuaire des prestataires de conseil": rows} if rows else {}


def last_competition_activity(cohort: Cohort) -> dt.datetime | None:
    return Proposal.objects.filter(consultation__cohort=cohort).aggregate(a=Max("submitted_at"))[
        "a"
    ]


register(
    PersonalDataSource(
        name="mise_en_concurrence",
        erase_person=erase_provider_contact,
        export_person=provider_contacts_of,
        cohort_activity=last_competition_activity,
    )
)
