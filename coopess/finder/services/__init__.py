"""Every write of the partner finder (consent, contact requests, introductions, joint
applications) and the search itself.

A structure is findable only while its consent is active (given, not withdrawn, not expired),
and only with what it chose to show. Searching requires one's own structure to be findable by
the other structures too: the finder works only where both sides said yes.

One module per sub-domain: ``consent``, ``search``, ``contacts`` and ``joint`` (joint
application); the names are re-exported here.
"""

from coopess.finder.services.consent import (
    EMPTY,
    FinderError,
    _empty,
    consent_initial,
    consent_save,
    consent_withdraw,
    consents_expire,
)
from coopess.finder.services.contacts import (
    contact_answer,
    contact_request,
    introduction_propose,
    is_participant,
    side_of,
)
from coopess.finder.services.joint import joint_application_start, open_calls
from coopess.finder.services.search import Result, ranked, search, sql_score, to_scoring

__all__ = [
    "EMPTY",
    "FinderError",
    "Result",
    "_empty",
    "consent_initial",
    "consent_save",
    "consent_withdraw",
    "consents_expire",
    "contact_answer",
    "contact_request",
    "introduction_propose",
    "is_participant",
    "joint_application_start",
    "open_calls",
    "ranked",
    "search",
    "side_of",
    "sql_score",
    "to_scoring",
]
