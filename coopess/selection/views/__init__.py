"""Officers instruct the applications of their DLA's calls; reviewers score the ones assigned to
them. Anything outside one's scope answers 404. One module per part: ``table`` (calls, table,
exports), ``application`` (one application), ``ranking`` (ranking, cohort, letters) and
``reviewers``, ``applicant`` (the representative's messages); ``base`` holds the scope checks. The views are re-exported here for ``urls.py``.
"""

from coopess.selection.views.applicant import applicant_message
from coopess.selection.views.application import (
    _back,
    application,
    assign,
    complements,
    decide,
    officer_attachment,
    override,
    post_message,
    reopen,
    rescreen,
    start_review,
)
from coopess.selection.views.base import _require_officer
from coopess.selection.views.ranking import _candidates, _int, ranking, send_letters
from coopess.selection.views.reviewers import review, reviewer_attachment, reviewer_home
from coopess.selection.views.table import EXPORT_HEADERS, PAGE_SIZE, _Echo, calls, export, table

__all__ = [
    "EXPORT_HEADERS",
    "PAGE_SIZE",
    "_Echo",
    "_back",
    "_candidates",
    "_int",
    "_require_officer",
    "applicant_message",
    "application",
    "assign",
    "calls",
    "complements",
    "decide",
    "export",
    "officer_attachment",
    "override",
    "post_message",
    "ranking",
    "reopen",
    "rescreen",
    "review",
    "reviewer_attachment",
    "reviewer_home",
    "send_letters",
    "start_review",
    "table",
]
