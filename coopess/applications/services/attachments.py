"""The documents attached to an application or a structure: upload checks (kind, size,
content), storage and deletion while the application is editable.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Sum

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import (
    Application,
    ApplicationStructure,
    Attachment,
)
from coopess.applications.services.drafts import _check_editable, _lock
from coopess.calls.models import CallDocument, CallQuestion
from coopess.common.uploads import UploadRejected, human_size, inspect_upload, storage_name

logger = logging.getLogger("coopess")


# --- Attachments ------------------------------------------------------------------------------

ALLOWED_KINDS = frozenset({"pdf", "docx", "odt", "xlsx", "ods", "doc", "xls", "png", "jpeg"})


@transaction.atomic
def attachment_add(
    *,
    application: Application,
    upload,
    by: User,
    structure: ApplicationStructure | None = None,
    document: CallDocument | None = None,
    question: CallQuestion | None = None,
) -> Attachment:
    application = _lock(application)
    _check_editable(application, "documents")
    call = application.call
    info = inspect_upload(
        upload, allowed_kinds=set(ALLOWED_KINDS), max_bytes=call.max_file_mb * 1_000_000
    )
    used = (
        application.attachments.filter(is_receipt=False).aggregate(total=Sum("size"))["total"] or 0
    )
    limit = call.max_total_mb * 1_000_000
    if used + info.size > limit:
        raise UploadRejected(
            f"Les pièces de la candidature ne peuvent pas dépasser {human_size(limit)} au total "
            f"(déjà {human_size(used)}). Retirez un fichier ou compressez celui-ci.",
            code="total_size",
        )
    attachment = Attachment(
        application=application,
        structure=structure,
        document=document,
        question=question,
        original_name=info.original_name,
        kind=info.kind,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    upload.seek(0)
    attachment.file.save(storage_name(info.kind), upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: User) -> None:
    application = _lock(attachment.application)
    _check_editable(application, "documents")
    if attachment.is_receipt:
        raise ApplicationError("Le récépissé ne peut pas être supprimé.")
    attachment.file.delete(save=False)
    attachment.delete()
