"""A consulted provider's invitation, like a partner structure's: the emailed secret link asks
the provider to sign in by emailed code with the invited address (or to create its account with
it), then to accept; the account is linked to the consulted provider and the consultation is
reached signed in from then on. Someone signed in with another address is refused."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.competition.models import ConsultedProvider
from coopess.competition.services import CompetitionError


def _addresses(user: User) -> set[str]:
    """The account's address and its other verified addresses (an address added but not
    confirmed does not count)."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return {user.email.lower(), *(e.lower() for e in verified)}


def invitation_refusal(consulted: ConsultedProvider, user: User) -> str | None:
    """Why ``user`` may not accept this invitation (a French sentence), or None."""
    if consulted.user_id is not None:
        if consulted.user_id == user.pk:
            return None
        return (
            "Cette invitation a déjà été acceptée par un autre compte. Si vous faites partie "
            "de ce cabinet, demandez au DLA de détacher ce compte puis de vous renvoyer "
            "l'invitation."
        )
    if consulted.provider.email.lower() not in _addresses(user):
        return (
            f"Cette invitation a été envoyée à une autre adresse que la vôtre ({user.email}). "
            "Déconnectez-vous, puis ouvrez de nouveau le lien et connectez-vous avec l'adresse "
            "qui a reçu l'invitation."
        )
    return None


@transaction.atomic
def provider_accept(*, consulted: ConsultedProvider, user: User) -> ConsultedProvider:
    """The invited provider, signed in with the invited address, accepts the invitation."""
    consulted = (
        ConsultedProvider.objects.select_for_update()
        .select_related("provider")
        .get(pk=consulted.pk)
    )
    refusal = invitation_refusal(consulted, user)
    if refusal:
        raise CompetitionError(refusal)
    if consulted.user_id is None:
        consulted.user = user
        consulted.accepted_at = timezone.now()
        consulted.save(update_fields=["user", "accepted_at"])
        # like partners: the account signs in by code and has no staff role
        RoleAssignment.objects.get_or_create(user=user, role=Role.APPLICANT, organisation=None)
    return consulted
