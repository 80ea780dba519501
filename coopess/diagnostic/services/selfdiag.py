"""Writes and reads of the cooperation self-diagnostic.

The questionnaire is data (``SelfDiagnosticQuestion`` rows of the call, edited in « Gestion des
appels »). A structure's answers are stored as JSON keyed by question code::

    domains      {"hr": "need", "admin": "resource", ...}   (a ``synergy.Position`` value per domain)
    integration  "faire_avec" | "faire_ensemble" | "faire_corps"
    yes_no       "yes" | "no"
    choice       one of the question's ``choices``
    text         free text

What an answer means for the synergy map and the decision aid is said by the question's
``feeds`` (an ``AidField``), never by its code: a call with other questions and other codes
feeds the same map as long as its questions say what they feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import ApplicationStructure
from coopess.calls.models import Call
from coopess.diagnostic import decision_aid, synergy
from coopess.diagnostic.models import (
    AidField,
    QuestionKind,
    SelfDiagnostic,
    SelfDiagnosticQuestion,
)
from coopess.selection.models import Cohort, CohortStatus


class SelfDiagnosticError(ApplicationError):
    """A refused change to a self-diagnostic."""


# --- The questionnaire ------------------------------------------------------------------------

YES, NO = "yes", "no"
YES_NO_CHOICES = [(YES, "Oui"), (NO, "Non")]
POSITION_CHOICES = [
    (synergy.Position.NEED.value, "Besoin"),
    (synergy.Position.RESOURCE.value, "Ressource à partager"),
    (synergy.Position.POOLED.value, "Déjà mutualisé"),
    (synergy.Position.NOT_RELEVANT.value, "Sans objet"),
]
INTEGRATION_CHOICES = [
    ("faire_avec", "Faire avec : coopérer en gardant chacun ses activités (conventions)"),
    ("faire_ensemble", "Faire ensemble : mettre en commun des moyens ou des activités"),
    ("faire_corps", "Faire corps : se rapprocher jusqu'à une structure commune"),
]

#: The question kinds that may feed each field of the synergy map / decision aid.
FEEDS_KINDS: dict[str, tuple[str, ...]] = {
    AidField.SHARED_DOMAINS: (QuestionKind.DOMAINS,),
    AidField.WANTS_INTEGRATION: (QuestionKind.INTEGRATION,),
    AidField.KEEP_AUTONOMY: (QuestionKind.YES_NO,),
    AidField.SHARE_STAFF: (QuestionKind.YES_NO,),
    AidField.SECTOR_MEDICO_SOCIAL: (QuestionKind.YES_NO,),
    AidField.COMMERCIAL_ACTIVITY: (QuestionKind.YES_NO,),
    AidField.MULTI_STAKEHOLDER: (QuestionKind.YES_NO,),
    AidField.BLOCKING_POINTS: (QuestionKind.TEXT, QuestionKind.CHOICE),
}
BOOL_FEEDS = {
    AidField.KEEP_AUTONOMY: "keep_autonomy",
    AidField.SHARE_STAFF: "share_staff",
    AidField.SECTOR_MEDICO_SOCIAL: "sector_medico_social",
    AidField.COMMERCIAL_ACTIVITY: "commercial_activity",
    AidField.MULTI_STAKEHOLDER: "multi_stakeholder",
}


def feeds_problem(*, kind: str, feeds: str) -> str:
    """A French sentence when a question of ``kind`` cannot feed ``feeds``, else ""."""
    if not feeds or kind in FEEDS_KINDS.get(feeds, ()):
        return ""
    allowed = ", ".join(f"« {QuestionKind(k).label} »" for k in FEEDS_KINDS[feeds])
    return (
        f"Une question peut alimenter « {AidField(feeds).label} » seulement si son type de "
        f"réponse est {allowed}."
    )


def choices_problem(*, kind: str, choices) -> str:
    """A French sentence when the proposed choices do not suit the kind, else ""."""
    if kind != QuestionKind.CHOICE:
        return ""
    if not isinstance(choices, list) or not all(
        isinstance(choice, str) and choice.strip() for choice in choices
    ):
        return (
            "Les choix proposés doivent être une liste de textes, par exemple "
            '["Une des structures", "Une structure commune"].'
        )
    if len(choices) < 2:
        return "Une question à choix unique propose au moins deux choix."
    if len({choice.strip().casefold() for choice in choices}) != len(choices):
        return "Les choix proposés doivent être tous différents."
    return ""


DEFAULT_QUESTIONS: list[dict] = [
    {
        "code": "domaines",
        "label": "Pour chaque domaine de partage, où en est votre structure ?",
        "help_text": "Besoin : vous cherchez ce moyen ou cette compétence. Ressource : vous "
        "pouvez la partager. Déjà mutualisé : vous la partagez déjà avec d'autres.",
        "kind": QuestionKind.DOMAINS,
        "feeds": AidField.SHARED_DOMAINS,
    },
    {
        "code": "integration",
        "label": "Jusqu'où souhaitez-vous aller avec les autres structures ?",
        "kind": QuestionKind.INTEGRATION,
        "feeds": AidField.WANTS_INTEGRATION,
    },
    {
        "code": "autonomie",
        "label": "Votre structure doit-elle garder son autonomie juridique (sa propre personne "
        "morale, ses instances) ?",
        "kind": QuestionKind.YES_NO,
        "feeds": AidField.KEEP_AUTONOMY,
    },
    {
        "code": "autonomie_perimetre",
        "label": "Qu'est-ce qui doit rester propre à votre structure ?",
        "help_text": "Projet associatif, activités, instances, marque, relations avec les "
        "financeurs…",
        "kind": QuestionKind.TEXT,
        "required": False,
    },
    {
        "code": "craintes",
        "label": "Quelles sont vos craintes et les points de blocage possibles ?",
        "help_text": "Ce qui pourrait freiner la coopération : gouvernance, identité, "
        "salariés, finances, calendrier…",
        "kind": QuestionKind.TEXT,
        "feeds": AidField.BLOCKING_POINTS,
        "required": False,
    },
    {
        "code": "emplois_partages",
        "label": "Envisagez-vous des emplois partagés avec les autres structures ?",
        "kind": QuestionKind.YES_NO,
        "feeds": AidField.SHARE_STAFF,
    },
    {
        "code": "employeur",
        "label": "Si des emplois sont partagés, qui en serait l'employeur ?",
        "kind": QuestionKind.CHOICE,
        "choices": [
            "Une des structures existantes, qui met à disposition",
            "Une structure commune (groupement d'employeurs, GCSMS…)",
            "Chaque structure garde ses salariés",
            "Nous ne savons pas encore",
        ],
        "required": False,
    },
    {
        "code": "essms",
        "label": "Votre structure gère-t-elle un établissement ou service social ou "
        "médico-social (ESSMS, autorisé au titre du code de l'action sociale et des familles) ?",
        "kind": QuestionKind.YES_NO,
        "feeds": AidField.SECTOR_MEDICO_SOCIAL,
    },
    {
        "code": "activite_commerciale",
        "label": "Les activités à mener ensemble sont-elles commerciales (vente de biens ou "
        "de services) ?",
        "kind": QuestionKind.YES_NO,
        "feeds": AidField.COMMERCIAL_ACTIVITY,
    },
    {
        "code": "multi_acteurs",
        "label": "Souhaitez-vous associer à la gouvernance commune des usagers, des salariés "
        "ou des collectivités ?",
        "kind": QuestionKind.YES_NO,
        "feeds": AidField.MULTI_STAKEHOLDER,
    },
]


@transaction.atomic
def questionnaire_setup(*, call: Call) -> None:
    """Give ``call`` the default self-diagnostic questionnaire when it has none (idempotent)."""
    if call.selfdiag_questions.exists():
        return
    SelfDiagnosticQuestion.objects.bulk_create(
        [
            SelfDiagnosticQuestion(
                call=call,
                position=index,
                code=spec["code"],
                label=spec["label"],
                help_text=spec.get("help_text", ""),
                kind=spec["kind"],
                choices=spec.get("choices", []),
                required=spec.get("required", True),
                feeds=spec.get("feeds", AidField.NONE),
            )
            for index, spec in enumerate(DEFAULT_QUESTIONS, start=1)
        ]
    )


def questions_for(call: Call) -> list[SelfDiagnosticQuestion]:
    return list(call.selfdiag_questions.order_by("position", "pk"))


# --- A structure's answers ---------------------------------------------------------------------


def is_editable(cohort: Cohort) -> bool:
    """Answers can change while the diagnostic runs and no synthesis has been circulated."""
    if cohort.status != CohortStatus.DIAGNOSTIC:
        return False
    return not cohort.syntheses.filter(circulated_at__isnull=False).exists()


def _check_editable(cohort: Cohort) -> None:
    if cohort.status == CohortStatus.FORMING:
        raise SelfDiagnosticError("Le diagnostic partagé n'est pas encore ouvert.")
    if not is_editable(cohort):
        raise SelfDiagnosticError(
            "La synthèse a été diffusée : l'autodiagnostic ne peut plus être modifié. "
            "Écrivez à la chargée d'accompagnement si une réponse doit changer."
        )


def _answers_row(*, cohort: Cohort, structure: ApplicationStructure) -> SelfDiagnostic:
    row, _created = SelfDiagnostic.objects.select_for_update().get_or_create(
        structure=structure, defaults={"cohort": cohort}
    )
    return row


@transaction.atomic
def selfdiag_save_draft(
    *, cohort: Cohort, structure: ApplicationStructure, answers: dict, by: User
) -> SelfDiagnostic:
    """Keep what was typed, valid or not (nothing is lost); a sent self-diagnostic stays sent
    only if the caller validated the answers (see :func:`selfdiag_submit`)."""
    _check_editable(cohort)
    row = _answers_row(cohort=cohort, structure=structure)
    row.answers = answers
    row.updated_at = timezone.now()
    row.updated_by = by
    row.submitted_at = None
    row.save()
    return row


@transaction.atomic
def selfdiag_submit(
    *, cohort: Cohort, structure: ApplicationStructure, answers: dict, by: User
) -> SelfDiagnostic:
    """Send validated answers (the form checked the required ones); sending again after a
    change keeps the answers visible to the officer and in the synergy map."""
    _check_editable(cohort)
    missing = [
        q.label
        for q in questions_for(cohort.call)
        if q.required and not answer_is_complete(q, answers.get(q.code))
    ]
    if missing:
        raise SelfDiagnosticError(
            "Des réponses obligatoires manquent : " + " ; ".join(missing) + "."
        )
    row = _answers_row(cohort=cohort, structure=structure)
    now = timezone.now()
    row.answers = answers
    row.updated_at = now
    row.updated_by = by
    row.submitted_at = now
    row.save()
    return row


def answer_is_complete(question: SelfDiagnosticQuestion, value) -> bool:
    if question.kind == QuestionKind.DOMAINS:
        valid = {code for code, _label in POSITION_CHOICES}
        return isinstance(value, dict) and all(
            value.get(code) in valid for code, _label in synergy.DOMAINS
        )
    if question.kind == QuestionKind.INTEGRATION:
        return value in decision_aid.INTEGRATION_LEVELS
    if question.kind == QuestionKind.YES_NO:
        return value in (YES, NO)
    if question.kind == QuestionKind.CHOICE:
        return value in question.choices
    return isinstance(value, str) and bool(value.strip())


# --- From answers to the synergy map and the decision aid -------------------------------------


@dataclass
class StructureReading:
    """What one structure's submitted answers say, read through the questions' ``feeds``."""

    structure: ApplicationStructure
    name: str
    positions: dict[str, synergy.Position] = field(default_factory=dict)
    wants_integration: str | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    blocking_points: list[tuple[str, str]] = field(default_factory=list)  # (question, answer)

    def diagnostic(self) -> synergy.StructureDiagnostic:
        return synergy.StructureDiagnostic(name=self.name, positions=self.positions)

    def aid_answers(self) -> decision_aid.StructureAnswers:
        shared = frozenset(
            code
            for code, position in self.positions.items()
            if position != synergy.Position.NOT_RELEVANT
        )
        return decision_aid.StructureAnswers(
            name=self.name,
            sector_medico_social=self.flags.get("sector_medico_social", False),
            wants_integration=self.wants_integration or DEFAULT_INTEGRATION,
            # without an answer, the prudent reading: each structure keeps its autonomy
            keep_autonomy=self.flags.get("keep_autonomy", True),
            share_staff=self.flags.get("share_staff", False),
            shared_domains=shared,
            commercial_activity=self.flags.get("commercial_activity", False),
            multi_stakeholder=self.flags.get("multi_stakeholder", False),
        )


DEFAULT_INTEGRATION = "faire_avec"


def read_answers(
    questions: list[SelfDiagnosticQuestion],
    structure: ApplicationStructure,
    answers: dict,
    name: str,
) -> StructureReading:
    """Read one structure's answers through what each question feeds (codes are ignored)."""
    reading = StructureReading(structure=structure, name=name)
    valid_positions = {p.value for p in synergy.Position}
    for question in questions:
        value = answers.get(question.code)
        if value in (None, "", {}) or not question.feeds:
            continue
        feeds = question.feeds
        if feeds == AidField.SHARED_DOMAINS and isinstance(value, dict):
            for code, position in value.items():
                if position in valid_positions and code in dict(synergy.DOMAINS):
                    # several domain questions: the first answer given for a domain wins
                    reading.positions.setdefault(code, synergy.Position(position))
        elif feeds == AidField.WANTS_INTEGRATION:
            if value in decision_aid.INTEGRATION_LEVELS and reading.wants_integration is None:
                reading.wants_integration = value
        elif feeds in BOOL_FEEDS and value in (YES, NO):
            key = BOOL_FEEDS[feeds]
            # several questions feeding one flag: any « oui » sets it
            reading.flags[key] = reading.flags.get(key, False) or value == YES
        elif feeds == AidField.BLOCKING_POINTS and isinstance(value, str) and value.strip():
            reading.blocking_points.append((question.label, value.strip()))
    return reading


def unique_names(structures: list[ApplicationStructure]) -> dict[int, str]:
    """A distinct display name per structure (the synergy map needs unique names)."""
    names: dict[int, str] = {}
    used: set[str] = set()
    for structure in structures:
        base = (structure.name or "").strip() or f"Structure n° {structure.pk}"
        name, counter = base, 2
        while name in used:
            name = f"{base} ({counter})"
            counter += 1
        used.add(name)
        names[structure.pk] = name
    return names


@dataclass
class CohortReading:
    """The submitted self-diagnostics of a cohort, read for the map and the aid."""

    readings: list[StructureReading]
    pending: list[ApplicationStructure]  # structures that have not sent theirs
    synergy: synergy.SynergyMap

    @property
    def structure_count(self) -> int:
        return len(self.readings) + len(self.pending)


def cohort_reading(
    cohort: Cohort, *, structures: list[ApplicationStructure] | None = None
) -> CohortReading:
    """Read every submitted self-diagnostic of ``cohort`` (three queries, whatever its size;
    two when the caller already has the cohort's ``structures``). The one reading of the
    answers: the synergy page, the decision aid and the synthesis all go through it."""
    if structures is None:
        from coopess.diagnostic.permissions import cohort_structures

        structures = list(cohort_structures(cohort))
    questions = questions_for(cohort.call)
    submitted = {
        row.structure_id: row.answers
        for row in SelfDiagnostic.objects.filter(cohort=cohort, submitted_at__isnull=False).only(
            "structure_id", "answers"
        )
    }
    names = unique_names(structures)
    readings = [
        read_answers(questions, structure, submitted[structure.pk], names[structure.pk])
        for structure in structures
        if structure.pk in submitted
    ]
    pending = [structure for structure in structures if structure.pk not in submitted]
    return CohortReading(
        readings=readings,
        pending=pending,
        synergy=synergy.synergy_map([reading.diagnostic() for reading in readings]),
    )


def rules_path():
    """The decision aid's rules file: ``settings.COOPESS_COOPERATION_RULES`` when set (an
    operator's own copy), else the file shipped with CoopESS."""
    return getattr(settings, "COOPESS_COOPERATION_RULES", None) or decision_aid.DEFAULT_RULES_PATH


def cohort_decision_aid(reading: CohortReading) -> decision_aid.DecisionAid | None:
    """The ranked cooperation forms, or None before any structure has sent its answers."""
    if not reading.readings:
        return None
    rules = decision_aid.load_rules(rules_path())
    return decision_aid.rank_forms([r.aid_answers() for r in reading.readings], rules)
