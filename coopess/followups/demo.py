"""Demo data of the follow-ups for the 2023 cohort: its support closed on 19 December 2023, so
its structures were followed up on 19 June 2024 (every structure answered, one of them late,
on the phone with the officer) and on 19 December 2024 (every structure answered but one, now
overdue). Answers are fictitious.

History is written straight to the database with its past dates: no email leaves today, and the
scheduler finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo import DemoContext
from coopess.diagnostic.models import ActionStatus
from coopess.diagnostic.permissions import cohort_structures
from coopess.followups.models import FollowUp, FollowUpStatus, FollowUpTransition
from coopess.followups.services import (
    add_months,
    followup_items,
    followup_offsets,
    questionnaire_setup,
)
from coopess.selection.models import Cohort, CohortStatus, CohortTransition

OFFICER_EMAIL = "claire.morvan@example.org"
SUPPORT_ENDED_ON = dt.date(2023, 12, 19)
S = FollowUpStatus

FORMS = ["employers_group", "pooling", "partnership", "employers_group", "not_decided"]
FINANCES = [
    "Paie et comptabilité mutualisées : environ 6 000 € d'économies par an.",
    "Achats groupés de fournitures : remises de 8 à 12 %.",
    "Pas encore d'effet mesurable.",
]
NEEDS = [
    "Un appui juridique pour rédiger les statuts du groupement d'employeurs.",
    "",
    "Former les bénévoles du bureau à la fonction employeur.",
]


#: each structure's satisfaction with the consultant at 6 months, at 1 year, and its comment at
#: 6 months (fictitious; the question is optional: two structures of five leave it blank). The
#: directory counts each structure's latest mark: « 4,3/5 (3 réponses) ».
SATISFACTION = [
    ("4", "5", "Des demi-journées bien préparées, qui nous ont fait avancer sur la gouvernance."),
    ("", "", ""),
    ("4", "", "Il aurait fallu une séance de plus sur le modèle économique."),
    ("", "", ""),
    ("4", "", ""),
]


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def _answers(followup: FollowUp, index: int, stages: list[str], second: bool) -> dict:
    answers = {}
    for item in followup_items(followup):
        status = ActionStatus.DONE if second or item.position % 2 else ActionStatus.IN_PROGRESS
        answers[f"item_{item.pk}_status"] = status
        answers[f"item_{item.pk}_comment"] = (
            "Réalisée avec les autres structures." if status == ActionStatus.DONE else
            "Calendrier décalé au printemps."
        )  # fmt: skip
    jobs = 4 + 3 * index + (1 if second else 0)
    answers.update(
        {
            "q_stage": stages[min(len(stages) - 1, (1 if second else 0) + index % 2)]
            if stages
            else "",
            "q_form": FORMS[index % len(FORMS)] if second or index % 2 else "not_decided",
            "q_jobs": str(jobs),
            "q_fte": f"{jobs - 1},5",
            "q_finances": FINANCES[index % len(FINANCES)],
            "q_services": "Une permanence commune d'accueil du public."
            if second and index == 0
            else "",
            "q_partnerships": "Convention avec la communauté de communes."
            if index % 2 == 0
            else "",
            "q_needs": NEEDS[index % len(NEEDS)] if not second else "",
            "q_satisfaction": SATISFACTION[index % len(SATISFACTION)][1 if second else 0],
            "q_satisfaction_comment": "" if second else SATISFACTION[index % len(SATISFACTION)][2],
        }
    )
    return answers


def _log(followup, steps, officer):
    FollowUpTransition.objects.bulk_create(
        [
            FollowUpTransition(
                followup=followup, from_status=a, to_status=b, by=by, at=at, comment=comment
            )
            for a, b, by, at, comment in steps
        ]
    )


@transaction.atomic
def demo_followups(call_2023: Call) -> None:
    """Close the 2023 cohort's support (December 2023) and write its two follow-ups, once."""
    cohort = Cohort.objects.filter(call=call_2023).order_by("pk").first()
    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    if cohort is None or officer is None or cohort.status != CohortStatus.SUPPORT:
        return
    if FollowUp.objects.filter(cohort=cohort).exists():
        return
    structures = list(cohort_structures(cohort))
    if not structures:
        return
    closed_at = _at(SUPPORT_ENDED_ON, 17)
    CohortTransition.objects.create(
        cohort=cohort,
        from_status=cohort.status,
        to_status=CohortStatus.FOLLOW_UP,
        by=officer,
        at=closed_at,
        comment="Fin de l'accompagnement : dernière demi-journée tenue le 12 décembre 2023.",
    )
    Cohort.objects.filter(pk=cohort.pk).update(status=CohortStatus.FOLLOW_UP)
    questionnaire_setup(call=call_2023)
    stages = list(call_2023.maturity_stages.values_list("code", flat=True))
    people = {
        access.structure_id: access.user
        for access in structures[0]
        .application.accesses.model.objects.filter(structure__in=structures)
        .select_related("user")
    }
    for second, offset in enumerate(followup_offsets(call_2023)):
        due = add_months(SUPPORT_ENDED_ON, offset)
        for index, structure in enumerate(structures):
            late = index == len(structures) - 1  # the last structure: late, then overdue
            followup = FollowUp.objects.create(
                cohort=cohort,
                structure=structure,
                offset_months=offset,
                due_on=due,
                status=S.SCHEDULED,
                created_at=closed_at,
            )
            steps = [
                ("", S.SCHEDULED, officer, closed_at, f"Programmé pour le {due:%d/%m/%Y}"),
                (S.SCHEDULED, S.SENT, None, _at(due, 3), ""),
            ]
            followup.status, followup.sent_on = S.SENT, due
            if late:
                followup.reminders_sent = 2
                followup.last_reminder_on = due + dt.timedelta(days=14)
                followup.overdue_on = due + dt.timedelta(days=21)
                steps.append(
                    (S.SENT, S.OVERDUE, None, _at(followup.overdue_on, 3),
                     "Sans réponse après deux relances")
                )  # fmt: skip
                followup.status = S.OVERDUE
            if not (late and second):
                answered_at = (
                    _at(due + dt.timedelta(days=26), 11)
                    if late
                    else _at(due + dt.timedelta(days=3 + index), 18)
                )
                if not late and index == 1:  # answered after the first reminder
                    followup.reminders_sent, followup.last_reminder_on = (
                        1,
                        due + dt.timedelta(days=7),
                    )
                    answered_at = _at(due + dt.timedelta(days=9), 10)
                by = officer if late else people.get(structure.pk, officer)
                steps.append(
                    (followup.status, S.ANSWERED, by, answered_at,
                     "Rempli par téléphone" if late else "")
                )  # fmt: skip
                followup.status = S.ANSWERED
                followup.answered_at, followup.answered_by = answered_at, by
                followup.filled_by_officer = late
                followup.answers = _answers(followup, index, stages, bool(second))
            followup.save()
            _log(followup, steps, officer)


def load(demo: DemoContext) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_followups(demo.seed_call)
