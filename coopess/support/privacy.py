"""The personal data of the collective support, declared to the privacy registry.

Tied to one structure, scrubbed with its application: its individual sessions (title, agenda,
report, other attendees, place, deliverables' files), its referrals (need, comments). Belonging
to the whole cohort, scrubbed with the last application of the cohort (until then, the names of
the structures already anonymised are redacted): the engagement's brief, the collective
sessions and their deliverables, the sessions' logs.

Kept: the engagement (firm, consultants — staff accounts, budget, planned half-days, period),
every session's kind, half-day, dates, mode, status and action items, attendance (a yes/no per
representative row, which the applications' source anonymises), the number, format and size
of deliverables, referrals' actor, status, origin and dates.

The directory of support actors belongs to the DLA and is not tied to applications: retention
leaves it alone; an accepted erasure request removes a contact whose address is the person's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Lower

from coopess.accounts.models import User
from coopess.applications.models import Application, ApplicationStructure
from coopess.diagnostic.privacy import (
    emails_of,
    finished_cohorts,
    identifying_strings,
    live_cohorts,
    person_representatives,
    person_strings,
    person_structures,
    redact_rows,
)
from coopess.privacy.registry import PersonalDataSource, delete_file_on_commit, register
from coopess.selection.models import Cohort
from coopess.support.models import (
    Attendance,
    Deliverable,
    Engagement,
    Referral,
    ReferralTransition,
    Session,
    SessionStatus,
    SessionTransition,
    SupportActor,
)

ANONYMISED_SESSION = "Séance anonymisée"
ANONYMISED_PLACE = "Lieu anonymisé"
ANONYMISED_LINK = "https://anonyme.invalid/"
ANONYMISED_DELIVERABLE = "Livrable anonymisé"
ANONYMISED_NEED = "Besoin anonymisé."

SESSION_TEXTS = ["title", "agenda", "report", "other_attendees", "address", "link"]


# --- Retention ----------------------------------------------------------------------------------


def _scrub_sessions(sessions: QuerySet[Session]) -> None:
    """Texts and files of these sessions go; the place stays filled (the database requires one
    for the mode) with a neutral value."""
    ids = list(sessions.values_list("pk", flat=True))
    if not ids:
        return
    rows = Session.objects.filter(pk__in=ids)
    rows.update(title=ANONYMISED_SESSION, agenda="", report="", other_attendees="")
    rows.exclude(address="").update(address=ANONYMISED_PLACE)
    rows.exclude(link="").update(link=ANONYMISED_LINK)
    SessionTransition.objects.filter(session_id__in=ids).update(comment="")
    deliverables = Deliverable.objects.filter(session_id__in=ids).exclude(file="")
    for name in deliverables.values_list("file", flat=True):
        delete_file_on_commit(name)
    deliverables.update(file="", title=ANONYMISED_DELIVERABLE, original_name="")


def _scrub_referrals(referrals: QuerySet[Referral]) -> None:
    referrals.exclude(need="").update(need=ANONYMISED_NEED)
    referrals.filter(requested_by_structure=True).update(created_by=None)
    ReferralTransition.objects.filter(referral__in=referrals).update(comment="")


def anonymise_support(applications: QuerySet[Application]) -> None:
    ids = list(applications.values_list("pk", flat=True))
    live = live_cohorts(ids)
    needles = identifying_strings(ids) if live else []
    structure_ids = list(
        ApplicationStructure.objects.filter(application_id__in=ids).values_list("pk", flat=True)
    )
    _scrub_sessions(Session.objects.filter(structure_id__in=structure_ids))
    _scrub_referrals(Referral.objects.filter(structure_id__in=structure_ids))
    finished = finished_cohorts(ids)
    if finished:
        Engagement.objects.filter(cohort_id__in=finished).update(brief="")
        _scrub_sessions(Session.objects.filter(cohort_id__in=finished))
        _scrub_referrals(Referral.objects.filter(cohort_id__in=finished))
    if live and needles:
        redact_rows(Engagement.objects.filter(cohort_id__in=live), ["brief"], needles)
        redact_rows(Session.objects.filter(cohort_id__in=live), SESSION_TEXTS, needles)
        redact_rows(
            SessionTransition.objects.filter(session__cohort_id__in=live), ["comment"], needles
        )
        redact_rows(Deliverable.objects.filter(session__cohort_id__in=live), ["title"], needles)
        redact_rows(Referral.objects.filter(cohort_id__in=live), ["need"], needles)
        redact_rows(
            ReferralTransition.objects.filter(referral__cohort_id__in=live), ["comment"], needles
        )


# --- Erasure -----------------------------------------------------------------------------------


def erase_from_support(user: User, applications: QuerySet[Application]) -> None:
    """This person's traces in the support of these applications' structures (their name in the
    free texts, what they created or moved), and their contact in the DLAs' directories."""
    emails = emails_of(user)
    actors = SupportActor.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails
    )
    SupportActor.objects.filter(pk__in=actors.values("pk")).update(
        contact_name="", email="", phone=""
    )
    structure_ids = list(
        ApplicationStructure.objects.filter(application__in=applications).values_list(
            "pk", flat=True
        )
    )
    if not structure_ids:
        return
    referrals = Referral.objects.filter(structure_id__in=structure_ids)
    referrals.filter(created_by=user).update(created_by=None)
    ReferralTransition.objects.filter(referral__in=referrals, by=user).update(by=None)
    sessions = Session.objects.filter(structure_id__in=structure_ids)
    SessionTransition.objects.filter(session__in=sessions, by=user).update(by=None)
    Deliverable.objects.filter(session__in=sessions, uploaded_by=user).update(uploaded_by=None)
    needles = person_strings(user)
    redact_rows(sessions, ["report", "other_attendees", "agenda"], needles)
    redact_rows(referrals, ["need"], needles)
    redact_rows(ReferralTransition.objects.filter(referral__in=referrals), ["comment"], needles)


# --- The download of one's data ------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def support_of(user: User) -> dict[str, list[dict[str, Any]]]:
    """For each structure of this person: the sessions this person was expected at (present or
    not) and the structure's referrals; and this person's contact in a DLA's directory."""
    representatives = list(person_representatives(user).values_list("pk", flat=True))
    rows = []
    for structure in person_structures(user):
        attendances = (
            Attendance.objects.filter(
                representative__structure=structure, representative_id__in=representatives
            )
            .select_related("session")
            .order_by("session__starts_at", "session_id")
        )
        referrals = (
            Referral.objects.filter(structure=structure)
            .select_related("actor")
            .order_by("created_at", "pk")
        )
        if not (attendances or referrals):
            continue
        rows.append(
            {
                "structure": structure.name,
                "presences": [
                    {
                        "seance": a.session.title,
                        "type": a.session.get_kind_display(),
                        "le": _when(a.session.starts_at),
                        "demi_journee": a.session.get_half_day_display(),
                        "present": a.present,
                    }
                    for a in attendances
                ],
                "orientations": [
                    {
                        "acteur": referral.actor.name,
                        "besoin": referral.need,
                        "etat": referral.get_status_display(),
                        "le": _when(referral.created_at),
                        "demandee_par_la_structure": referral.requested_by_structure,
                    }
                    for referral in referrals
                ],
            }
        )
    emails = emails_of(user)
    contacts = [
        {
            "organisation": actor.name,
            "contact": actor.contact_name,
            "adresse_electronique": actor.email,
            "telephone": actor.phone,
        }
        for actor in SupportActor.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .order_by("name", "pk")
    ]
    data = {}
    if rows:
        data["Accompagnement collectif"] = rows
    if contacts:
        data["Annuaire des acteurs de l'accompagnement"] = contacts
    return data


# --- Activity ----------------------------------------------------------------------------------


def last_support_activity(cohort: Cohort) -> dt.datetime | None:
    """The latest live session, its record, a referral or a referral's move."""
    dates = [
        *Session.objects.filter(~Q(status=SessionStatus.CANCELLED), cohort=cohort)
        .aggregate(a=Max("starts_at"), b=Max("held_at"))
        .values(),
        *Referral.objects.filter(cohort=cohort).aggregate(a=Max("created_at")).values(),
        *ReferralTransition.objects.filter(referral__cohort=cohort).aggregate(a=Max("at")).values(),
    ]
    return max((d for d in dates if d), default=None)


register(
    PersonalDataSource(
        name="accompagnement",
        anonymise=anonymise_support,
        erase_person=erase_from_support,
        export_person=support_of,
        cohort_activity=last_support_activity,
    )
)
