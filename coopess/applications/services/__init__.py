"""Every write on applications, one module per sub-domain: ``drafts`` (creating, saving sections),
``partners`` (invitations, SIRET lookup), ``attachments``, ``completeness`` (what is missing) and
``submission`` (submit, withdraw, complements). Each function is one business action, inside a
transaction; emails and tasks leave after the commit. The names are re-exported here, so
``from coopess.applications.services import application_submit`` keeps working.
"""

from coopess.applications.errors import ApplicationError
from coopess.applications.services.attachments import (
    ALLOWED_KINDS,
    attachment_add,
    attachment_delete,
)
from coopess.applications.services.completeness import missing_items, visible_questions
from coopess.applications.services.drafts import (
    AlreadySubmitted,
    CallClosed,
    CapReached,
    Incomplete,
    NotEditable,
    _check_editable,
    _lock,
    application_create,
    pending_for,
    project_save,
    questions_save,
    refresh_search_text,
    structure_initial,
    structure_save,
    type_save,
)
from coopess.applications.services.partners import (
    partner_accept,
    partner_confirm,
    partner_invite,
    partner_remove,
    schedule_lookup_retry,
    structure_apply_lookup,
    structure_lookup,
)
from coopess.applications.services.submission import (
    REOPENABLE_SECTIONS,
    application_request_complements,
    application_submit,
    application_withdraw,
)

__all__ = [
    "ALLOWED_KINDS",
    "REOPENABLE_SECTIONS",
    "AlreadySubmitted",
    "ApplicationError",
    "CallClosed",
    "CapReached",
    "Incomplete",
    "NotEditable",
    "_check_editable",
    "_lock",
    "application_create",
    "application_request_complements",
    "application_submit",
    "application_withdraw",
    "attachment_add",
    "attachment_delete",
    "missing_items",
    "partner_accept",
    "partner_confirm",
    "partner_invite",
    "partner_remove",
    "pending_for",
    "project_save",
    "questions_save",
    "refresh_search_text",
    "schedule_lookup_retry",
    "structure_apply_lookup",
    "structure_initial",
    "structure_lookup",
    "structure_save",
    "type_save",
    "visible_questions",
]
