"""Demo data for the synthesis: on the 2023 cohort, version 1 circulated on 20 October 2023 and
superseded after a change request, version 2 approved by every structure and validated on
7 November 2023 (its PDF frozen), the cohort in the collective support. Every person and fact is
fictitious. Run after the interviews, self-diagnostic and workshop demos (it uses what they
left; a missing part is said in the prepared sections)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.diagnostic.demo_base import demo_officer, open_diagnostic
from coopess.diagnostic.models import (
    ReviewVerdict,
    SynthesisReview,
    SynthesisStatus,
    SynthesisTransition,
    SynthesisVersion,
)
from coopess.diagnostic.permissions import cohort_structures
from coopess.diagnostic.services import synthesis as services
from coopess.selection.models import CohortStatus, CohortTransition

INTRODUCTION = (
    "Les structures se sont rencontrées en entretien individuel en septembre 2023, ont rempli "
    "leur autodiagnostic de coopération et se sont retrouvées pour l'atelier collectif du "
    "10 octobre 2023. Ce document reprend ce que nous avons compris de chacune et ce que le "
    "groupe a décidé."
)
CHANGE_REQUEST = (
    "Notre effectif a changé depuis la candidature : nous sommes désormais 14 salariés "
    "(11,2 ETP). Merci de corriger le contexte."
)
SUPPORT_V2 = """L'accompagnement collectif (3 à 4 demi-journées avec un·e consultant·e) travaillera sur :

- **la fonction administrative et paie partagée** : chiffrer les besoins de chaque structure et comparer une convention de mutualisation et un groupement d'employeurs ;
- **la gouvernance** : qui décide quoi, comment chaque structure garde son autonomie ;
- **le calendrier** : une première mise en commun au printemps 2024, si les conseils d'administration la valident.
"""


def _paris(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2023, month, day, hour, minute, tzinfo=PARIS)


def structure_account(structure) -> User | None:
    access = structure.accesses.select_related("user").order_by("pk").first()
    return access.user if access else None


def date_version(version: SynthesisVersion, *, created, circulated=None) -> None:
    SynthesisVersion.objects.filter(pk=version.pk).update(
        created_at=created, circulated_at=circulated
    )
    for transition in version.transitions.all():
        at = {
            SynthesisStatus.DRAFT: created,
            SynthesisStatus.CIRCULATING: circulated,
        }.get(transition.to_status)
        if at is not None:
            SynthesisTransition.objects.filter(pk=transition.pk).update(at=at)


@transaction.atomic
def demo_synthesis(call_2023: Call) -> None:
    """Give the 2023 cohort its validated synthesis (idempotent)."""
    cohort = call_2023.cohorts.order_by("pk").first()
    officer = demo_officer(call_2023)
    if cohort is None or officer is None or cohort.syntheses.exists():
        return
    open_diagnostic(cohort, officer)
    if cohort.status != CohortStatus.DIAGNOSTIC:
        return
    structures = list(cohort_structures(cohort))
    if not structures:
        return

    # Version 1: prepared, completed by the officer, circulated, one change request
    first = services.synthesis_create(cohort=cohort, by=officer)
    context = first.sections.get(key="context")
    services.synthesis_section_update(
        section=context, by=officer, title=context.title, body=f"{INTRODUCTION}\n\n{context.body}"
    )
    services.synthesis_circulate(version=first, by=officer)
    date_version(first, created=_paris(10, 16, 10), circulated=_paris(10, 20, 9))
    *approving, asking = structures
    approve(first, approving, officer, at=[_paris(10, 21 + i, 11) for i in range(len(approving))])
    services.synthesis_review(
        version=first,
        structure=asking,
        by=structure_account(asking) or officer,
        verdict=ReviewVerdict.CHANGES,
        comment="Le document nous convient, à une correction près.",
        section_comments={context.pk: CHANGE_REQUEST},
    )
    SynthesisReview.objects.filter(version=first, structure=asking).update(at=_paris(10, 24, 18))

    # Version 2: the correction, circulated, approved by every structure → validated
    second = services.synthesis_new_version(
        cohort=cohort, by=officer, comment=f"Effectif de {asking} corrigé."
    )
    SynthesisTransition.objects.filter(version=first, to_status=SynthesisStatus.SUPERSEDED).update(
        at=_paris(10, 27, 9)
    )
    context = second.sections.get(key="context")
    services.synthesis_section_update(
        section=context,
        by=officer,
        title=context.title,
        body=context.body.replace(
            f"### {asking}", f"### {asking}\n\n14 salariés (11,2 ETP) depuis septembre 2023.", 1
        ),
    )
    support = second.sections.get(key="support")
    services.synthesis_section_update(
        section=support, by=officer, title=support.title, body=SUPPORT_V2
    )
    services.synthesis_circulate(version=second, by=officer)
    date_version(second, created=_paris(10, 27, 9), circulated=_paris(10, 30, 9))
    approve(
        second,
        structures,
        officer,
        at=[_paris(10, 31, 10) + dt.timedelta(days=i * 2) for i in range(len(structures))],
    )
    date_validation(second, _paris(11, 7, 16, 30))


def approve(version: SynthesisVersion, structures: list, officer: User, *, at: list) -> None:
    """Each structure approves the circulating ``version`` (through its account, else the
    officer's), its answer dated by ``at`` in the same order."""
    for structure, moment in zip(structures, at, strict=True):
        services.synthesis_review(
            version=version,
            structure=structure,
            by=structure_account(structure) or officer,
            verdict=ReviewVerdict.APPROVED,
        )
        SynthesisReview.objects.filter(version=version, structure=structure).update(at=moment)


def date_validation(version: SynthesisVersion, validated: dt.datetime) -> None:
    """The version the last approval validated, dated ``validated`` (its log row, the cohort's
    move to the support, its frozen PDF); fails loudly if the approvals did not validate it."""
    version.refresh_from_db()
    if version.status != SynthesisStatus.VALIDATED:
        raise RuntimeError(f"Demo synthesis: version {version.number} should be validated.")
    SynthesisTransition.objects.filter(version=version, to_status=SynthesisStatus.VALIDATED).update(
        at=validated
    )
    CohortTransition.objects.filter(
        cohort_id=version.cohort_id, to_status=CohortStatus.SUPPORT
    ).update(at=validated)
    freeze_validated(version, validated)


def freeze_validated(version: SynthesisVersion, validated: dt.datetime) -> None:
    """The frozen PDF dated from the (fictitious) validation day, with its hash."""
    from coopess.diagnostic.synthesis_render import synthesis_pdf

    version.validated_at = validated
    content = synthesis_pdf(version)
    old = version.pdf.name
    version.pdf.save(old.rsplit("/", 1)[-1], ContentFile(content), save=False)
    if old and old != version.pdf.name:
        version.pdf.storage.delete(old)
    version.pdf_sha256 = hashlib.sha256(content).hexdigest()
    version.save(update_fields=["validated_at", "pdf", "pdf_sha256"])
