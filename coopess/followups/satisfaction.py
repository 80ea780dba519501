"""The structures' satisfaction with the consultant, read from their answered follow-ups for
the providers' directory (registered into ``coopess.competition.satisfaction`` by ``apps.py``).

Each structure counts once per cohort, with its latest mark (the 1-year follow-up's when it
gave one, else the 6-month's): the directory's « n réponses » is a number of structures.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Trim

from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.services import SATISFACTION_CODE

MARKS = ("1", "2", "3", "4", "5")


def cohorts_satisfaction(cohort_ids: Iterable[int]) -> dict[int, list[int]]:
    """Per cohort, the latest mark of each structure that gave one (one query)."""
    rows = (
        FollowUp.objects.filter(cohort_id__in=list(cohort_ids), status=FollowUpStatus.ANSWERED)
        .annotate(mark=Trim(KeyTextTransform(f"q_{SATISFACTION_CODE}", "answers")))
        .filter(mark__in=MARKS)
        .order_by("cohort_id", "structure_id", "offset_months", "answered_at", "pk")
        .values_list("cohort_id", "structure_id", "mark")
    )
    latest: dict[tuple[int, int], int] = {}
    for cohort_id, structure_id, mark in rows:
        latest[cohort_id, structure_id] = int(mark)
    marks: dict[int, list[int]] = {}
    for (cohort_id, _structure_id), mark in latest.items():
        marks.setdefault(cohort_id, []).append(mark)
    return marks
