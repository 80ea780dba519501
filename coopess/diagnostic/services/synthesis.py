"""The synthesis of a cohort's diagnostic: composition, circulation, reviews, validation.

A version moves along ``SYNTHESIS_TRANSITIONS`` (draft → circulating → validated, or
circulating → superseded when the officer starts the next version); each move is one service
below and one ``SynthesisTransition`` row. When every structure of the cohort has approved the
same circulating version it is validated: its PDF is rendered once, stored with its SHA-256
(the frozen copy) and the cohort moves on to the collective support.

The first version is prepared from what the diagnostic already holds (see
``synthesis_prefill``); the officer then edits each section as Markdown.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role, User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import ApplicationStructure
from coopess.common import events
from coopess.common.mail import queue_email_message
from coopess.diagnostic import permissions
from coopess.diagnostic.models import (
    ReviewVerdict,
    SectionComment,
    SynthesisReview,
    SynthesisSection,
    SynthesisStatus,
    SynthesisTransition,
    SynthesisVersion,
)
from coopess.diagnostic.synthesis_prefill import prepared_sections
from coopess.selection.models import Cohort, CohortStatus
from coopess.selection.services import cohort_transition

S = SynthesisStatus

#: Every allowed move of a synthesis version: from-state -> reachable states.
SYNTHESIS_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.CIRCULATING}),
    S.CIRCULATING: frozenset({S.VALIDATED, S.SUPERSEDED}),
    S.VALIDATED: frozenset(),
    S.SUPERSEDED: frozenset(),
}


class SynthesisError(ApplicationError):
    """A refused action on the synthesis."""


class SynthesisTransitionRefused(SynthesisError):
    """The version is not in a state that allows this move."""


class ReviewRefused(SynthesisError):
    """A structure may not answer this version (not circulating, not its cohort…)."""


def _transition(*, version: SynthesisVersion, to: str, by: User | None, comment: str = "") -> None:
    """Check the table, then move ``version`` (already locked) to ``to`` with a log row."""
    if to not in SYNTHESIS_TRANSITIONS[version.status]:
        raise SynthesisTransitionRefused(
            f"La version {version.number} est à l'état « {version.get_status_display()} » : "
            f"elle ne peut pas passer à l'état « {SynthesisStatus(to).label} »."
        )
    SynthesisTransition.objects.create(
        version=version, from_status=version.status, to_status=to, by=by, comment=comment
    )
    version.status = to


def _locked(version: SynthesisVersion) -> SynthesisVersion:
    """The cohort row then the version row, locked until the end of the transaction (always in
    this order, so that two writers of one cohort never wait for each other in a circle)."""
    Cohort.objects.select_for_update().filter(pk=version.cohort_id).first()
    return (
        SynthesisVersion.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=version.pk)
    )


def _check_cohort_open(cohort: Cohort) -> None:
    if cohort.status != CohortStatus.DIAGNOSTIC:
        raise SynthesisError(
            "La synthèse se rédige pendant le diagnostic partagé : la cohorte est à l'étape "
            f"« {cohort.get_status_display()} »."
        )


# --- Composition --------------------------------------------------------------------------------


@transaction.atomic
def synthesis_create(*, cohort: Cohort, by: User) -> SynthesisVersion:
    """Version 1, a draft whose sections are prepared from the diagnostic's data."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    _check_cohort_open(cohort)
    if cohort.syntheses.exists():
        raise SynthesisError("La synthèse existe déjà : modifiez-la ou créez une nouvelle version.")
    version = SynthesisVersion.objects.create(cohort=cohort, number=1, created_by=by)
    SynthesisTransition.objects.create(version=version, to_status=S.DRAFT, by=by)
    for position, section in enumerate(prepared_sections(cohort), start=1):
        SynthesisSection.objects.create(
            version=version,
            position=position,
            key=section.key,
            title=section.title,
            body=section.body,
        )
    return version


@transaction.atomic
def synthesis_new_version(*, cohort: Cohort, by: User, comment: str = "") -> SynthesisVersion:
    """A new draft copying the sections of the circulating version, which it supersedes; the
    superseded version keeps its reviews and comments."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    _check_cohort_open(cohort)
    latest = cohort.syntheses.order_by("-number").first()
    if latest is None:
        raise SynthesisError("Il n'y a pas encore de synthèse : préparez la première version.")
    latest = _locked(latest)
    if latest.status == S.DRAFT:
        raise SynthesisError(
            f"La version {latest.number} est encore un brouillon : modifiez-la directement."
        )
    synthesis_supersede(version=latest, by=by, comment=comment)
    number = (cohort.syntheses.aggregate(last=Max("number"))["last"] or 0) + 1
    version = SynthesisVersion.objects.create(cohort=cohort, number=number, created_by=by)
    SynthesisTransition.objects.create(
        version=version, to_status=S.DRAFT, by=by, comment=f"Reprend la version {latest.number}."
    )
    SynthesisSection.objects.bulk_create(
        SynthesisSection(
            version=version,
            position=section.position,
            key=section.key,
            title=section.title,
            body=section.body,
        )
        for section in latest.sections.all()
    )
    return version


def _check_draft(version: SynthesisVersion) -> None:
    if version.status != S.DRAFT:
        raise SynthesisError(
            f"La version {version.number} a été diffusée : elle ne se modifie plus. "
            "Créez une nouvelle version pour la corriger."
        )


@transaction.atomic
def synthesis_section_update(
    *, section: SynthesisSection, by: User, title: str, body: str
) -> SynthesisSection:
    """Change a section of a draft (title and Markdown text)."""
    version = _locked(section.version)
    _check_draft(version)
    title = title.strip()
    if not title:
        raise SynthesisError("Donnez un titre à la section.")
    section.title = title
    section.body = body.replace("\r\n", "\n").strip() + "\n" if body.strip() else ""
    section.save(update_fields=["title", "body"])
    return section


@transaction.atomic
def synthesis_section_prepare(*, section: SynthesisSection, by: User) -> SynthesisSection:
    """Replace a draft section's text by the text prepared from today's data (for instance once
    the workshop has been held)."""
    version = _locked(section.version)
    _check_draft(version)
    prepared = {s.key: s for s in prepared_sections(version.cohort)}.get(section.key)
    if prepared is None:
        raise SynthesisError("Cette section n'a pas de texte préparé.")
    section.body = prepared.body
    section.save(update_fields=["body"])
    return section


# --- Transitions --------------------------------------------------------------------------------


@transaction.atomic
def synthesis_circulate(*, version: SynthesisVersion, by: User) -> SynthesisVersion:
    """Send a draft to every structure of the cohort for review."""
    version = _locked(version)
    _check_cohort_open(version.cohort)
    _transition(version=version, to=S.CIRCULATING, by=by)
    version.circulated_at = timezone.now()
    version.save(update_fields=["status", "circulated_at"])
    for structure in permissions.cohort_structures(version.cohort).prefetch_related(
        "representatives"
    ):
        link = settings.COOPESS_BASE_URL + reverse(
            "diagnostic:structure", kwargs={"structure_id": structure.pk}
        )
        body = render_to_string(
            "diagnostic/synthesis/email_circulated.txt",
            {"version": version, "structure": structure, "cohort": version.cohort, "link": link},
        )
        for email in permissions.structure_recipients(structure):
            queue_email_message(
                EmailMessage(
                    subject=f"[CoopESS] Synthèse du diagnostic partagé à relire (version "
                    f"{version.number})",
                    body=body,
                    to=[email],
                )
            )
    events.announce(events.SYNTHESIS_CIRCULATED, version=version)
    return version


@transaction.atomic
def synthesis_supersede(*, version: SynthesisVersion, by: User, comment: str = "") -> None:
    """Mark a circulating version as replaced (called when the next version is created)."""
    version = _locked(version)
    _transition(version=version, to=S.SUPERSEDED, by=by, comment=comment)
    version.save(update_fields=["status"])


def pending_structures(version: SynthesisVersion) -> list[ApplicationStructure]:
    """The structures of the cohort that have not approved ``version``."""
    approved = set(
        version.reviews.filter(verdict=ReviewVerdict.APPROVED).values_list(
            "structure_id", flat=True
        )
    )
    return [s for s in permissions.cohort_structures(version.cohort) if s.pk not in approved]


@transaction.atomic
def synthesis_validate(*, version: SynthesisVersion, by: User | None) -> SynthesisVersion:
    """Validate a circulating version every structure has approved: freeze its PDF, move the
    cohort to the collective support, tell the officers."""
    from coopess.diagnostic.synthesis_render import synthesis_pdf

    version = _locked(version)
    _transition(version=version, to=S.VALIDATED, by=by)  # refuses anything but circulating
    if pending_structures(version):
        raise SynthesisTransitionRefused(
            "Toutes les structures n'ont pas encore approuvé cette version."
        )
    now = timezone.now()
    version.validated_at = now
    content = synthesis_pdf(version)
    version.pdf_sha256 = hashlib.sha256(content).hexdigest()
    version.pdf.save(
        f"synthese-cohorte-{version.cohort_id}-v{version.number}.pdf",
        ContentFile(content),
        save=False,
    )
    version.save(update_fields=["status", "validated_at", "pdf", "pdf_sha256"])
    cohort_transition(
        cohort=version.cohort,
        to=CohortStatus.SUPPORT,
        by=by,
        comment=f"Synthèse validée par toutes les structures (version {version.number}).",
    )
    _tell_officers(
        version,
        subject=f"[CoopESS] Synthèse validée par toutes les structures — {version.cohort.name}",
        template="diagnostic/synthesis/email_validated.txt",
    )
    events.announce(events.SYNTHESIS_VALIDATED, version=version)
    return version


def _tell_officers(
    version: SynthesisVersion, *, subject: str, template: str, extra: dict | None = None
) -> None:
    """Email the officers of the cohort's DLA operator (else the call's contact)."""
    cohort = version.cohort
    link = settings.COOPESS_BASE_URL + reverse(
        "diagnostic:synthesis", kwargs={"cohort_id": cohort.pk}
    )
    body = render_to_string(
        template, {"version": version, "cohort": cohort, "link": link, **(extra or {})}
    )
    emails = list(
        cohort.call.operator.role_assignments.filter(role=Role.OFFICER).values_list(
            "user__email", flat=True
        )
    ) or [cohort.call.contact_email]
    for email in dict.fromkeys(e for e in emails if e):
        queue_email_message(EmailMessage(subject=subject, body=body, to=[email]))


# --- Reviews by the structures -------------------------------------------------------------------


def _review_refusal(version: SynthesisVersion) -> str:
    if version.status == S.SUPERSEDED:
        return (
            f"La version {version.number} a été remplacée par une version plus récente : "
            "relisez et répondez sur la dernière version."
        )
    if version.status == S.DRAFT:
        return f"La version {version.number} n'a pas encore été diffusée aux structures."
    return f"La version {version.number} est déjà validée par toutes les structures."


@transaction.atomic
def synthesis_review(
    *,
    version: SynthesisVersion,
    structure: ApplicationStructure,
    by: User,
    verdict: str,
    comment: str = "",
    section_comments: dict[int, str] | None = None,
) -> SynthesisReview:
    """A structure approves the circulating version or asks for changes (a general comment and
    comments per section). It may change its answer while the version circulates. The last
    approval validates the version, exactly once: the version row is locked."""
    version = _locked(version)
    if version.status != S.CIRCULATING:
        raise ReviewRefused(_review_refusal(version))
    if not permissions.cohort_structures(version.cohort).filter(pk=structure.pk).exists():
        raise ReviewRefused("Cette structure ne fait pas partie de la cohorte.")
    if verdict not in ReviewVerdict.values:
        raise ReviewRefused("Choisissez : approuver la synthèse ou demander des modifications.")
    comment = comment.strip()
    section_ids = set(version.sections.values_list("pk", flat=True))
    comments = {
        int(pk): text.strip()
        for pk, text in (section_comments or {}).items()
        if text and text.strip()
    }
    if set(comments) - section_ids:
        raise ReviewRefused("Un commentaire porte sur une section d'une autre version.")
    if verdict == ReviewVerdict.CHANGES and not comment and not comments:
        raise ReviewRefused(
            "Dites ce qu'il faut modifier : un commentaire général ou un commentaire sur une "
            "section."
        )
    review, _created = SynthesisReview.objects.update_or_create(
        version=version,
        structure=structure,
        defaults={"verdict": verdict, "comment": comment, "by": by, "at": timezone.now()},
    )
    review.comments.all().delete()
    SectionComment.objects.bulk_create(
        SectionComment(review=review, section_id=pk, body=text) for pk, text in comments.items()
    )
    if verdict == ReviewVerdict.CHANGES:
        _tell_officers(
            version,
            subject=f"[CoopESS] Synthèse v{version.number} : {structure} demande des modifications",
            template="diagnostic/synthesis/email_changes.txt",
            extra={"review": review, "structure": structure, "comments": len(comments)},
        )
    elif not pending_structures(version):
        synthesis_validate(version=version, by=by)
    return review
