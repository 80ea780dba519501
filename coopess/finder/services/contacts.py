"""Contact requests between structures and the officer's introductions: sending, answering,
who is on which side, and the in-app notices to the structures' users.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.models import (
    ApplicationAccess,
    ApplicationStructure,
)
from coopess.common.events import CONTACT_REQUEST_CHANGED, announce
from coopess.finder.models import (
    Audience,
    ContactRequest,
    ContactStatus,
    FinderProfile,
)
from coopess.finder.services.consent import FinderError

# --- Contact requests ------------------------------------------------------------------------


def structure_users(structure_id: int) -> list[User]:
    return list(
        User.objects.filter(application_accesses__structure_id=structure_id, is_active=True)
        .distinct()
        .order_by("pk")
    )


def _notify_structure(structure_id: int, title: str, request: ContactRequest, body: str) -> None:
    """The structure's users are told: the notifications app listens, inside the transaction
    as before (coopess/notifications/hooks.py)."""
    announce(
        CONTACT_REQUEST_CHANGED, request=request, structure_id=structure_id, title=title, body=body
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
