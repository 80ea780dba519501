"""The directory of local support actors and the referrals of structures to them."""

from __future__ import annotations

from django.db import transaction

from coopess.accounts.models import User
from coopess.applications.models import ApplicationStructure
from coopess.diagnostic.models import ActionItem
from coopess.diagnostic.permissions import cohort_structures, structure_cohort
from coopess.selection.models import Cohort
from coopess.structures.geography import departement_name
from coopess.support.models import (
    Referral,
    ReferralStatus,
    ReferralTransition,
    SupportActor,
)
from coopess.support.services import SupportError

R = ReferralStatus

#: Every allowed move of a referral: from-state -> reachable states.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    R.PROPOSED: frozenset({R.CONTACTED}),
    R.CONTACTED: frozenset({R.IN_PROGRESS, R.DONE}),
    R.IN_PROGRESS: frozenset({R.DONE}),
    R.DONE: frozenset(),
}

INDIVIDUAL_DLA_NEED = "Accompagnement DLA individuel"


class ReferralTransitionRefused(SupportError):
    def __init__(self, referral: Referral, to: str):
        super().__init__(
            f"L'orientation est « {referral.get_status_display().lower()} » : elle ne peut pas "
            f"passer à « {ReferralStatus(to).label.lower()} »."
        )


@transaction.atomic
def actor_save(*, actor: SupportActor, by: User) -> SupportActor:
    """Create or change an entry of the DLA's directory (``actor.operator`` is set by the view)."""
    if not actor.name.strip():
        raise SupportError("Indiquez le nom de l'organisation.")
    duplicate = SupportActor.objects.filter(
        operator_id=actor.operator_id, name__iexact=actor.name.strip()
    ).exclude(pk=actor.pk)
    if duplicate.exists():
        raise SupportError(f"« {actor.name} » est déjà dans l'annuaire.")
    actor.name = actor.name.strip()
    actor.save()
    return actor


@transaction.atomic
def referral_create(
    *,
    cohort: Cohort,
    structure: ApplicationStructure,
    actor: SupportActor,
    by: User,
    need: str = "",
    action_item: ActionItem | None = None,
    requested_by_structure: bool = False,
    comment: str = "",
) -> Referral:
    """Hand a structure's need (or an action-plan item) to an actor of the DLA's directory."""
    if not cohort_structures(cohort).filter(pk=structure.pk).exists():
        raise SupportError("Cette structure n'appartient pas à la cohorte.")
    if actor.operator_id != cohort.call.operator_id or not actor.active:
        raise SupportError("Choisissez un acteur actif de l'annuaire de votre DLA.")
    if action_item is not None and action_item.cohort_id != cohort.pk:
        raise SupportError("Cette action n'appartient pas au plan d'action de la cohorte.")
    need = need.strip()
    if not need and action_item is None:
        raise SupportError("Décrivez le besoin ou choisissez l'action du plan d'action concernée.")
    open_duplicate = Referral.objects.filter(
        structure=structure, actor=actor, action_item=action_item
    ).exclude(status=R.DONE)
    if action_item is None:
        open_duplicate = open_duplicate.filter(need=need)
    if open_duplicate.exists():
        raise SupportError(f"{structure.name} est déjà orientée vers {actor.name} pour ce besoin.")
    referral = Referral.objects.create(
        cohort=cohort,
        structure=structure,
        actor=actor,
        action_item=action_item,
        need=need,
        requested_by_structure=requested_by_structure,
        created_by=by,
    )
    ReferralTransition.objects.create(
        referral=referral, from_status="", to_status=R.PROPOSED, by=by, comment=comment
    )
    return referral


def departmental_dla(structure: ApplicationStructure, cohort: Cohort) -> SupportActor | None:
    """The departmental DLA of the structure's département in the directory of its cohort's DLA."""
    if not structure.departement:
        return None
    for actor in SupportActor.objects.filter(
        operator_id=cohort.call.operator_id, is_departmental_dla=True, active=True
    ):
        if structure.departement in actor.departements:
            return actor
    return None


def referral_to_departmental_dla(
    *, structure: ApplicationStructure, by: User, requested_by_structure: bool = False
) -> Referral:
    """One click: an individual DLA accompaniment with the structure's departmental DLA."""
    cohort = structure_cohort(structure)
    actor = departmental_dla(structure, cohort)
    if actor is None:
        where = departement_name(structure.departement) or "son département"
        raise SupportError(
            f"Aucun DLA départemental n'est inscrit dans l'annuaire pour {where}. "
            "La chargée ou le chargé d'accompagnement peut l'ajouter."
        )
    return referral_create(
        cohort=cohort,
        structure=structure,
        actor=actor,
        by=by,
        need=INDIVIDUAL_DLA_NEED,
        requested_by_structure=requested_by_structure,
        comment="Demandée par la structure." if requested_by_structure else "",
    )


@transaction.atomic
def referral_move(*, referral: Referral, to: str, by: User, comment: str = "") -> Referral:
    referral = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
    if to not in REFERRAL_TRANSITIONS.get(referral.status, frozenset()):
        raise ReferralTransitionRefused(referral, to)
    ReferralTransition.objects.create(
        referral=referral, from_status=referral.status, to_status=to, by=by, comment=comment
    )
    referral.status = to
    referral.save(update_fields=["status"])
    return referral
