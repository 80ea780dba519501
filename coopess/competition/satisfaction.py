"""The structures' satisfaction with a consultant, as the providers' directory shows it next to
the DLA's own mark.

The structures are asked in their follow-ups, a later step of the process that this app does
not import: ``coopess.followups`` registers, from its ``AppConfig.ready``, the function that
reads their answers (:func:`register_structures_satisfaction`). The directory shows only an
average and a count, never one structure's answer on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: cohort ids -> {cohort id: [each answering structure's mark, 1 to 5]}, in one query
SatisfactionSource = Callable[[Iterable[int]], dict[int, list[int]]]

_sources: dict[str, SatisfactionSource] = {}


def register_structures_satisfaction(name: str, source: SatisfactionSource) -> None:
    """Add (or replace, when the module is imported again) the source ``name``."""
    _sources[name] = source


def structures_satisfaction(cohort_ids: Iterable[int]) -> dict[int, list[int]]:
    """Per cohort, the marks its structures gave (one query per registered source)."""
    cohort_ids = sorted(set(cohort_ids))
    marks: dict[int, list[int]] = {}
    if not cohort_ids:
        return marks
    for source in _sources.values():
        for cohort_id, values in source(cohort_ids).items():
            marks.setdefault(cohort_id, []).extend(values)
    return marks


def satisfaction_label(marks: list[int]) -> str:
    """« 4,3/5 (3 réponses) », « aucune réponse »: an average and a count."""
    if not marks:
        return "aucune réponse"
    mean = f"{sum(marks) / len(marks):.1f}".replace(".", ",")
    return f"{mean}/5 ({len(marks)} réponse{'s' if len(marks) > 1 else ''})"
