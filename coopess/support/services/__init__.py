"""Every write of the collective support: ``engagement`` (bounds, consultancy, consultants),
``sessions`` (planning, invitations, records, deliverables) and ``referrals``."""

from coopess.applications.errors import ApplicationError


class SupportError(ApplicationError):
    """A refused action of the collective support, explained in French."""
