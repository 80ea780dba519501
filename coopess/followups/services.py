"""Every write of the follow-ups: closing the support phase (which schedules them), the
questionnaire (defaults per call, drafts, answers) and the moves of a follow-up.

The periodic sends, reminders and overdue marking live in ``scheduler.py``.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call, validate_follow_up_offsets
from coopess.common import events
from coopess.diagnostic.models import ActionItem
from coopess.diagnostic.permissions import cohort_structures
from coopess.followups.models import (
    FollowUp,
    FollowUpQuestion,
    FollowUpStatus,
    FollowUpTransition,
    QuestionKind,
)
from coopess.selection.models import Cohort, CohortStatus
from coopess.selection.services import cohort_transition

S = FollowUpStatus

#: Every allowed move of a follow-up: from-state -> reachable states. ``scheduled → answered``
#: is the officer filling it during a phone call before the email left; ``overdue → answered``
#: a late answer.
FOLLOWUP_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SCHEDULED: frozenset({S.SENT, S.ANSWERED}),
    S.SENT: frozenset({S.ANSWERED, S.OVERDUE}),
    S.OVERDUE: frozenset({S.ANSWERED}),
    S.ANSWERED: frozenset(),
}

#: Days after the email of the first and second reminders, then of the overdue marking.
REMINDER_DAYS = (7, 14)
OVERDUE_DAYS = 21


class FollowUpError(ApplicationError):
    pass


class FollowUpTransitionRefused(FollowUpError):
    def __init__(self, followup: FollowUp, to: str):
        super().__init__(
            f"Le suivi est « {followup.get_status_display().lower()} » : il ne peut pas "
            f"passer à « {FollowUpStatus(to).label.lower()} »."
        )


# --- Dates ----------------------------------------------------------------------------------


def paris_today(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in Europe/Paris at ``now`` (default: the current instant)."""
    return timezone.localtime(now or timezone.now(), PARIS).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, the 31st becoming the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followup_offsets(call: Call) -> list[int]:
    """Months after the end of the support at which the structures are followed up: the call's
    own ``Call.follow_up_offsets`` ([6, 12] for the seed call, set in « Gestion des appels »).

    A list the call's validation would refuse (stored before it, or written around it) falls
    back to the former rule on ``Call.follow_up_months``: half of it and its end.
    """
    offsets = call.follow_up_offsets
    try:
        validate_follow_up_offsets(offsets)
    except ValidationError:
        months = max(1, call.follow_up_months)
        return sorted({max(1, months // 2), months})
    return list(offsets)


# --- Closing the support phase ----------------------------------------------------------------


@transaction.atomic
def support_close(
    *,
    cohort: Cohort,
    by: User | None,
    ended_on: dt.date | None = None,
    now: dt.datetime | None = None,
    comment: str = "",
) -> list[FollowUp]:
    """Close the support phase of ``cohort`` (support → follow_up) and schedule one follow-up
    per structure and offset, due ``offset`` months after ``ended_on`` (the Paris day of the
    closing by default)."""
    if cohort.status != CohortStatus.SUPPORT:
        raise FollowUpError(
            "Seule une cohorte en phase d'accompagnement peut clore son accompagnement "
            f"(elle est à l'étape « {cohort.get_status_display()} »)."
        )
    cohort = cohort_transition(
        cohort=cohort,
        to=CohortStatus.FOLLOW_UP,
        by=by,
        comment=comment or "Fin de l'accompagnement",
    )
    ended_on = ended_on or paris_today(now)
    questionnaire_setup(call=cohort.call)
    offsets = followup_offsets(cohort.call)
    followups = FollowUp.objects.bulk_create(
        [
            FollowUp(
                cohort=cohort,
                structure=structure,
                offset_months=offset,
                due_on=add_months(ended_on, offset),
            )
            for structure in cohort_structures(cohort)
            for offset in offsets
        ]
    )
    followups = list(FollowUp.objects.filter(cohort=cohort))
    FollowUpTransition.objects.bulk_create(
        [
            FollowUpTransition(
                followup=followup,
                from_status="",
                to_status=S.SCHEDULED,
                by=by,
                comment=f"Programmé pour le {followup.due_on:%d/%m/%Y}",
            )
            for followup in followups
        ]
    )
    return followups


#: The states that keep a cohort from being closed: neither answered nor overdue yet.
PENDING = (S.SCHEDULED, S.SENT)


@transaction.atomic
def cohort_close(*, cohort: Cohort, by: User | None, comment: str = "") -> Cohort:
    """Close a cohort after its last follow-up (follow_up → closed), once every follow-up is
    answered or overdue. The retention of the structures' personal data counts from then
    (``privacy.retention``)."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.status != CohortStatus.FOLLOW_UP:
        raise FollowUpError(
            "Seule une cohorte en phase de suivi peut être close "
            f"(elle est à l'étape « {cohort.get_status_display()} »)."
        )
    pending = FollowUp.objects.filter(cohort=cohort, status__in=PENDING).order_by("due_on")
    count = pending.count()
    if count:
        first = pending.first()
        raise FollowUpError(
            f"La cohorte ne peut pas encore être close : {count} suivi{'s' if count > 1 else ''} "
            f"{'attendent' if count > 1 else 'attend'} encore une réponse (prochaine échéance "
            f"le {first.due_on:%d/%m/%Y}). Elle pourra l'être quand chaque suivi sera rempli "
            "ou en retard."
        )
    return cohort_transition(
        cohort=cohort,
        to=CohortStatus.CLOSED,
        by=by,
        comment=comment or "Fin du suivi : tous les suivis sont remplis ou en retard.",
    )


def followup_move(
    *,
    followup: FollowUp,
    to: str,
    by: User | None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """One move along the transition table, with its log row (call inside a transaction)."""
    if to not in FOLLOWUP_TRANSITIONS[followup.status]:
        raise FollowUpTransitionRefused(followup, to)
    FollowUpTransition.objects.create(
        followup=followup,
        from_status=followup.status,
        to_status=to,
        by=by,
        at=now or timezone.now(),
        comment=comment,
    )
    followup.status = to
    return followup


# --- The questionnaire --------------------------------------------------------------------------

DEFAULT_QUESTIONS: list[dict] = [
    {
        "code": "stage",
        "label": "Où en est votre coopération aujourd'hui ?",
        "kind": QuestionKind.STAGE,
        "help_text": "Les stades sont ceux de l'appel.",
    },
    {
        "code": "form",
        "label": "Quelle forme de coopération avez-vous retenue ?",
        "kind": QuestionKind.FORM,
        "help_text": "« Pas encore définie » si le choix n'est pas fait.",
    },
    {
        "code": "jobs",
        "label": "Nombre de salarié·es aujourd'hui",
        "kind": QuestionKind.INTEGER,
    },
    {
        "code": "fte",
        "label": "Équivalents temps plein (ETP) aujourd'hui",
        "kind": QuestionKind.DECIMAL,
        "help_text": "Par exemple 3,5.",
    },
    {
        "code": "finances",
        "label": "Effets sur vos finances",
        "kind": QuestionKind.TEXT,
        "required": False,
        "help_text": "Économies, nouvelles ressources, coûts partagés…",
    },
    {
        "code": "services",
        "label": "Nouveaux services ou activités",
        "kind": QuestionKind.TEXT,
        "required": False,
    },
    {
        "code": "partnerships",
        "label": "Nouveaux partenariats",
        "kind": QuestionKind.TEXT,
        "required": False,
    },
    {
        "code": "needs",
        "label": "Nouveaux besoins d'accompagnement",
        "kind": QuestionKind.TEXT,
        "required": False,
        "help_text": "La chargée ou le chargé d'accompagnement pourra vous orienter vers un "
        "acteur du territoire ou un accompagnement DLA individuel.",
    },
    {
        "code": "satisfaction",
        "label": "Votre satisfaction sur l'accompagnement collectif apporté par le consultant",
        "kind": QuestionKind.SCALE,
        "required": False,
        "help_text": "De 1 (pas du tout satisfait) à 5 (très satisfait). Le DLA s'en sert pour "
        "choisir ses prochains prestataires : seule la moyenne des structures de la cohorte "
        "apparaît dans son annuaire.",
    },
    {
        "code": "satisfaction_comment",
        "label": "Un commentaire sur l'accompagnement du consultant",
        "kind": QuestionKind.TEXT,
        "required": False,
    },
]

#: The question whose answer can become a referral.
NEEDS_CODE = "needs"
#: The structures' satisfaction with the consultant (1 to 5), averaged in the providers'
#: directory (``coopess.competition.directory``) and in the funders' report.
SATISFACTION_CODE = "satisfaction"


def questionnaire_setup(*, call: Call) -> list[FollowUpQuestion]:
    """The call's follow-up questions, created from the defaults on first use."""
    questions = list(FollowUpQuestion.objects.filter(call=call))
    if questions:
        return questions
    FollowUpQuestion.objects.bulk_create(
        [
            FollowUpQuestion(
                call=call,
                position=position,
                required=row.get("required", True),
                **{k: v for k, v in row.items() if k != "required"},
            )
            for position, row in enumerate(DEFAULT_QUESTIONS)
        ],
        ignore_conflicts=True,
    )
    return list(FollowUpQuestion.objects.filter(call=call))


def followup_items(followup: FollowUp) -> list[ActionItem]:
    """The action-plan items the follow-up asks about: those of the cohort that involve the
    structure, and the collective ones (no structure named)."""
    from django.db.models import Q

    return list(
        ActionItem.objects.filter(cohort_id=followup.cohort_id)
        .filter(Q(structures=followup.structure_id) | Q(structures__isnull=True))
        .distinct()
        .order_by("position", "pk")
    )


def _check_answerable(followup: FollowUp, *, by_officer: bool) -> None:
    if followup.status == S.ANSWERED:
        raise FollowUpError("Ce suivi a déjà été rempli : ses réponses ne changent plus.")
    if followup.status == S.SCHEDULED and not by_officer:
        raise FollowUpError("Ce suivi n'est pas encore ouvert.")


@transaction.atomic
def draft_save(*, followup: FollowUp, data: dict, by: User, by_officer: bool = False) -> FollowUp:
    """Keep what was typed, valid or not (the questionnaire is only checked on sending)."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    _check_answerable(followup, by_officer=by_officer)
    followup.answers = {str(k): str(v) for k, v in data.items()}
    followup.draft_saved_at = timezone.now()
    followup.save(update_fields=["answers", "draft_saved_at"])
    return followup


@transaction.atomic
def answer_submit(
    *, followup: FollowUp, answers: dict, by: User, by_officer: bool = False, comment: str = ""
) -> FollowUp:
    """Record the checked answers and close the follow-up (``answered``)."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    _check_answerable(followup, by_officer=by_officer)
    now = timezone.now()
    followup_move(
        followup=followup,
        to=S.ANSWERED,
        by=by,
        now=now,
        comment=comment or ("Rempli par téléphone" if by_officer else ""),
    )
    followup.answers = answers
    followup.answered_at = now
    followup.answered_by = by
    followup.filled_by_officer = by_officer
    followup.save(
        update_fields=["status", "answers", "answered_at", "answered_by", "filled_by_officer"]
    )
    events.announce(events.FOLLOWUP_ANSWERED, followup=followup)
    return followup


def need_referral(*, followup: FollowUp, by: User, actor=None, individual_dla: bool = False):
    """Turn the follow-up's new needs into a referral (an actor of the directory, or an
    individual accompaniment with the structure's departmental DLA)."""
    from coopess.support.services import SupportError, referrals

    need = str(followup.answers.get(f"q_{NEEDS_CODE}", "")).strip()
    if followup.status != S.ANSWERED or not need:
        raise FollowUpError("Ce suivi ne mentionne pas de nouveau besoin.")
    try:
        if individual_dla:
            return referrals.referral_to_departmental_dla(structure=followup.structure, by=by)
        if actor is None:
            raise FollowUpError("Choisissez l'acteur vers lequel orienter la structure.")
        return referrals.referral_create(
            cohort=followup.cohort,
            structure=followup.structure,
            actor=actor,
            by=by,
            need=need,
            comment=f"{followup.label} : besoin exprimé par la structure.",
        )
    except SupportError as error:
        raise FollowUpError(error.message) from error
