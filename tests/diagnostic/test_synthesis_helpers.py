"""Building a cohort whose diagnostic has data for the synthesis (used by test_synthesis_*)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from coopess.diagnostic.models import (
    ActionItem,
    AidField,
    Interview,
    InterviewGuideItem,
    InterviewNote,
    MeetingStatus,
    Mode,
    QuestionKind,
    SelfDiagnostic,
    SelfDiagnosticQuestion,
    SynthesisVersion,
    Workshop,
)
from coopess.diagnostic.services import synthesis as services
from tests.diagnostic.helpers import CohortSetup, make_cohort

PRIVATE = "NOTE-PRIVEE-NE-JAMAIS-MONTRER"
QUESTIONS = [
    ("synth_domains", QuestionKind.DOMAINS, AidField.SHARED_DOMAINS),
    ("synth_integration", QuestionKind.INTEGRATION, AidField.WANTS_INTEGRATION),
    ("synth_autonomy", QuestionKind.YES_NO, AidField.KEEP_AUTONOMY),
    ("synth_staff", QuestionKind.YES_NO, AidField.SHARE_STAFF),
    ("synth_fears", QuestionKind.TEXT, AidField.BLOCKING_POINTS),
]


def questions(call) -> None:
    for position, (code, kind, feeds) in enumerate(QUESTIONS, start=100):
        SelfDiagnosticQuestion.objects.get_or_create(
            call=call,
            code=code,
            defaults={"label": code, "kind": kind, "feeds": feeds, "position": position},
        )


def answer(setup: CohortSetup, structure, *, domains: dict, fears: str = "") -> SelfDiagnostic:
    questions(setup.call)
    return SelfDiagnostic.objects.create(
        cohort=setup.cohort,
        structure=structure,
        answers={
            "synth_domains": domains,
            "synth_integration": "faire_ensemble",
            "synth_autonomy": "yes",
            "synth_staff": "yes",
            "synth_fears": fears,
        },
        submitted_at=timezone.now(),
    )


def held_interview(setup: CohortSetup, structure, notes: dict[str, str]) -> Interview:
    start = timezone.now() - dt.timedelta(days=3 + structure.pk % 10, hours=structure.pk % 7)
    interview = Interview.objects.create(
        cohort=setup.cohort,
        officer=setup.officer,
        structure=structure,
        booked_at=start - dt.timedelta(days=5),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        mode=Mode.REMOTE,
        link="https://visio.example.org/x",
        status=MeetingStatus.HELD,
        private_notes=PRIVATE,
        held_at=start,
    )
    for position, (label, text) in enumerate(notes.items()):
        item, _ = InterviewGuideItem.objects.get_or_create(
            call=setup.call, label=label, defaults={"position": position}
        )
        InterviewNote.objects.create(interview=interview, item=item, text=text)
    return interview


def full_cohort(
    *, applications=(2, 1), with_data: bool = True, call=None, seed: int = 1
) -> CohortSetup:
    """A cohort in « diagnostic partagé »; with data: answers, one held interview, a workshop
    and an action plan. Another DLA: ``call=open_call(slug=...)``."""
    setup = make_cohort(call, applications=applications, status="diagnostic", seed=seed)
    if not with_data:
        return setup
    first, second, *_others = setup.structures
    answer(
        setup,
        first,
        domains={"hr": "need", "it": "resource"},
        fears="Perdre notre identité de coopération",
    )
    answer(setup, second, domains={"hr": "resource", "it": "need"}, fears="Le calendrier serré")
    held_interview(setup, first, {"Attentes de la structure": "Sécuriser la fonction paie"})
    start = timezone.now() - dt.timedelta(days=1)
    workshop = Workshop.objects.create(
        cohort=setup.cohort,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        mode=Mode.IN_PERSON,
        address="Nantes",
        status=MeetingStatus.HELD,
        stakes="- Mutualiser la paie",
        decisions="- Étudier un groupement d'employeurs",
    )
    action = ActionItem.objects.create(
        cohort=setup.cohort,
        workshop=workshop,
        action="Comparer les coûts de paie",
        owner="Léa",
        due_date=dt.date(2026, 3, 1),
        support_step=setup.call.steps.first(),
    )
    action.structures.set([first, second])
    return setup


def circulating(setup: CohortSetup) -> SynthesisVersion:
    version = services.synthesis_create(cohort=setup.cohort, by=setup.officer)
    return services.synthesis_circulate(version=version, by=setup.officer)


def approve(setup: CohortSetup, version, structure):
    return services.synthesis_review(
        version=version, structure=structure, by=setup.person(structure), verdict="approved"
    )
