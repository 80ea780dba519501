"""The partner finder's personal data, declared to the privacy registry.

- A consent (``FinderProfile``) names the person who gave it and shows what the structure chose
  (its name, a free presentation). Kept while active; emptied when withdrawn or expired (the
  row and its log stay as the proof of consent: who, when, what, to whom, until when).
- A contact request's message may hold names: emptied when one of the two structures'
  applications is anonymised; the request itself stays (no personal data) so that the funders'
  counts (introductions, joint applications that followed) survive retention.

Retention (an application anonymised): its structures' profiles and their logs are deleted, the
messages of their requests emptied. Erasure of a person: their profiles' presentations are
emptied, their name is removed from the logs and requests they wrote. Export: the consents they
gave (with their log) and the requests they wrote.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from coopess.accounts.models import User
from coopess.applications.models import Application, ApplicationStructure
from coopess.finder.models import ConsentEvent, ContactRequest, FinderProfile
from coopess.privacy.registry import PersonalDataSource, register


def _structures(applications: QuerySet[Application]):
    return ApplicationStructure.objects.filter(application__in=applications).values("pk")


def anonymise_finder(applications: QuerySet[Application]) -> None:
    structures = _structures(applications)
    FinderProfile.objects.filter(structure__in=structures).delete()
    ContactRequest.objects.filter(
        Q(from_structure__in=structures) | Q(to_structure__in=structures)
    ).exclude(message="").update(message="")


def erase_from_finder(user: User, applications: QuerySet[Application]) -> None:
    FinderProfile.objects.filter(granted_by=user).update(pitch="", granted_by=None)
    ConsentEvent.objects.filter(by=user).update(by=None)
    ContactRequest.objects.filter(created_by=user).update(created_by=None, message="")
    ContactRequest.objects.filter(introduced_by=user).update(message="")


def finder_of(user: User) -> dict[str, list[dict[str, Any]]]:
    consents = [
        {
            "structure": profile.name,
            "visible par": profile.get_audience_display(),
            "informations montrées": profile.shown,
            "présentation": profile.pitch,
            "donné le": profile.granted_at.isoformat(),
            "valable jusqu'au": profile.expires_at.isoformat(),
            "retiré le": profile.withdrawn_at.isoformat() if profile.withdrawn_at else None,
            "journal": [
                {"action": e.get_action_display(), "le": e.at.isoformat()}
                for e in profile.events.all()
            ],
        }
        for profile in FinderProfile.objects.filter(granted_by=user).prefetch_related("events")
    ]
    requests = [
        {
            "de": str(r.from_structure),
            "à": str(r.to_structure),
            "message": r.message,
            "statut": r.get_status_display(),
            "envoyée le": r.created_at.isoformat(),
        }
        for r in ContactRequest.objects.filter(created_by=user).select_related(
            "from_structure", "to_structure"
        )
    ]
    out: dict[str, list[dict[str, Any]]] = {}
    if consents:
        out["Recherche de partenaires : consentements"] = consents
    if requests:
        out["Recherche de partenaires : demandes de mise en relation"] = requests
    return out


register(
    PersonalDataSource(
        name="recherche de partenaires",
        anonymise=anonymise_finder,
        erase_person=erase_from_finder,
        export_person=finder_of,
    )
)
