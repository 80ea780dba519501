"""The personal data of the follow-ups, declared to the privacy registry.

A follow-up's answers (``FollowUp.answers``) are the structure's: choices and numbers (stage,
form, jobs, FTE, the satisfaction with the consultant from 1 to 5, each action's progress) feed
the funders' indicators and the providers' directory and are kept; free texts (effects, new
needs, the comment on the consultant, each action's comment) may name people and are dropped
with the structure's application. Who answered (``answered_by``) and the comments of the
follow-ups' history go too. Dates and states stay (retention counts from the last follow-up:
``privacy.retention``).

Erasure of one person: their name is redacted from the free texts of their structures'
follow-ups, and they no longer appear as the one who answered. The download of one's data
gives the answered follow-ups of the structures the person acts for or represents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from coopess.accounts.models import User
from coopess.applications.models import Application, ApplicationStructure
from coopess.diagnostic.privacy import person_strings, person_structures, redact
from coopess.followups.models import (
    FollowUp,
    FollowUpQuestion,
    FollowUpStatus,
    FollowUpTransition,
    QuestionKind,
)
from coopess.privacy.registry import PersonalDataSource, register

#: the answers kept at retention: what counts, never what a person wrote
KEPT_KINDS = (QuestionKind.INTEGER, QuestionKind.DECIMAL, QuestionKind.STAGE, QuestionKind.FORM,
              QuestionKind.SCALE)  # fmt: skip


def _free_text(name: str, kinds: dict[str, str]) -> bool:
    """Whether the answer ``name`` may hold free text (an item's comment, a text question, an
    unknown question)."""
    if name.startswith("item_"):
        return name.endswith("_comment")
    return kinds.get(name.removeprefix("q_")) not in KEPT_KINDS


def _kinds(call_ids: set[int]) -> dict[int, dict[str, str]]:
    kinds: dict[int, dict[str, str]] = {call_id: {} for call_id in call_ids}
    for call_id, code, kind in FollowUpQuestion.objects.filter(call_id__in=call_ids).values_list(
        "call_id", "code", "kind"
    ):
        kinds[call_id][code] = kind
    return kinds


def _followups_of(applications: QuerySet[Application]) -> QuerySet[FollowUp]:
    structures = ApplicationStructure.objects.filter(application__in=applications)
    return FollowUp.objects.filter(structure__in=structures.values("pk"))


# --- Retention ----------------------------------------------------------------------------------


def anonymise_followups(applications: QuerySet[Application]) -> None:
    followups = list(_followups_of(applications).select_related("cohort"))
    kinds = _kinds({f.cohort.call_id for f in followups})
    for followup in followups:
        known = kinds[followup.cohort.call_id]
        kept = {
            name: value
            for name, value in (followup.answers or {}).items()
            if not _free_text(name, known)
        }
        if kept != followup.answers or followup.answered_by_id is not None:
            FollowUp.objects.filter(pk=followup.pk).update(answers=kept, answered_by=None)
    FollowUpTransition.objects.filter(followup__in=[f.pk for f in followups]).exclude(
        comment=""
    ).update(comment="")


# --- Erasure -----------------------------------------------------------------------------------


def erase_from_followups(user: User, applications: QuerySet[Application]) -> None:
    """This person's name out of the free texts of these structures' follow-ups, and out of
    « answered by »."""
    followups = _followups_of(applications)
    followups.filter(answered_by=user).update(answered_by=None)
    FollowUpTransition.objects.filter(followup__in=followups, by=user).update(by=None)
    needles = person_strings(user)
    if not needles:
        return
    for followup in followups.exclude(answers={}):
        answers = {
            name: redact(str(value), needles) for name, value in (followup.answers or {}).items()
        }
        if answers != followup.answers:
            FollowUp.objects.filter(pk=followup.pk).update(answers=answers)


# --- The download of one's data ------------------------------------------------------------------


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def followups_of(user: User) -> dict[str, list[dict[str, Any]]]:
    """The answered follow-ups of this person's structures, each answer under its question."""
    followups = list(
        FollowUp.objects.filter(
            structure__in=person_structures(user), status=FollowUpStatus.ANSWERED
        )
        .select_related("structure", "cohort")
        .order_by("structure_id", "offset_months")
    )
    labels: dict[int, dict[str, str]] = {}
    for call_id, code, label in FollowUpQuestion.objects.filter(
        call_id__in={f.cohort.call_id for f in followups}
    ).values_list("call_id", "code", "label"):
        labels.setdefault(call_id, {})[f"q_{code}"] = label
    rows = []
    for followup in followups:
        questions = labels.get(followup.cohort.call_id, {})
        rows.append(
            {
                "structure": followup.structure.name,
                "suivi": followup.label,
                "repondu_le": _when(followup.answered_at),
                "repondu_par_vous": followup.answered_by_id == user.pk,
                "reponses": [
                    {"question": questions.get(name, name), "reponse": value}
                    for name, value in (followup.answers or {}).items()
                    if value
                ],
            }
        )
    return {"Suivis à 6 mois et 1 an": rows} if rows else {}


register(
    PersonalDataSource(
        name="followups",
        anonymise=anonymise_followups,
        erase_person=erase_from_followups,
        export_person=followups_of,
    )
)
