"""Demo selection: the 2023 call in July 2023 (screening, committee marks, decisions, letters,
the cohort) and its 2025 edition in July 2025 (both applications retained: a cohort of four
structures). Every person here is invented; idempotent."""

from __future__ import annotations

import datetime as dt

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.applications.models import Application
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo import DemoContext


def load(demo: DemoContext) -> None:
    demo_selection(demo.seed_call)
    if demo.edition_2025 is not None:
        demo_selection_2025(demo.edition_2025)


# Committee marks of the 2023 demo, per application (receipt number → marks per criterion).
DEMO_MARKS = {
    "COOP-2023-0001": [(5, 4, 4, 5, 4), (4, 4, 5, 4, 4)],
    "COOP-2023-0002": [(4, 3, 4, 3, 4), (4, 4, 4, 4, 3)],
    "COOP-2023-0003": [(4, 4, 3, 4, 3), (3, 4, 4, 4, 3)],
    "COOP-2023-0004": [(5, 4, 4, 3, 5), (4, 5, 4, 3, 4)],
    "COOP-2023-0005": [(3, 3, 3, 4, 4), (3, 2, 3, 4, 3)],
}
DEMO_MARKS_2025 = {
    "COOP-2025-0001": [(4, 4, 4, 5, 4), (5, 4, 4, 4, 4)],
    "COOP-2025-0002": [(4, 4, 3, 4, 4), (4, 3, 4, 4, 4)],
}


def demo_selection(call_2023: Call) -> None:
    """The 2023 call in July 2023: screening, committee marks, decisions, letters, cohort."""
    from coopess.applications.models import ApplicationTransition
    from coopess.selection import services as selection
    from coopess.selection.cohort import Candidate, Preferences, propose_cohort
    from coopess.selection.models import Decision, DecisionReason

    if Decision.objects.filter(application__call=call_2023).exists():
        return
    officer = User.objects.get(email="claire.morvan@example.org")
    applications = list(
        Application.objects.filter(call=call_2023, status="submitted").order_by("receipt_number")
    )
    july = dt.datetime(2023, 7, 3, 9, 0, tzinfo=PARIS)
    _review(call_2023, applications, DEMO_MARKS, officer=officer, at=july)
    scored = [
        a for a in applications if a.average_score is not None and a.eligibility != "ineligible"
    ]
    proposal = propose_cohort(
        [
            Candidate(
                key=a.receipt_number,
                label=a.lead_name,
                structures=a.structure_count,
                score=float(a.average_score),
                departements=frozenset(a.structures.values_list("departement", flat=True)),
                kind=a.kind,
            )
            for a in scored
        ],
        Preferences(cap=call_2023.max_structures),
    )
    decided = dt.datetime(2023, 7, 20, 14, 0, tzinfo=PARIS)
    waitlisted = False
    for application in sorted(applications, key=lambda a: -(a.average_score or 0)):
        if application.receipt_number in proposal.chosen:
            outcome, reasons = "selected", []
        elif application.eligibility == "ineligible":
            outcome, reasons = (
                "rejected",
                [DecisionReason.OUTSIDE_REGION, DecisionReason.NOT_EMPLOYER],
            )
        elif not waitlisted:
            outcome, reasons, waitlisted = "waitlisted", [], True
        else:
            outcome, reasons = "rejected", [DecisionReason.RANKING, DecisionReason.CAP]
        decision = selection.decision_record(
            application=application,
            outcome=outcome,
            by=officer,
            reasons=reasons,
            against_ranking_reason=proposal.explanations.get(application.receipt_number, "")
            if outcome == "selected"
            else "",
            comment=""
            if outcome != "rejected"
            else "Le comité a apprécié la démarche ; un accompagnement DLA individuel reste possible.",
        )
        _letter_sent_on(decision, decided)
    ApplicationTransition.objects.filter(
        application__call=call_2023, to_status="under_review"
    ).update(at=july)
    # a short exchange during the instruction, dated July 2023
    from coopess.selection.models import Message

    first = next((a for a in applications if a.receipt_number == "COOP-2023-0001"), None)
    if first is not None:
        question = selection.message_post(
            application=first,
            author=officer,
            body="Bonjour, pouvez-vous préciser le nombre d'épiceries adhérentes concernées ?",
            from_dla=True,
        )
        answer = selection.message_post(
            application=first,
            author=first.created_by,
            body="Bonjour, douze épiceries adhérentes sont concernées, dont trois en Maine-et-Loire.",
            from_dla=False,
        )
        Message.objects.filter(pk=question.pk).update(created_at=july + dt.timedelta(days=1))
        Message.objects.filter(pk=answer.pk).update(created_at=july + dt.timedelta(days=2))
    from coopess.selection.models import Cohort

    Cohort.objects.filter(call=call_2023).update(created_at=decided)


def _review(call: Call, applications: list, marks_by_receipt: dict, *, officer, at) -> None:
    """Screen the ``applications`` and open their review on ``at``; two reviewers mark those in
    ``marks_by_receipt`` (receipt number → marks per criterion, one tuple per reviewer)."""
    from coopess.selection import services as selection
    from coopess.selection.models import ReviewerAssignment

    reviewers = [User.objects.get(email="yannick.le-floch@example.org"), _reviewer(call)]
    criteria = list(call.criteria.all())
    for application in applications:
        selection.application_screen(application=application)
        application.refresh_from_db()
        selection.review_start(application=application, by=officer)
        marks = marks_by_receipt.get(application.receipt_number)
        if marks is None:
            continue
        for reviewer, values in zip(reviewers, marks, strict=True):
            assignment = selection.reviewer_assign(
                application=application, reviewer=reviewer, by=officer
            )
            selection.conflict_declare(assignment=assignment, has_conflict=False)
            selection.review_submit(
                assignment=assignment,
                scores={c.pk: (v, "") for c, v in zip(criteria, values, strict=True)},
                overall_comment="Évaluation fictive de démonstration.",
            )
        ReviewerAssignment.objects.filter(application=application).update(
            assigned_at=at, no_conflict_declared_at=at, submitted_at=at + dt.timedelta(days=7)
        )
    for application in applications:
        application.refresh_from_db()


def demo_selection_2025(call: Call) -> None:
    """The 2025 edition in July 2025: both applications marked and retained, their letters sent;
    the cohort of four structures formed on 17 July 2025."""
    from coopess.applications.models import ApplicationTransition
    from coopess.selection import services as selection
    from coopess.selection.models import Cohort, Decision

    if Decision.objects.filter(application__call=call).exists():
        return
    officer = User.objects.get(email="claire.morvan@example.org")
    applications = list(
        Application.objects.filter(call=call, status="submitted").order_by("receipt_number")
    )
    july = dt.datetime(2025, 7, 1, 9, 0, tzinfo=PARIS)
    _review(call, applications, DEMO_MARKS_2025, officer=officer, at=july)
    decided = dt.datetime(2025, 7, 17, 14, 0, tzinfo=PARIS)
    for application in sorted(applications, key=lambda a: -(a.average_score or 0)):
        decision = selection.decision_record(
            application=application, outcome="selected", by=officer
        )
        _letter_sent_on(decision, decided)
    ApplicationTransition.objects.filter(application__call=call, to_status="under_review").update(
        at=july
    )
    Cohort.objects.filter(call=call).update(created_at=decided)


def _letter_sent_on(decision, decided: dt.datetime) -> None:
    """Send the decision's letter (the worker's task, run here), then date the decision, its
    letter, the application's move and, when retained, its joining the cohort ``decided``."""
    from coopess.applications.models import ApplicationTransition
    from coopess.selection.models import CohortMember, Decision
    from coopess.selection.tasks import send_decision_letter

    send_decision_letter.call(decision.pk)
    Decision.objects.filter(pk=decision.pk).update(
        decided_at=decided, letter_sent_at=decided + dt.timedelta(hours=2)
    )
    ApplicationTransition.objects.filter(
        application_id=decision.application_id, to_status=decision.outcome
    ).update(at=decided)
    CohortMember.objects.filter(application_id=decision.application_id).update(added_at=decided)


def _reviewer(call: Call) -> User:
    user = User.objects.filter(email="martine.caradec@example.org").first()
    if user is None:
        user = User.objects.create_user(
            "martine.caradec@example.org",
            "demo-coopess-2026",
            first_name="Martine",
            last_name="Caradec",
        )
    RoleAssignment.objects.get_or_create(user=user, role=Role.REVIEWER, organisation=call.operator)
    return user
