"""Pages of an application, for the representatives of its structures, one module per part:
``overview`` (start, list, summary, decision letter), ``sections``, ``partners``, ``documents`` and
``submission``; ``base`` holds what they share. The views are re-exported here for
``urls.py``.
"""

from coopess.applications.views.documents import (
    _int,
    attachment_delete,
    attachment_download,
    attachment_upload,
)
from coopess.applications.views.overview import (
    decision_letter,
    detail,
    my_applications,
    start,
)
from coopess.applications.views.partners import invitation, partner_invite, partner_remove
from coopess.applications.views.sections import section, structure, structure_confirm
from coopess.applications.views.submission import blank_form, submit, withdraw

__all__ = [
    "_int",
    "attachment_delete",
    "attachment_download",
    "attachment_upload",
    "blank_form",
    "decision_letter",
    "detail",
    "invitation",
    "my_applications",
    "partner_invite",
    "partner_remove",
    "section",
    "start",
    "structure",
    "structure_confirm",
    "submit",
    "withdraw",
]
