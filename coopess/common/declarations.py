"""The declaration of interests a person makes before judging (a reviewer about an application,
a comité d'appui member about a proposal): one of « no conflict » or « a conflict, with a
note », stamped with its time. The rows that hold it have ``no_conflict_declared_at``,
``conflict_declared_at`` and ``conflict_note``; the database of each app refuses marks from
someone who declared a conflict."""

from __future__ import annotations

import datetime as dt


def record_declaration(row, *, has_conflict: bool, note: str, at: dt.datetime) -> None:
    """Write the declaration onto ``row`` (not saved); the other answer is cleared."""
    if has_conflict:
        row.conflict_declared_at, row.no_conflict_declared_at = at, None
        row.conflict_note = note.strip()
    else:
        row.no_conflict_declared_at, row.conflict_declared_at = at, None
        row.conflict_note = ""
