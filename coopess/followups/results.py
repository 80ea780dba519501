"""Reads of the follow-ups: the questionnaire of one follow-up and the results of a cohort
(per structure, per action-plan item, in aggregate). Officer pages only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from coopess.applications.choices import CooperationForm
from coopess.calls.models import MaturityStage
from coopess.competition.satisfaction import satisfaction_label
from coopess.diagnostic.models import ActionItem, ActionStatus
from coopess.diagnostic.permissions import cohort_structures
from coopess.followups.forms import QuestionnaireForm
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.services import (
    PENDING,
    SATISFACTION_CODE,
    followup_items,
    followup_offsets,
    questionnaire_setup,
)
from coopess.selection.models import Cohort


def stage_choices(call) -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in MaturityStage.objects.filter(call=call)]


def questionnaire_form(followup: FollowUp, data=None) -> QuestionnaireForm:
    questions = questionnaire_setup(call=followup.cohort.call)
    return QuestionnaireForm(
        data,
        initial=followup.answers,
        questions=questions,
        items=followup_items(followup),
        stages=stage_choices(followup.cohort.call),
    )


#: a question added to the questionnaire after this follow-up was answered
NOT_ASKED = "Non demandé"


def answer_rows(followup: FollowUp, form: QuestionnaireForm) -> list[tuple[str, str]]:
    """(question, answer as read) for a recorded questionnaire. An answered questionnaire holds
    every question of its day (empty when skipped, « — »): a question missing from it came later
    (« Non demandé »)."""
    rows = []
    for name, bound in form.fields.items():
        if followup.status == FollowUpStatus.ANSWERED and name not in followup.answers:
            rows.append((bound.label, NOT_ASKED))
            continue
        value = followup.answers.get(name, "")
        if hasattr(bound, "choices") and value:
            value = dict(bound.choices).get(value, value)
        rows.append((bound.label, value or "—"))
    return rows


def satisfaction_of(answers: dict) -> int | None:
    """The structure's satisfaction with the consultant (1 to 5) in these answers, if any."""
    value = str(answers.get(f"q_{SATISFACTION_CODE}", "")).strip()
    return int(value) if value in {"1", "2", "3", "4", "5"} else None


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", ".")) if text not in ("", None) else None
    except InvalidOperation:
        return None


@dataclass
class OffsetSummary:
    offset: int
    label: str
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)
    forms: Counter = field(default_factory=Counter)
    jobs: Decimal = Decimal(0)
    fte: Decimal = Decimal(0)
    needs: int = 0
    satisfaction: list[int] = field(default_factory=list)

    @property
    def satisfaction_label(self) -> str:
        return satisfaction_label(self.satisfaction)


@dataclass
class CohortResults:
    structures: list  # (structure, [followup or None per offset])
    offsets: list[int]
    summaries: list[OffsetSummary]
    items: list  # (item, [[(structure name, status label, comment)] per offset])
    overdue: int
    #: follow-ups neither answered nor overdue: the cohort cannot be closed while there are any
    pending: int = 0


def cohort_results(cohort: Cohort) -> CohortResults:
    """Everything the officer's page shows, in a fixed number of queries."""
    offsets = followup_offsets(cohort.call)
    followups = list(FollowUp.objects.filter(cohort=cohort).select_related("structure"))
    offsets = sorted(set(offsets) | {f.offset_months for f in followups})
    structures = list(cohort_structures(cohort))
    by_key = {(f.structure_id, f.offset_months): f for f in followups}
    stage_labels = dict(stage_choices(cohort.call))
    form_labels = dict(CooperationForm.choices)
    summaries = []
    for offset in offsets:
        summary = OffsetSummary(offset, FollowUp(offset_months=offset).label)
        for f in followups:
            if f.offset_months != offset:
                continue
            summary.total += 1
            summary.by_status[f.status] += 1
            if f.status != FollowUpStatus.ANSWERED:
                continue
            answers = f.answers
            if answers.get("q_stage"):
                summary.stages[stage_labels.get(answers["q_stage"], answers["q_stage"])] += 1
            if answers.get("q_form"):
                summary.forms[form_labels.get(answers["q_form"], answers["q_form"])] += 1
            summary.jobs += _number(answers.get("q_jobs")) or 0
            summary.fte += _number(answers.get("q_fte")) or 0
            summary.needs += bool(str(answers.get("q_needs", "")).strip())
            if (mark := satisfaction_of(answers)) is not None:
                summary.satisfaction.append(mark)
        summary.stages = sorted(summary.stages.items())
        summary.forms = sorted(summary.forms.items())
        summaries.append(summary)
    status_labels = dict(ActionStatus.choices)
    items = []
    names = {s.pk: s.name for s in structures}
    for item in ActionItem.objects.filter(cohort=cohort).order_by("position", "pk"):
        per_offset = []
        for offset in offsets:
            cells = []
            for f in followups:
                status = (
                    f.answers.get(f"item_{item.pk}_status") if f.offset_months == offset else None
                )
                if f.status == FollowUpStatus.ANSWERED and status:
                    cells.append(
                        (
                            names.get(f.structure_id, f.structure.name),
                            status_labels.get(status, status),
                            f.answers.get(f"item_{item.pk}_comment", ""),
                        )
                    )
            per_offset.append(cells)
        items.append((item, per_offset))
    return CohortResults(
        structures=[(s, [by_key.get((s.pk, o)) for o in offsets]) for s in structures],
        offsets=offsets,
        summaries=summaries,
        items=items,
        overdue=sum(f.status == FollowUpStatus.OVERDUE for f in followups),
        pending=sum(f.status in PENDING for f in followups),
    )
