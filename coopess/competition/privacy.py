"""The personal data of the competition, declared to the privacy registry.

The providers' directory belongs to the DLA and is not tied to applications: retention leaves
it alone; an accepted erasure request removes a contact whose address is the person's (name,
address, phone), and the consultants' names written in that provider's proposals. The export
lists the directory entries whose contact address is the person's, with the consultations they
were invited to, and the consultations whose invitation the person's account accepted; an
erasure also unlinks the account from them. The directory's answer about the SIRET
(``lookup_data``, ``address``) describes the firm's establishment, not its contact person, and
stays with the firm. The DLA's satisfaction about an engagement (``EngagementReview``) names
nobody. The latest dated activity of a cohort is the last proposal submitted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.functions import Lower

from coopess.accounts.models import User
from coopess.applications.models import Application
from coopess.competition.models import CommitteeMember, ConsultedProvider, Proposal, Provider, Score
from coopess.diagnostic.privacy import emails_of, finished_cohorts
from coopess.privacy.registry import PersonalDataSource, register
from coopess.selection.models import Cohort

ERASED_CONSULTANTS = "Consultant·es anonymisé·es"


def _providers_of(user: User) -> QuerySet[Provider]:
    return Provider.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails_of(user)
    )


def erase_provider_contact(user: User, applications: QuerySet[Application]) -> None:
    ConsultedProvider.objects.filter(user=user).update(user=None)
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
    accepted = [
        {
            "prestataire": c.provider.name,
            "consultation": str(c.consultation.cohort),
            "invitation_acceptee_le": c.accepted_at.isoformat() if c.accepted_at else "",
        }
        for c in ConsultedProvider.objects.filter(user=user)
        .select_related("provider", "consultation__cohort")
        .order_by("pk")
    ]
    found = {}
    if rows:
        found["Annuaire des prestataires de conseil"] = rows
    if accepted:
        found["Consultations de prestataires acceptées avec ce compte"] = accepted
    return found


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


# --- The comité d'appui: who marked which proposal, their declarations and comments ----------
#
# A member's declarations (with the note of a conflict) and comments are theirs: the export
# lists them; an accepted erasure request clears the notes and comments (the marks, which are
# not personal, stay so that the average still stands); when a cohort is finished with (every
# application anonymised), every note and comment of its consultation is cleared too.


def erase_committee_texts(user: User, applications: QuerySet[Application] | None) -> None:
    Score.objects.filter(by=user).exclude(comment="", conflict_note="").update(
        comment="", conflict_note=""
    )


def anonymise_committee_texts(applications: QuerySet[Application]) -> None:
    finished = finished_cohorts(list(applications.values_list("pk", flat=True)))
    if finished:
        Score.objects.filter(proposal__consultation__cohort_id__in=finished).update(
            comment="", conflict_note=""
        )


def committee_of(user: User) -> dict[str, list[dict[str, Any]]]:
    def when(value):
        return value.isoformat() if value else None

    rows = [
        {
            "mise_en_concurrence": str(s.proposal.consultation.cohort),
            "prestataire": s.proposal.consulted.provider.name,
            "absence_de_conflit_declaree_le": when(s.no_conflict_declared_at),
            "conflit_declare_le": when(s.conflict_declared_at),
            "precision_sur_le_conflit": s.conflict_note,
            "notes": s.marks,
            "commentaire": s.comment,
            "notes_donnees_le": when(s.marked_at),
        }
        for s in Score.objects.filter(by=user)
        .select_related("proposal__consultation__cohort", "proposal__consulted__provider")
        .order_by("pk")
    ]
    assigned = [
        {
            "mise_en_concurrence": str(m.consultation.cohort),
            "designe_le": when(m.assigned_at),
            "prevenu_le": when(m.notified_at),
        }
        for m in CommitteeMember.objects.filter(member=user)
        .select_related("consultation__cohort")
        .order_by("pk")
    ]
    result = {}
    if assigned:
        result["Comité d'appui : mises en concurrence confiées"] = assigned
    if rows:
        result["Mises en concurrence : vos déclarations d'intérêts et vos notes"] = rows
    return result


register(
    PersonalDataSource(
        name="mise_en_concurrence_comite",
        anonymise=anonymise_committee_texts,
        erase_person=erase_committee_texts,
        export_person=committee_of,
    )
)
