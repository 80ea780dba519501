"""Building the partner finder in tests: applicant structures of one DLA, their consent."""

from __future__ import annotations

from coopess.accounts.models import Role
from coopess.applications import services as application_services
from coopess.applications.models import ApplicationStructure
from coopess.finder import services
from coopess.finder.models import Audience, Shown
from tests.applications.helpers import open_call
from tests.factories import make_user

EVERYTHING = list(Shown.values)


def applicant_structure(
    call,
    name: str,
    *,
    departement: str = "44",
    naf_code: str = "88.99B",
    employees: int | None = 4,
    shared_domains: list[str] | None = None,
    user=None,
) -> ApplicationStructure:
    """The lead structure of a fresh draft to ``call``, represented by ``user`` (a new one)."""
    user = user or make_user(Role.APPLICANT)
    application = application_services.application_create(call=call, by=user)
    structure = application.structures.get(is_lead=True)
    ApplicationStructure.objects.filter(pk=structure.pk).update(
        name=name, departement=departement, naf_code=naf_code, employees=employees
    )
    if shared_domains is not None:
        application.shared_domains = shared_domains
        application.save()
    structure.refresh_from_db()
    return structure


def representative(structure: ApplicationStructure):
    return structure.accesses.get().user


def consent(
    structure: ApplicationStructure,
    *,
    needs=(),
    resources=(),
    shown=None,
    audience=Audience.EVERYONE,
    months: int = 12,
    pitch: str = "",
):
    return services.consent_save(
        structure=structure,
        by=representative(structure),
        audience=audience,
        shown=EVERYTHING if shown is None else shown,
        duration_months=months,
        needs=list(needs),
        resources=list(resources),
        pitch=pitch,
    )


def matrix_ids(call) -> dict:
    """A consenting structure and a pending request between two structures nobody in the
    permission matrix represents (applicants to the open ``call``)."""
    first = applicant_structure(call, "Fiche matrice A")
    second = applicant_structure(call, "Fiche matrice B")
    seeker = consent(first, needs=["admin"])
    target = consent(second, resources=["admin"])
    request = services.contact_request(
        seeker=seeker, target=target, by=representative(first), message="Bonjour"
    )
    return {"profile_id": target.pk, "request_id": request.pk}


__all__ = ["open_call"]
