"""A structure's consent to be found: what its data says before it chooses what to show
(staff band, self-diagnostic positions), saving and withdrawing the consent with the snapshot
it shows, and emptying expired consents.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.choices import CooperationForm, SharingDomain
from coopess.applications.errors import ApplicationError
from coopess.applications.models import (
    ApplicationAccess,
    ApplicationStructure,
)
from coopess.finder import scoring
from coopess.finder.models import (
    DURATION_CHOICES,
    Audience,
    ConsentAction,
    ConsentEvent,
    ContactRequest,
    ContactStatus,
    FinderProfile,
    Shown,
)
from coopess.structures.nomenclatures import staff_bands


class FinderError(ApplicationError):
    """A refused action of the partner finder, explained in French."""


# --- What a structure's data says, before it chooses what to show -----------------------------


def staff_band_for(employees: int | None) -> str:
    """The INSEE staff band of a number of employees (« 4 » → « 02 »), "" when unknown."""
    if employees is None:
        return ""
    if employees == 0:
        return "NN"
    for band in staff_bands().values():
        if band.code in ("NN", "00"):
            continue
        if band.min_employees <= employees and (
            band.max_employees is None or employees <= band.max_employees
        ):
            return band.code
    return ""


def selfdiag_positions(structure: ApplicationStructure) -> tuple[list[str], list[str]]:
    """The needs and resources of the structure's submitted self-diagnostic, if any (its own
    answers, offered to pre-fill its consent form: never shown to anyone unless it ticks them)."""
    from coopess.diagnostic.models import SelfDiagnostic
    from coopess.diagnostic.services.selfdiag import questions_for, read_answers
    from coopess.diagnostic.synergy import Position

    row = (
        SelfDiagnostic.objects.filter(structure=structure, submitted_at__isnull=False)
        .select_related("cohort__call")
        .first()
    )
    if row is None:
        return [], []
    reading = read_answers(questions_for(row.cohort.call), structure, row.answers, structure.name)
    needs = [c for c, p in reading.positions.items() if p == Position.NEED]
    resources = [c for c, p in reading.positions.items() if p == Position.RESOURCE]
    return scoring._ordered(needs), scoring._ordered(resources)


def consent_initial(structure: ApplicationStructure) -> dict:
    """The consent form's starting values: the profile's if there is an active one, else what
    the structure's application and self-diagnostic already hold (nothing ticked to show)."""
    profile = getattr(structure, "finder_profile", None)
    if profile is not None and profile.is_active():
        return {
            "audience": profile.audience,
            "shown": profile.shown,
            "duration_months": profile.duration_months,
            "needs": profile.needs,
            "resources": profile.resources,
            "pitch": profile.pitch,
        }
    needs, resources = selfdiag_positions(structure)
    if not needs and not resources:
        # the application's « what would be shared »: a need of the project by default
        needs = [d for d in structure.application.shared_domains if d in SharingDomain.values]
    return {
        "audience": Audience.EVERYONE,
        "shown": [],
        "duration_months": 12,
        "needs": needs,
        "resources": resources,
        "pitch": "",
    }


def _snapshot(structure: ApplicationStructure, shown: set[str]) -> dict:
    """The values a profile stores from the structure's data: only the ones shown."""
    application = structure.application
    stage = application.maturity_stage
    forms = [f for f in application.envisaged_forms if f in CooperationForm.values]
    return {
        "name": structure.name or "Structure sans nom",
        "naf_code": structure.naf_code if Shown.SECTOR in shown else "",
        "departement": structure.departement if Shown.TERRITORY in shown else "",
        "staff_band": staff_band_for(structure.employees) if Shown.SIZE in shown else "",
        "stage_code": stage.code if stage and Shown.STAGE in shown else "",
        "stage_label": stage.label if stage and Shown.STAGE in shown else "",
        "forms": forms if Shown.FORMS in shown else [],
    }


def _details(profile: FinderProfile) -> dict:
    return {
        "audience": profile.audience,
        "shown": profile.shown,
        "expires_at": profile.expires_at.isoformat(),
    }


@transaction.atomic
def consent_save(
    *,
    structure: ApplicationStructure,
    by: User,
    audience: str,
    shown: list[str],
    duration_months: int,
    needs: list[str] = (),
    resources: list[str] = (),
    pitch: str = "",
    now: dt.datetime | None = None,
) -> FinderProfile:
    """Give (or change) the structure's consent to be findable, for ``duration_months`` from
    now, showing ``shown`` only; logged."""
    now = now or timezone.now()
    if not ApplicationAccess.objects.filter(user=by, structure=structure).exists():
        raise FinderError("Seule une personne qui représente la structure peut y consentir.")
    if audience not in Audience.values:
        raise FinderError("Choisissez qui peut trouver votre structure.")
    if duration_months not in dict(DURATION_CHOICES):
        raise FinderError("Choisissez une durée proposée.")
    shown_set = {item for item in shown if item in Shown.values}
    needs = scoring._ordered({d for d in needs if d in SharingDomain.values})
    resources = scoring._ordered({d for d in resources if d in SharingDomain.values})
    if set(needs) & set(resources):
        raise FinderError("Un même domaine ne peut pas être à la fois un besoin et une ressource.")
    values = _snapshot(structure, shown_set)
    values.update(
        needs=needs if Shown.DOMAINS in shown_set else [],
        resources=resources if Shown.DOMAINS in shown_set else [],
        pitch=pitch.strip()[:1000] if Shown.PITCH in shown_set else "",
        audience=audience,
        shown=[item for item in Shown.values if item in shown_set],
        duration_months=duration_months,
        granted_by=by,
        granted_at=now,
        expires_at=now + relativedelta(months=duration_months),
        withdrawn_at=None,
        operator_id=structure.application.call.operator_id,
    )
    values["siret"] = structure.siret
    profile = FinderProfile.objects.filter(structure=structure).select_for_update().first()
    action = ConsentAction.GRANTED
    if profile is None:
        profile = FinderProfile(structure=structure, **values)
    elif profile.is_active(at=now):
        action = ConsentAction.UPDATED
    for name, value in values.items():
        setattr(profile, name, value)
    profile.derive()
    profile.save()
    ConsentEvent.objects.create(
        profile=profile, action=action, by=by, at=now, details=_details(profile)
    )
    if structure.siret:
        # the same structure through another of its applications: this consent replaces it
        for older in (
            FinderProfile.objects.active(at=now)
            .filter(siret=structure.siret)
            .exclude(pk=profile.pk)
        ):
            older.withdrawn_at = now
            _empty(older)
            older.save()
            ConsentEvent.objects.create(
                profile=older,
                action=ConsentAction.WITHDRAWN,
                by=by,
                at=now,
                comment="Remplacé par l'accord donné depuis une autre candidature.",
            )
    return profile


EMPTY = {
    "needs": [],
    "resources": [],
    "naf_code": "",
    "departement": "",
    "staff_band": "",
    "stage_code": "",
    "stage_label": "",
    "forms": [],
    "pitch": "",
    "shown": [],
}


def _empty(profile: FinderProfile) -> None:
    for name, value in EMPTY.items():
        setattr(profile, name, value)
    profile.derive()


@transaction.atomic
def consent_withdraw(
    *, profile: FinderProfile, by: User, now: dt.datetime | None = None
) -> FinderProfile:
    """Withdraw the consent at once: the structure disappears from every search and every
    suggestion, what it showed is emptied; pending requests to or from it are declined."""
    now = now or timezone.now()
    profile = FinderProfile.objects.select_for_update().get(pk=profile.pk)
    if not profile.is_active(at=now):
        raise FinderError("Votre structure n'est déjà plus visible dans la recherche.")
    profile.withdrawn_at = now
    _empty(profile)
    profile.save()
    ConsentEvent.objects.create(profile=profile, action=ConsentAction.WITHDRAWN, by=by, at=now)
    ContactRequest.objects.filter(
        Q(from_structure=profile.structure_id) | Q(to_structure=profile.structure_id),
        status=ContactStatus.PENDING,
    ).update(status=ContactStatus.DECLINED, decided_at=now)
    return profile


def consents_expire(*, now: dt.datetime | None = None) -> int:
    """Empty the profiles whose consent has expired (run daily by the worker); logged."""
    now = now or timezone.now()
    count = 0
    for profile_id in (
        FinderProfile.objects.filter(withdrawn_at__isnull=True, expires_at__lte=now)
        .exclude(shown=[])
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            profile = FinderProfile.objects.select_for_update().get(pk=profile_id)
            _empty(profile)
            profile.save()
            ConsentEvent.objects.create(profile=profile, action=ConsentAction.EXPIRED, at=now)
            count += 1
    return count
