"""Every write of screening, committee review, decisions and cohort composition, one module per
sub-domain: ``screening`` (eligibility), ``instruction`` (review, messages, complements), ``committee``,
``decisions`` (with the cohort workflow) and ``letters``. The names are re-exported here, so
``from coopess.selection.services import decision_record`` keeps working.
"""

from coopess.selection.services.committee import (
    conflict_declare,
    review_submit,
    reviewer_assign,
    weighted_score,
)
from coopess.selection.services.decisions import (
    COHORT_TRANSITIONS,
    DECIDABLE,
    CohortTransitionRefused,
    cohort_transition,
    decision_record,
    decision_reopen,
)
from coopess.selection.services.instruction import (
    _representative_emails,
    complements_request,
    message_post,
    review_start,
)
from coopess.selection.services.letters import (
    DEFAULT_LETTERS,
    call_setup_selection,
    check_letter_template,
    decisions_send,
    render_letter,
)
from coopess.selection.services.screening import (
    SelectionError,
    StaleApplication,
    _lock,
    application_screen,
    eligibility_override,
)

__all__ = [
    "COHORT_TRANSITIONS",
    "DECIDABLE",
    "DEFAULT_LETTERS",
    "CohortTransitionRefused",
    "SelectionError",
    "StaleApplication",
    "_lock",
    "_representative_emails",
    "application_screen",
    "call_setup_selection",
    "check_letter_template",
    "cohort_transition",
    "complements_request",
    "conflict_declare",
    "decision_record",
    "decision_reopen",
    "decisions_send",
    "eligibility_override",
    "message_post",
    "render_letter",
    "review_start",
    "review_submit",
    "reviewer_assign",
    "weighted_score",
]
