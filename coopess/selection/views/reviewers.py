"""The reviewer's pages: the applications assigned to them, scoring one on the call's grid after
the conflict-of-interest declaration, and its attachments.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from coopess.accounts.models import Role
from coopess.applications.models import Attachment
from coopess.applications.receipts import application_context
from coopess.common.uploads import protected_file_response
from coopess.selection import services
from coopess.selection.forms import (
    ConflictForm,
    ReviewForm,
)
from coopess.selection.models import (
    ReviewerAssignment,
)

# --- Reviewers -----------------------------------------------------------------------------------


@require_GET
def reviewer_home(request):
    if not request.user.has_role(Role.REVIEWER):
        raise Http404
    assignments = (
        ReviewerAssignment.objects.filter(reviewer=request.user)
        .select_related("application", "application__call")
        .order_by("submitted_at", "application__receipt_number")
    )
    return render(request, "selection/reviewer_home.html", {"assignments": assignments})


def _assignment(request, public_id) -> ReviewerAssignment:
    return get_object_or_404(
        ReviewerAssignment.objects.select_related(
            "application", "application__call", "application__maturity_stage"
        ),
        reviewer=request.user,
        application__public_id=public_id,
    )


@require_http_methods(["GET", "POST"])
def review(request, public_id):
    assignment = _assignment(request, public_id)
    application = assignment.application
    criteria = list(application.call.criteria.all())
    if not assignment.can_see_application:
        form = ConflictForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            has_conflict = form.cleaned_data["declaration"] == "conflict"
            services.conflict_declare(
                assignment=assignment, has_conflict=has_conflict, note=form.cleaned_data["note"]
            )
            if has_conflict:
                messages.info(
                    request, "Conflit d'intérêts enregistré : vous n'évaluez pas cette candidature."
                )
                return redirect("selection:reviewer_home")
            return redirect("selection:review", public_id=application.public_id)
        return render(
            request,
            "selection/review_conflict.html",
            {"assignment": assignment, "application": application, "form": form},
        )
    form = ReviewForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        if assignment.submitted_at:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.review_submit(
                    assignment=assignment,
                    scores=form.scores(),
                    overall_comment=form.cleaned_data["overall_comment"],
                )
            except services.SelectionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, "Évaluation envoyée. Vous voyez maintenant celles des autres membres."
                )
                return redirect("selection:review", public_id=application.public_id)
    others = []
    if assignment.submitted_at:
        others = list(
            application.reviewer_assignments.filter(submitted_at__isnull=False)
            .exclude(pk=assignment.pk)
            .select_related("reviewer")
            .prefetch_related("scores__criterion")
        )
    context = application_context(application)
    context.update(
        {
            "assignment": assignment,
            "form": form,
            "criteria": criteria,
            "others": others,
            "own_scores": list(assignment.scores.select_related("criterion")),
        }
    )
    return render(request, "selection/review.html", context, status=400 if form.errors else 200)


@require_GET
def reviewer_attachment(request, public_id, attachment_id):
    assignment = _assignment(request, public_id)
    if not assignment.can_see_application:
        raise Http404
    attachment = get_object_or_404(
        Attachment, application=assignment.application, public_id=attachment_id, is_receipt=False
    )
    return protected_file_response(attachment.file, download_name=attachment.original_name)
