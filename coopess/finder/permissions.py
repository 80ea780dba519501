"""Who sees what of the partner finder (anything else answers 404).

- A representative manages the consent of the structures they act for (any application), and
  sees the requests to or from those structures.
- The other structures see a profile only while its consent is active and open to structures,
  and only what it chose to show; a DLA officer sees the active profiles of their DLA's
  applicants (both audiences).
- A funder sees counts only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from coopess.accounts.models import Role, User
from coopess.applications.models import ApplicationAccess, ApplicationStructure
from coopess.finder.models import ContactRequest, FinderProfile


def represented_structures(user: User) -> QuerySet[ApplicationStructure]:
    structure_ids = ApplicationAccess.objects.filter(user=user).values("structure_id")
    return (
        ApplicationStructure.objects.filter(pk__in=structure_ids)
        .select_related("application", "application__call", "application__maturity_stage")
        .order_by("-application__created_at", "position", "pk")
    )


def represented_structure(user: User, structure_id: int) -> ApplicationStructure:
    return get_object_or_404(represented_structures(user), pk=structure_id)


def own_profile(structure: ApplicationStructure) -> FinderProfile | None:
    return FinderProfile.objects.filter(structure=structure).first()


def findable_profile(profile_id: int) -> FinderProfile:
    return get_object_or_404(FinderProfile.objects.findable_by_structures(), pk=profile_id)


def is_officer(user: User) -> bool:
    return user.is_authenticated and bool(user.organisations_for(Role.OFFICER))


def is_funder(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.FUNDER)


def visible_requests(user: User) -> QuerySet[ContactRequest]:
    operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
    return ContactRequest.objects.filter(
        Q(pk__in=ContactRequest.objects.involving(user).values("pk"))
        | Q(introduced_by__isnull=False, operator_id__in=operators)
    ).select_related("from_structure", "to_structure", "joint_application")


def visible_request(user: User, request_id: int) -> ContactRequest:
    return get_object_or_404(visible_requests(user), pk=request_id)


def can_answer(user: User, request: ContactRequest) -> bool:
    from coopess.finder.services import side_of

    side = side_of(request, user)
    return (
        request.status == "pending"
        and side is not None
        and getattr(request, f"{side}_accepted_at") is None
    )
