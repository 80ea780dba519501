"""The documents page: uploading attachments (checked before storage), downloading them through
the permission check, and deleting them while the application is editable.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from coopess.applications import services
from coopess.applications.forms import (
    UploadForm,
)
from coopess.applications.permissions import (
    can_attach,
    can_edit_application,
    can_edit_structure,
)
from coopess.applications.sections import section_url
from coopess.applications.views.base import _load, _nav_context
from coopess.calls.models import CallDocument, CallQuestion, DocumentScope
from coopess.common.uploads import UploadRejected, protected_file_response

logger = logging.getLogger("coopess")


# --- Documents ---------------------------------------------------------------------------------


def _documents(request, application, access, upload_errors: dict | None = None):
    call = application.call
    structures = list(application.structures.all())
    attachments = list(
        application.attachments.filter(is_receipt=False).select_related("document", "question")
    )
    rows = []
    for document in call.documents.all():
        targets = structures if document.scope == DocumentScope.STRUCTURE else [None]
        for target in targets:
            if (
                target is not None
                and not can_edit_structure(access, target)
                and not can_edit_application(access)
            ):
                continue
            rows.append(
                {
                    "document": document,
                    "structure": target,
                    "anchor": f"document-{document.pk}" + (f"-{target.pk}" if target else ""),
                    "files": [
                        a
                        for a in attachments
                        if a.document_id == document.pk
                        and (target is None or a.structure_id == target.pk)
                    ],
                    "can_upload": can_attach(access, target),
                }
            )
    answers = {a.question_id: a.value for a in application.answers.all()}
    file_questions = [
        {
            "question": question,
            "anchor": f"question-{question.pk}",
            "files": [a for a in attachments if a.question_id == question.pk],
        }
        for question in services.visible_questions(list(call.questions.all()), answers)
        if question.kind == "file"
    ]
    context = _nav_context(application, access, "documents")
    context.update(
        {
            "rows": rows,
            "file_questions": file_questions,
            "editable": application.section_is_editable("documents"),
            "upload_errors": upload_errors or {},
            "max_file_mb": call.max_file_mb,
            "max_total_mb": call.max_total_mb,
            "upload_form": UploadForm(),
        }
    )
    return render(
        request,
        "applications/section_documents.html",
        context,
        status=400 if upload_errors else 200,
    )


@require_POST
def attachment_upload(request, public_id):
    application, access = _load(request, public_id)
    document = structure = question = None
    if request.POST.get("document"):
        document = get_object_or_404(
            CallDocument, pk=_int(request.POST["document"]), call=application.call
        )
        if document.scope == DocumentScope.STRUCTURE:
            structure = get_object_or_404(
                application.structures, pk=_int(request.POST.get("structure"))
            )
    elif request.POST.get("question"):
        question = get_object_or_404(
            CallQuestion, pk=_int(request.POST["question"]), call=application.call, kind="file"
        )
    else:
        raise Http404
    allowed = can_attach(access, structure)
    if not allowed:
        raise PermissionDenied
    anchor = (
        f"document-{document.pk}" + (f"-{structure.pk}" if structure else "")
        if document
        else f"question-{question.pk}"
    )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _documents(
            request, application, access, {anchor: "Choisissez un fichier à joindre."}
        )
    try:
        attachment = services.attachment_add(
            application=application,
            upload=form.cleaned_data["file"],
            by=request.user,
            structure=structure,
            document=document,
            question=question,
        )
    except UploadRejected as error:
        return _documents(request, application, access, {anchor: error.messages[0]})
    except services.ApplicationError as error:
        messages.error(request, error.message)
        return redirect(section_url(application, "documents"))
    except OSError:
        logger.exception("Upload could not be stored for application %s", application.public_id)
        return _documents(
            request,
            application,
            access,
            {
                anchor: "Le fichier n'a pas pu être enregistré pour une raison technique. Votre candidature est intacte : réessayez dans quelques minutes."
            },
        )
    messages.success(request, f"« {attachment.original_name} » est joint à la candidature.")
    return redirect(section_url(application, "documents") + f"#{anchor}")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@require_GET
def attachment_download(request, public_id, attachment_id):
    application, _access = _load(request, public_id)
    attachment = get_object_or_404(application.attachments, public_id=attachment_id)
    return protected_file_response(attachment.file, download_name=attachment.original_name)


@require_POST
def attachment_delete(request, public_id, attachment_id):
    application, access = _load(request, public_id)
    attachment = get_object_or_404(application.attachments, public_id=attachment_id)
    structure = attachment.structure
    allowed = can_attach(access, structure)
    if not allowed:
        raise PermissionDenied
    try:
        services.attachment_delete(attachment=attachment, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"« {attachment.original_name} » a été retiré.")
    return redirect(section_url(application, "documents"))
