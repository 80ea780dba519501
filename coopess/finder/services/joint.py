"""Starting a joint application from an accepted contact: the open calls, the structures' data
copied into the new draft, and who may do it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.applications import services as application_services
from coopess.applications.forms import StructureForm
from coopess.applications.models import (
    Application,
    ApplicationAccess,
    ApplicationStructure,
    Representative,
)
from coopess.calls.models import Call
from coopess.finder.models import (
    ContactRequest,
    ContactStatus,
)
from coopess.finder.services.consent import FinderError
from coopess.finder.services.contacts import side_of

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
