"""The officer's frozen versions of the terms of reference: each saved (or sent) version stays
downloadable as it was, PDF or editable DOCX."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from coopess.competition import documents, permissions
from coopess.competition.models import TermsVersion

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def version_file(request: HttpRequest, cohort_id: int, number: int, fmt: str) -> HttpResponse:
    item = permissions.officer_consultation(request.user, cohort_id)
    if item is None or fmt not in ("pdf", "docx"):
        raise Http404
    version = get_object_or_404(TermsVersion, consultation=item, number=number)
    frozen = version.as_consultation()
    if fmt == "pdf":
        content, kind = documents.terms_pdf(frozen), "application/pdf"
    else:
        content, kind = documents.terms_docx(frozen), DOCX
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="cahier-des-charges-v{number}.{fmt}"'
    return response
