"""Every write of the partner finder (consent, contact requests, introductions, joint
applications) and the search itself.

A structure is findable only while its consent is active (given, not withdrawn, not expired),
and only with what it chose to show. Searching requires one's own structure to be findable by
the other structures too: the finder works only where both sides said yes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, Value, When
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.applications import services as application_services
from coopess.applications.choices import CooperationForm, SharingDomain
from coopess.applications.errors import ApplicationError
from coopess.applications.forms import StructureForm
from coopess.applications.models import (
    Application,
    ApplicationAccess,
    ApplicationStructure,
    Representative,
)
from coopess.calls.models import Call
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
from coopess.notifications.models import NotificationKind
from coopess.notifications.services import notify
from coopess.structures.geography import region_of_departement
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


# --- Search ----------------------------------------------------------------------------------


def to_scoring(profile: FinderProfile) -> scoring.FinderProfile:
    return scoring.FinderProfile(
        key=profile.pk,
        name=profile.name,
        needs=frozenset(profile.needs),
        resources=frozenset(profile.resources),
        naf_code=profile.naf_code,
        departements=frozenset([profile.departement] if profile.departement else []),
        staff_band=profile.staff_band,
        stage=profile.stage_code,
        stage_label=profile.stage_label,
        forms=frozenset(profile.forms),
    )


def _bit(field: str, bit: int, points: int = 1):
    """``points`` when the bit is set in the column, else 0 (integer arithmetic, portable)."""
    return ExpressionWrapper(
        F(field).bitand(bit) / Value(bit) * Value(points), output_field=IntegerField()
    )


def sql_score(seeker: scoring.FinderProfile):
    """:func:`coopess.finder.scoring.score` of every row for ``seeker``, as one SQL expression
    (same points; a test checks that both rank alike)."""
    terms = [Value(0)]
    for domain, bit in scoring.DOMAIN_BITS.items():
        if domain in seeker.needs:
            terms.append(_bit("resources_mask", bit, scoring.POINTS_COMPLEMENTARITY))
            terms.append(_bit("needs_mask", bit, scoring.POINTS_SHARED_NEED))
        if domain in seeker.resources:
            terms.append(_bit("needs_mask", bit, scoring.POINTS_COMPLEMENTARITY))
    if seeker.departements:
        regions = [r for r in (region_of_departement(d) for d in seeker.departements) if r]
        terms.append(
            Case(
                When(departement__in=seeker.departements, then=scoring.POINTS_SAME_DEPARTEMENT),
                When(region__in=regions, then=scoring.POINTS_SAME_REGION),
                default=0,
            )
        )
    division = scoring.naf_division(seeker.naf_code)
    if division:
        terms.append(Case(When(naf_division=division, then=scoring.POINTS_SAME_SECTOR), default=0))
    bands = scoring.comparable_bands(seeker.staff_band)
    if bands:
        terms.append(
            Case(When(staff_band__in=bands, then=scoring.POINTS_COMPARABLE_SIZE), default=0)
        )
    if seeker.stage:
        terms.append(Case(When(stage_code=seeker.stage, then=scoring.POINTS_SAME_STAGE), default=0))
    for form in seeker.forms:
        if form in scoring.FORM_BITS:
            terms.append(_bit("forms_mask", scoring.FORM_BITS[form], scoring.POINTS_COMMON_FORM))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return ExpressionWrapper(total, output_field=IntegerField())


def _binary(field: str):
    """Order by code points on every database (PostgreSQL's locale collations would not)."""
    return Collate(F(field), "C" if connection.vendor == "postgresql" else "BINARY")


@dataclass(frozen=True)
class Result:
    profile: FinderProfile
    match: scoring.Match


def ranked(
    seeker: FinderProfile,
    candidates,
    *,
    departement: str = "",
    domain: str = "",
    limit: int = 20,
) -> list[Result]:
    """The ``limit`` best ``candidates`` (a queryset of profiles) for ``seeker``, ranked in the
    database with :func:`sql_score` (one query whatever their number), the reasons written by
    :mod:`coopess.finder.scoring` for the kept ones only."""
    me = to_scoring(seeker)
    needs, resources = scoring.domain_mask(me.needs), scoring.domain_mask(me.resources)
    queryset = candidates.exclude(pk=seeker.pk).exclude(structure_id=seeker.structure_id)
    if seeker.siret:
        queryset = queryset.exclude(siret=seeker.siret)
    if departement:
        queryset = queryset.filter(departement=departement)
    queryset = queryset.annotate(
        finder_synergy=ExpressionWrapper(
            F("needs_mask").bitand(needs | resources) + F("resources_mask").bitand(needs),
            output_field=IntegerField(),
        )
    ).filter(finder_synergy__gt=0)
    if domain in scoring.DOMAIN_BITS:
        bit = scoring.DOMAIN_BITS[domain]
        queryset = queryset.annotate(
            finder_domain=ExpressionWrapper(
                F("needs_mask").bitor(F("resources_mask")).bitand(bit), output_field=IntegerField()
            )
        ).filter(finder_domain__gt=0)
    rows = list(
        queryset.annotate(finder_score=sql_score(me)).order_by(
            "-finder_score", _binary("sort_name"), "pk"
        )[:limit]
    )
    results = []
    for profile in rows:
        candidate = to_scoring(profile)
        results.append(
            Result(
                profile=profile,
                match=scoring.Match(
                    candidate=candidate,
                    score=profile.finder_score,
                    reasons=scoring.reasons(me, candidate),
                ),
            )
        )
    return results


def search(
    *, seeker: FinderProfile, departement: str = "", domain: str = "", limit: int = 20
) -> list[Result]:
    """A representative's search: among the structures findable by other structures."""
    if not seeker.is_active() or seeker.audience != Audience.EVERYONE:
        raise FinderError(
            "Pour chercher des partenaires, votre structure doit elle aussi accepter d'être "
            "trouvée par les autres structures."
        )
    return ranked(
        seeker,
        FinderProfile.objects.findable_by_structures(),
        departement=departement,
        domain=domain,
        limit=limit,
    )


# --- Contact requests ------------------------------------------------------------------------


def structure_users(structure_id: int) -> list[User]:
    return list(
        User.objects.filter(application_accesses__structure_id=structure_id, is_active=True)
        .distinct()
        .order_by("pk")
    )


def _notify_structure(structure_id: int, title: str, request: ContactRequest, body: str) -> None:
    notify(
        structure_users(structure_id),
        NotificationKind.OTHER,
        title,
        link=reverse("finder:request", args=[request.pk]),
        body=body,
    )


@transaction.atomic
def contact_request(
    *, seeker: FinderProfile, target: FinderProfile, by: User, message: str = ""
) -> ContactRequest:
    """Ask to get in touch with ``target``; it is told (notification and email), without any
    address of either side until it accepts."""
    if not ApplicationAccess.objects.filter(user=by, structure_id=seeker.structure_id).exists():
        raise FinderError("Seule une personne qui représente la structure peut écrire en son nom.")
    if not seeker.is_active() or seeker.audience != Audience.EVERYONE:
        raise FinderError(
            "Votre structure doit accepter d'être trouvée par les autres structures pour "
            "demander une mise en relation."
        )
    target = (
        FinderProfile.objects.findable_by_structures().filter(pk=target.pk).first()
        if target.pk
        else None
    )
    if target is None:
        raise FinderError("Cette structure n'est plus visible dans la recherche.")
    if target.structure_id == seeker.structure_id or (
        seeker.siret and target.siret == seeker.siret
    ):
        raise FinderError("Vous ne pouvez pas demander une mise en relation avec vous-même.")
    if ContactRequest.objects.filter(
        Q(from_structure=seeker.structure_id, to_structure=target.structure_id)
        | Q(from_structure=target.structure_id, to_structure=seeker.structure_id),
        status__in=[ContactStatus.PENDING, ContactStatus.ACCEPTED],
    ).exists():
        raise FinderError(f"Une mise en relation avec {target.name} est déjà en cours.")
    now = timezone.now()
    try:
        with transaction.atomic():
            request = ContactRequest.objects.create(
                from_structure_id=seeker.structure_id,
                to_structure_id=target.structure_id,
                created_by=by,
                operator_id=seeker.operator_id,
                message=message.strip()[:2000],
                from_accepted_at=now,
                created_at=now,
            )
    except IntegrityError as error:
        raise FinderError(f"Une mise en relation avec {target.name} est déjà en cours.") from error
    _notify_structure(
        target.structure_id,
        f"Demande de mise en relation de {seeker.name}",
        request,
        body=(
            f"{seeker.name} souhaite entrer en contact avec votre structure par la recherche de "
            "partenaires de CoopESS. Aucune adresse n'est communiquée tant que vous n'avez "
            "pas accepté."
        ),
    )
    return request


@transaction.atomic
def introduction_propose(
    *, officer: User, first: FinderProfile, second: FinderProfile, message: str = ""
) -> ContactRequest:
    """A DLA officer proposes to introduce two consenting structures of their DLA to each
    other; each side must accept before any address is disclosed."""
    visible = FinderProfile.objects.findable_by_officer(officer)
    first = visible.filter(pk=first.pk).first()
    second = visible.filter(pk=second.pk).first()
    if first is None or second is None:
        raise FinderError("Ces structures ne sont plus visibles dans la recherche.")
    if first.structure_id == second.structure_id:
        raise FinderError("Choisissez deux structures différentes.")
    if ContactRequest.objects.filter(
        Q(from_structure=first.structure_id, to_structure=second.structure_id)
        | Q(from_structure=second.structure_id, to_structure=first.structure_id),
        status__in=[ContactStatus.PENDING, ContactStatus.ACCEPTED],
    ).exists():
        raise FinderError(f"Une mise en relation de {first.name} et {second.name} est en cours.")
    request = ContactRequest.objects.create(
        from_structure_id=first.structure_id,
        to_structure_id=second.structure_id,
        created_by=officer,
        introduced_by=officer,
        operator_id=first.operator_id,
        message=message.strip()[:2000],
    )
    for structure, other in ((first, second), (second, first)):
        _notify_structure(
            structure.structure_id,
            f"Le DLA vous propose d'entrer en contact avec {other.name}",
            request,
            body=(
                f"La chargée ou le chargé d'accompagnement DLA pense que {other.name} pourrait "
                "coopérer avec votre structure. Aucune adresse n'est communiquée tant que les "
                "deux structures n'ont pas accepté."
            ),
        )
    return request


def side_of(request: ContactRequest, user: User) -> str | None:
    """« from » or « to »: the side of the request ``user`` acts for (None: neither)."""
    structure_ids = set(
        ApplicationAccess.objects.filter(
            user=user, structure_id__in=[request.from_structure_id, request.to_structure_id]
        ).values_list("structure_id", flat=True)
    )
    if request.to_structure_id in structure_ids and request.to_accepted_at is None:
        return "to"
    if request.from_structure_id in structure_ids:
        return "from"
    if request.to_structure_id in structure_ids:
        return "to"
    return None


@transaction.atomic
def contact_answer(*, request: ContactRequest, by: User, accept: bool) -> ContactRequest:
    """Accept or decline a request; once both sides have accepted, each sees the other's
    representatives (names and addresses) and is told so."""
    request = ContactRequest.objects.select_for_update().get(pk=request.pk)
    side = side_of(request, by)
    if side is None:
        raise FinderError("Seule une structure concernée peut répondre à cette demande.")
    if request.status != ContactStatus.PENDING:
        raise FinderError("Cette demande a déjà reçu sa réponse.")
    if getattr(request, f"{side}_accepted_at") is not None:
        raise FinderError("Votre structure a déjà accepté : la réponse de l'autre est attendue.")
    now = timezone.now()
    names = {
        s.pk: s.name
        for s in ApplicationStructure.objects.filter(
            pk__in=[request.from_structure_id, request.to_structure_id]
        )
    }
    mine = request.from_structure_id if side == "from" else request.to_structure_id
    other = request.to_structure_id if side == "from" else request.from_structure_id
    if not accept:
        request.status = ContactStatus.DECLINED
        request.decided_at = now
        request.save()
        _notify_structure(
            other,
            f"{names[mine]} a décliné la mise en relation",
            request,
            body="La structure a décliné la proposition de mise en relation.",
        )
        return request
    setattr(request, f"{side}_accepted_at", now)
    if request.from_accepted_at and request.to_accepted_at:
        request.status = ContactStatus.ACCEPTED
        request.decided_at = now
        request.save()
        for structure_id in (request.from_structure_id, request.to_structure_id):
            peer = other if structure_id == mine else mine
            _notify_structure(
                structure_id,
                f"Mise en relation acceptée avec {names[peer]}",
                request,
                body=(
                    f"La mise en relation avec {names[peer]} est acceptée : ses coordonnées "
                    "sont sur la page de la demande."
                ),
            )
    else:
        request.save()
    return request


def is_participant(request: ContactRequest, user: User) -> bool:
    return ContactRequest.objects.involving(user).filter(pk=request.pk).exists()


# --- Joint application ----------------------------------------------------------------------

COPIED_FIELDS = (
    *StructureForm.IDENTIFICATION,
    "commune_code",
    "naf_code",
    "legal_category_code",
    *StructureForm.HUMAN_RESOURCES,
)


def _copy_structure(source: ApplicationStructure, target: ApplicationStructure) -> None:
    for name in COPIED_FIELDS:
        setattr(target, name, getattr(source, name))
    target.save()
    for representative in source.representatives.all():
        Representative.objects.update_or_create(
            structure=target,
            position=representative.position,
            defaults={
                name: getattr(representative, name) for name in StructureForm.REPRESENTATIVE_FIELDS
            },
        )


def open_calls(now: dt.datetime | None = None):
    return Call.objects.open_at(now or timezone.now()).order_by("closes_at", "pk")


@transaction.atomic
def joint_application_start(*, request: ContactRequest, by: User, call: Call) -> Application:
    """From an accepted contact, start a draft application to an open call: the structure of
    the person who starts it leads, the other is invited as partner; both pre-filled from what
    they declared in their earlier application (the representatives check and complete)."""
    request = ContactRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ContactStatus.ACCEPTED:
        raise FinderError("La mise en relation doit d'abord être acceptée des deux côtés.")
    if request.joint_application_id is not None:
        raise FinderError(
            "Une candidature commune a déjà été commencée pour cette mise en relation."
        )
    side = side_of(request, by)
    if side is None:
        raise FinderError("Seule une structure concernée peut commencer la candidature commune.")
    lead_source = request.from_structure if side == "from" else request.to_structure
    partner_source = request.to_structure if side == "from" else request.from_structure
    partner_email = (
        partner_source.representatives.exclude(email="").values_list("email", flat=True).first()
        or ApplicationAccess.objects.filter(structure=partner_source)
        .values_list("user__email", flat=True)
        .first()
    )
    if not partner_email:
        raise FinderError("L'autre structure n'a pas d'adresse pour être invitée.")
    application = application_services.application_create(call=call, by=by)
    lead = application.structures.get(is_lead=True)
    _copy_structure(lead_source, lead)
    partner = application_services.partner_invite(
        application=application, by=by, name=partner_source.name, email=partner_email
    )
    _copy_structure(partner_source, partner)
    source_application = lead_source.application
    application.shared_domains = list(source_application.shared_domains)
    application.envisaged_forms = list(source_application.envisaged_forms)
    application.goals = list(source_application.goals)
    application.lead_name = lead.name
    application.save()
    application_services.refresh_search_text(application.pk)
    request.joint_application = application
    request.save(update_fields=["joint_application"])
    return application


def has_officer_role(user: User) -> bool:
    return bool(user.organisations_for(Role.OFFICER))
