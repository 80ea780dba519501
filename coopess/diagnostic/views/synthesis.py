"""Pages of the diagnostic's synthesis.

Officer (under ``cohortes/<cohort_id>/synthese/``): compose the versions, edit each section,
circulate, read the structures' answers, download PDF and DOCX. Representative (under
``structures/<structure_id>/synthese/``): read a circulated version, download it, approve it or
ask for changes with comments per section; earlier versions stay readable with their comments.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopess.diagnostic import permissions
from coopess.diagnostic.forms.synthesis import NewVersionForm, ReviewForm, SectionForm
from coopess.diagnostic.models import (
    SectionComment,
    SynthesisReview,
    SynthesisSection,
    SynthesisStatus,
    SynthesisVersion,
)
from coopess.diagnostic.services import synthesis as services
from coopess.diagnostic.synthesis_render import (
    document,
    section_html,
    synthesis_docx,
    synthesis_pdf,
)
from coopess.selection.models import CohortStatus

S = SynthesisStatus
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- Reading a version with its answers ----------------------------------------------------------


def _reviews(version: SynthesisVersion) -> list[SynthesisReview]:
    return list(
        version.reviews.select_related("structure", "by")
        .prefetch_related(
            Prefetch("comments", queryset=SectionComment.objects.select_related("section"))
        )
        .order_by("structure__application_id", "structure__position", "structure_id")
    )


def _with_comments(sections, reviews) -> list[SynthesisSection]:
    """Attach to each section its comments (structure, text)."""
    by_section: dict[int, list[tuple]] = {}
    for review in reviews:
        for comment in review.comments.all():
            by_section.setdefault(comment.section_id, []).append((review.structure, comment.body))
    for section in sections:
        section.review_comments = by_section.get(section.pk, [])
    return sections


def _version_context(version: SynthesisVersion) -> dict:
    doc = document(version)
    reviews = _reviews(version)
    _with_comments(doc.sections, reviews)
    return {"doc": doc, "version": version, "reviews": reviews}


def _versions(cohort, *, include_drafts: bool) -> list[SynthesisVersion]:
    rows = cohort.syntheses.order_by("-number")
    if not include_drafts:
        rows = rows.exclude(status=S.DRAFT)
    return list(rows)


def _file_response(version: SynthesisVersion, fmt: str) -> HttpResponse:
    name = f"synthese-diagnostic-v{version.number}.{fmt}"
    if fmt == "pdf" and version.status == S.VALIDATED and version.pdf:
        return FileResponse(
            version.pdf.open("rb"),
            as_attachment=True,
            filename=name,
            content_type="application/pdf",
        )
    if fmt == "pdf":
        content, content_type = synthesis_pdf(version), "application/pdf"
    else:
        content, content_type = synthesis_docx(version), DOCX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Hub panels ------------------------------------------------------------------------------


def officer_panel(cohort) -> dict:
    """Context of this feature's block on the officer's cohort page."""
    versions = list(cohort.syntheses.order_by("-number"))
    current = versions[0] if versions else None
    pending = []
    if current is not None and current.status == S.CIRCULATING:
        pending = services.pending_structures(current)
    return {
        "cohort": cohort,
        "current": current,
        "count": len(versions),
        "pending": pending,
        "can_create": not versions and cohort.status == CohortStatus.DIAGNOSTIC,
    }


def structure_panel(structure, user) -> dict:
    """Context of this feature's block on a representative's structure page."""
    cohort = permissions.structure_cohort(structure)
    versions = _versions(cohort, include_drafts=False)
    current = versions[0] if versions else None
    review = None
    if current is not None:
        review = current.reviews.filter(structure=structure).first()
    return {
        "structure": structure,
        "current": current,
        "review": review,
        "earlier": versions[1:],
    }


# --- Officer ---------------------------------------------------------------------------------


def _officer_version(user, cohort_id: int, version_id: int) -> SynthesisVersion:
    cohort = permissions.officer_cohort(user, cohort_id)
    return get_object_or_404(
        SynthesisVersion.objects.select_related("cohort__call__operator"),
        pk=version_id,
        cohort=cohort,
    )


@require_GET
def officer_home(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    versions = list(cohort.syntheses.order_by("-number"))
    current = versions[0] if versions else None
    context = {
        "cohort": cohort,
        "call": cohort.call,
        "versions": versions,
        "current": current,
        "can_create": not versions and cohort.status == CohortStatus.DIAGNOSTIC,
        "new_version_form": NewVersionForm(),
        "pending": [],
        "edit_links": current is not None and current.status == S.DRAFT,
    }
    previous = versions[1] if len(versions) > 1 else None
    context["previous"] = previous
    context["previous_reviews"] = _reviews(previous) if previous is not None else []
    if current is not None:
        context.update(_version_context(current))
        if current.status == S.CIRCULATING:
            context["pending"] = services.pending_structures(current)
    return render(request, "diagnostic/synthesis/officer.html", context)


@require_POST
def create(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    try:
        services.synthesis_create(cohort=cohort, by=request.user)
    except services.SynthesisError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "La version 1 de la synthèse est prête : relisez et complétez chaque section avant "
            "de la diffuser.",
        )
    return redirect("diagnostic:synthesis", cohort_id=cohort.pk)


@require_POST
def new_version(request, cohort_id: int):
    cohort = permissions.officer_cohort(request.user, cohort_id)
    form = NewVersionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        version = services.synthesis_new_version(cohort=cohort, by=request.user, comment=comment)
    except services.SynthesisError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"La version {version.number} reprend les sections de la précédente, qui est "
            "remplacée ; ses commentaires restent consultables.",
        )
    return redirect("diagnostic:synthesis", cohort_id=cohort.pk)


@require_POST
def circulate(request, cohort_id: int, version_id: int):
    version = _officer_version(request.user, cohort_id, version_id)
    try:
        services.synthesis_circulate(version=version, by=request.user)
    except services.SynthesisError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"La version {version.number} est diffusée : chaque structure a reçu un courriel "
            "avec le lien pour la relire.",
        )
    return redirect("diagnostic:synthesis", cohort_id=cohort_id)


@require_GET
def version_detail(request, cohort_id: int, version_id: int):
    version = _officer_version(request.user, cohort_id, version_id)
    context = {"cohort": version.cohort, **_version_context(version), "officer": True}
    return render(request, "diagnostic/synthesis/version.html", context)


@require_GET
def officer_file(request, cohort_id: int, version_id: int, fmt: str):
    version = _officer_version(request.user, cohort_id, version_id)
    return _file_response(version, fmt)


def _officer_section(user, cohort_id: int, section_id: int) -> SynthesisSection:
    cohort = permissions.officer_cohort(user, cohort_id)
    return get_object_or_404(
        SynthesisSection.objects.select_related("version__cohort"),
        pk=section_id,
        version__cohort=cohort,
    )


@require_http_methods(["GET", "POST"])
def section_edit(request, cohort_id: int, section_id: int):
    section = _officer_section(request.user, cohort_id, section_id)
    version = section.version
    status = 200
    if request.method == "POST" and "preview" in request.POST:
        # « Aperçu »: nothing saved; HTMX swaps the preview only, without it the page comes back
        preview = section_html(request.POST.get("body", ""))
        if request.htmx:
            return render(request, "diagnostic/synthesis/_preview.html", {"preview": preview})
        form = SectionForm(request.POST)
    elif request.method == "POST":
        form = SectionForm(request.POST)
        if form.is_valid():
            try:
                services.synthesis_section_update(
                    section=section,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except services.SynthesisError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Section « {section.title} » enregistrée.")
                return redirect(f"{_synthesis_url(cohort_id)}#section-{section.key}")
        status = 400
        preview = section_html(request.POST.get("body", ""))
    else:
        form = SectionForm(initial={"title": section.title, "body": section.body})
        preview = section_html(section.body)
    earlier = SectionComment.objects.filter(
        review__version__cohort=version.cohort,
        review__version__number=version.number - 1,
        section__key=section.key,
    ).select_related("review__structure", "review__version")
    context = {
        "cohort": version.cohort,
        "version": version,
        "section": section,
        "earlier_comments": list(earlier),
        "form": form,
        "preview": preview,
        "editable": version.status == S.DRAFT,
    }
    return render(request, "diagnostic/synthesis/section.html", context, status=status)


def _synthesis_url(cohort_id: int) -> str:
    return reverse("diagnostic:synthesis", kwargs={"cohort_id": cohort_id})


@require_POST
def section_prepare(request, cohort_id: int, section_id: int):
    section = _officer_section(request.user, cohort_id, section_id)
    try:
        services.synthesis_section_prepare(section=section, by=request.user)
    except services.SynthesisError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Le texte de « {section.title} » a été repris des données d'aujourd'hui."
        )
    return redirect("diagnostic:synthesis_section", cohort_id=cohort_id, section_id=section.pk)


# --- Representative ----------------------------------------------------------------------------


def _structure_version(user, structure_id: int, version_id: int):
    structure = permissions.represented_structure(user, structure_id)
    cohort = permissions.structure_cohort(structure)
    version = get_object_or_404(
        SynthesisVersion.objects.select_related("cohort__call__operator").exclude(status=S.DRAFT),
        pk=version_id,
        cohort=cohort,
    )
    return structure, version


@require_http_methods(["GET", "POST"])
def review(request, structure_id: int, version_id: int):
    structure, version = _structure_version(request.user, structure_id, version_id)
    sections = list(version.sections.all())
    own = version.reviews.filter(structure=structure).prefetch_related("comments").first()
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST, sections=sections)
        if form.is_valid():
            try:
                services.synthesis_review(
                    version=version,
                    structure=structure,
                    by=request.user,
                    verdict=form.cleaned_data["verdict"],
                    comment=form.cleaned_data["comment"],
                    section_comments=form.section_comments(),
                )
            except services.SynthesisError as error:
                form.add_error(None, error.message)
            else:
                version.refresh_from_db()
                if version.status == S.VALIDATED:
                    messages.success(
                        request,
                        "Merci : toutes les structures ont approuvé cette version, la synthèse "
                        "est validée.",
                    )
                else:
                    messages.success(request, "Merci, votre réponse a été enregistrée.")
                return redirect(
                    "diagnostic:synthesis_review", structure_id=structure.pk, version_id=version.pk
                )
        status = 400
    else:
        initial = {}
        if own is not None:
            initial = {"verdict": own.verdict, "comment": own.comment}
            initial.update({f"section_{c.section_id}": c.body for c in own.comments.all()})
        form = ReviewForm(initial=initial, sections=sections)
    context = {
        "structure": structure,
        "cohort": version.cohort,
        **_version_context(version),
        "own": own,
        "form": form,
        "can_review": version.status == S.CIRCULATING,
        "fields": [(section, form.section_field(section)) for section in sections],
        "versions": _versions(version.cohort, include_drafts=False),
    }
    return render(request, "diagnostic/synthesis/review.html", context, status=status)


@require_GET
def structure_file(request, structure_id: int, version_id: int, fmt: str):
    _structure, version = _structure_version(request.user, structure_id, version_id)
    return _file_response(version, fmt)
