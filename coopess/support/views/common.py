"""Reads shared by the pages of the collective support."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from coopess.support.models import ReferralTransition, SessionStatus


def session_rows(sessions):
    """Sessions with their structure, attendance counts and deliverables, in a fixed number of
    queries; each gets ``number``: its rank among the engagement's live half-days."""
    rows = list(
        sessions.select_related("structure")
        .annotate(
            present_count=Count("attendances", filter=Q(attendances__present=True), distinct=True),
            attendance_count=Count("attendances", distinct=True),
        )
        .prefetch_related("deliverables")
        .order_by("starts_at", "pk")
    )
    number = 0
    for session in rows:
        if session.status != SessionStatus.CANCELLED:
            number += 1
            session.number = number
        else:
            session.number = None
    return rows


def referral_rows(referrals):
    return list(
        referrals.select_related("actor", "structure", "action_item").prefetch_related(
            Prefetch("transitions", queryset=ReferralTransition.objects.select_related("by"))
        )
    )
