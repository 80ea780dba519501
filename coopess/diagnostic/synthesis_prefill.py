"""The prepared text of each section of a cohort's synthesis (reads only, no writes).

Built from the models of the diagnostic: the applications of the cohort, the interview notes per
guide item (never the interview's private notes), the submitted self-diagnostics (synergy map,
blocking points, decision aid), the workshop and the action plan. A missing part (no interview
yet, no workshop) is said in the section, in French, so that the officer sees what to complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from coopess.applications.choices import CooperationForm, LegalForm
from coopess.applications.models import ApplicationStructure
from coopess.diagnostic import permissions, synergy
from coopess.diagnostic.models import (
    ActionItem,
    Interview,
    InterviewNote,
    MeetingStatus,
    Workshop,
)
from coopess.diagnostic.services.selfdiag import CohortReading, cohort_decision_aid, cohort_reading
from coopess.selection.models import Cohort


@dataclass(frozen=True)
class PreparedSection:
    key: str
    title: str
    body: str


#: The sections of a synthesis, in order: key -> title.
SECTION_TITLES: dict[str, str] = {
    "context": "Contexte de chaque structure",
    "synergies": "Carte des synergies",
    "blocking_points": "Points de blocage",
    "cooperation_forms": "Formes de coopération discutées",
    "workshop": "Résultats de l'atelier collectif",
    "action_plan": "Plan d'action",
    "support": "Ce que l'accompagnement collectif travaillera",
}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#<>|])")


def md(text: str) -> str:
    """``text`` as literal Markdown inline text (names typed by applicants)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _date(value) -> str:
    return date_format(timezone.localtime(value) if hasattr(value, "tzinfo") else value, "j F Y")


# --- The sections --------------------------------------------------------------------------------


def _missing_selfdiags(reading: CohortReading) -> str:
    if not reading.pending:
        return ""
    missing = [md(s) for s in reading.pending]
    return (
        f"_Autodiagnostics reçus : {len(reading.readings)} sur {reading.structure_count}. "
        f"Pas encore reçu : {synergy.join_names(missing)}._"
    )


def _context(cohort, structures, interviews, notes_by_interview) -> str:
    parts: list[str] = []
    first_of_application: dict[int, ApplicationStructure] = {}
    for structure in structures:
        application = structure.application
        lines = [f"### {md(structure)}"]
        facts = []
        if structure.legal_form:
            facts.append(
                LegalForm(structure.legal_form).label
                if structure.legal_form in LegalForm.values
                else structure.legal_form
            )
        if structure.departement:
            facts.append(f"département {structure.departement}")
        if structure.employees is not None:
            staff = f"{structure.employees} salarié·e{'s' if structure.employees > 1 else ''}"
            if structure.fte is not None:
                staff += f" ({str(structure.fte.normalize()).replace('.', ',')} ETP)"
            facts.append(staff)
        elif structure.fte is not None:
            facts.append(f"{str(structure.fte.normalize()).replace('.', ',')} ETP")
        if structure.network_affiliation:
            facts.append(f"réseau : {md(structure.network_affiliation)}")
        if facts:
            text = md(", ".join(facts))
            lines.append(text[:1].upper() + text[1:] + ".")
        partner_of = first_of_application.setdefault(application.pk, structure)
        if partner_of is not structure:
            lines.append(
                f"_Candidature commune avec {md(partner_of)} : projet et attentes ci-dessus._"
            )
        else:
            if application.project_title:
                lines.append(f"**Projet commun :** {md(application.project_title)}")
            if application.shared_description:
                lines.append(f"**Partage envisagé :** {application.shared_description.strip()}")
            if application.expectations:
                lines.append(f"**Attentes :** {application.expectations.strip()}")
        interview = interviews.get(structure.pk)
        if interview is None:
            lines.append("_Entretien pas encore réservé : à compléter après l'entretien._")
        elif interview.status != MeetingStatus.HELD:
            lines.append(
                f"_Entretien prévu le {_date(interview.starts_at)} : à compléter après "
                "l'entretien._"
            )
        else:
            notes = [n for n in notes_by_interview.get(interview.pk, []) if n.text.strip()]
            if notes:
                lines.append("**Ce que nous avons retenu de l'entretien :**")
                lines.append(
                    "\n".join(
                        f"- **{md(n.item.label)} :** {' '.join(n.text.split())}" for n in notes
                    )
                )
            else:
                lines.append(
                    f"_Entretien tenu le {_date(interview.starts_at)}, sans notes par rubrique "
                    "du guide : à compléter._"
                )
        parts.append("\n\n".join(lines))
    if not parts:
        return "_Aucune structure dans la cohorte._\n"
    return "\n\n".join(parts) + "\n"


def _synergies(reading: CohortReading) -> str:
    missing = _missing_selfdiags(reading)
    if not reading.readings:
        return "_Aucun autodiagnostic reçu : la carte des synergies sera établie à partir des réponses des structures._\n"
    synergy_map = reading.synergy
    lines = []
    groups = (
        (
            "complementarity",
            "Complémentarités (le besoin de l'une rencontre la ressource d'une autre)",
        ),
        ("shared_need", "Besoins partagés"),
        ("pooled", "Déjà mutualisé"),
    )
    for kind, heading in groups:
        sentences = [s.sentence for s in synergy_map.domains if s.kind == kind]
        if sentences:
            lines.append(f"**{heading} :**")
            lines.append("\n".join(f"- {md(sentence)}" for sentence in sentences))
    if not lines:
        lines.append("Aucune synergie identifiée dans les autodiagnostics reçus.")
    if missing:
        lines.append(missing)
    return "\n\n".join(lines) + "\n"


def _blocking(reading: CohortReading) -> str:
    if not reading.readings:
        return "_Aucun autodiagnostic reçu : les points de blocage exprimés par les structures apparaîtront ici._\n"
    lines = [
        f"- **{md(r.name)} :** {' '.join(text.split())}"
        for r in reading.readings
        for _question, text in r.blocking_points
        if text
    ]
    body = (
        "\n".join(lines)
        if lines
        else "Aucun point de blocage exprimé dans les autodiagnostics reçus."
    )
    missing = _missing_selfdiags(reading)
    return body + (f"\n\n{missing}" if missing else "") + "\n"


def _forms(structures, reading: CohortReading) -> str:
    envisaged = sorted(
        {
            CooperationForm(code).label
            for s in structures
            for code in (s.application.envisaged_forms or [])
            if code in CooperationForm.values and code != CooperationForm.NOT_DECIDED
        }
    )
    lines = []
    if envisaged:
        lines.append(f"Formes envisagées dans les candidatures : {', '.join(envisaged)}.")
    aid = cohort_decision_aid(reading)
    if aid is None:
        lines.append(
            "_Aucun autodiagnostic reçu : l'aide à la décision sur les formes de coopération n'est pas encore disponible._"
        )
        return "\n\n".join(lines) + "\n"
    lines.append("Les formes qui ressortent des autodiagnostics, par ordre de pertinence :")
    for rank, form in enumerate(aid.shortlist(3), start=1):
        lines.append(f"### {rank}. {md(form.label)}")
        if form.why:
            lines.append("\n".join(f"- {md(why)}" for why in form.why))
        implications = "\n".join(
            f"- {md(key.replace('_', ' ').capitalize())} : {md(text)}"
            for key, text in form.implies.items()
        )
        if implications:
            lines.append(f"**Ce que cela implique :**\n\n{implications}")
    lines.append(f"_{md(aid.disclaimer)}_")
    missing = _missing_selfdiags(reading)
    if missing:
        lines.append(missing)
    return "\n\n".join(lines) + "\n"


def _workshop(workshop: Workshop | None) -> str:
    if workshop is None:
        return "_L'atelier collectif n'a pas encore été programmé : ses résultats seront repris ici._\n"
    when = _date(workshop.starts_at)
    if workshop.status != MeetingStatus.HELD and not (workshop.stakes or workshop.decisions):
        return f"_L'atelier collectif est prévu le {when} : ses résultats seront repris ici._\n"
    lines = [f"Atelier collectif du {when}."]
    lines.append("### Enjeux partagés")
    lines.append(workshop.stakes.strip() or "_Enjeux partagés pas encore saisis._")
    lines.append("### Décisions")
    lines.append(workshop.decisions.strip() or "_Décisions pas encore saisies._")
    return "\n\n".join(lines) + "\n"


def _action_plan(actions: list[ActionItem]) -> str:
    if not actions:
        return "_Aucune action n'a encore été inscrite au plan d'action (elles se saisissent avec les résultats de l'atelier)._\n"
    count = len(actions)
    return (
        f"Le plan d'action compte {count} action{'s' if count > 1 else ''}, reprise"
        f"{'s' if count > 1 else ''} dans le tableau ci-dessous.\n"
    )


def _support(cohort, actions: list[ActionItem]) -> str:
    steps = list(cohort.call.steps.all())
    by_step: dict[int, list[str]] = {}
    for action in actions:
        if action.support_step_id:
            by_step.setdefault(action.support_step_id, []).append(md(action.action))
    lines = [
        "L'accompagnement collectif (3 à 4 demi-journées avec un·e consultant·e) travaillera "
        "sur les points suivants :"
    ]
    if steps:
        for step in steps:
            line = f"- **{md(step.title)}**"
            if step.pk in by_step:
                line += f" : {' ; '.join(by_step[step.pk])}"
            lines.append(line)
    elif by_step:
        lines.extend(f"- {text}" for texts in by_step.values() for text in texts)
    else:
        lines.append("- _À préciser à partir des décisions de l'atelier collectif._")
    return "\n".join(lines) + "\n"


def cohort_actions(cohort: Cohort) -> list[ActionItem]:
    return list(
        ActionItem.objects.filter(cohort=cohort)
        .select_related("support_step")
        .prefetch_related("structures")
    )


def prepared_sections(cohort: Cohort) -> list[PreparedSection]:
    """Every section of the synthesis with its prepared Markdown text."""
    structures = list(permissions.cohort_structures(cohort))
    interviews = {
        i.structure_id: i
        for i in Interview.objects.filter(cohort=cohort, structure__isnull=False).exclude(
            status=MeetingStatus.CANCELLED
        )
    }
    notes_by_interview: dict[int, list[InterviewNote]] = {}
    for note in (
        InterviewNote.objects.filter(interview__in=list(interviews.values()))
        .select_related("item")
        .order_by("item__position", "item__pk")
    ):
        notes_by_interview.setdefault(note.interview_id, []).append(note)
    reading = cohort_reading(cohort, structures=structures)
    workshop = (
        Workshop.objects.filter(cohort=cohort)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    actions = cohort_actions(cohort)
    bodies = {
        "context": _context(cohort, structures, interviews, notes_by_interview),
        "synergies": _synergies(reading),
        "blocking_points": _blocking(reading),
        "cooperation_forms": _forms(structures, reading),
        "workshop": _workshop(workshop),
        "action_plan": _action_plan(actions),
        "support": _support(cohort, actions),
    }
    return [PreparedSection(key, title, bodies[key]) for key, title in SECTION_TITLES.items()]
