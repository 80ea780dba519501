"""Automatic eligibility screening of a submitted application against its call's rules.

Pure Python: facts in, results out, no database. Each rule gives an outcome and a reason in
French naming the structures concerned; the officer may then override a result (elsewhere).
Rules are configured per call: which rules are on, in which order, with which parameters
(``RuleConfig``); ``RULES`` holds each rule's label, description and default parameters.

A WARNING never makes an application ineligible: it asks the officer to look (a fact the
applicants did not declare, a statut to check, a rule the code does not know).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coopess.structures.geography import departement_name


@dataclass(frozen=True)
class StructureFacts:
    name: str
    is_lead: bool
    legal_form: (
        str  # "association" | "cooperative" | "network_head" | "esus_company" | "other" | ""
    )
    esus_approved: bool | None  # ESUS approval (Code du travail L3332-17-1), for companies
    employees: int | None
    departement: str  # INSEE code: "44", "2A", "974", or "" if unknown
    documents: frozenset[str]  # codes of the documents attached for this structure


@dataclass(frozen=True)
class ApplicationFacts:
    kind: str  # "network_head" (tête de réseau régionale) | "unaffiliated"
    structures: tuple[StructureFacts, ...]
    regional_scope: str  # the applicants' own explanation of the project's regional scope
    documents: frozenset[str]  # codes of application-level documents attached
    required_documents: tuple[tuple[str, str, str], ...]  # (code, label, "structure"|"application")


@dataclass(frozen=True)
class RuleConfig:
    code: str
    params: dict


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARNING = "warning"  # needs the officer's look


@dataclass(frozen=True)
class RuleResult:
    code: str
    label: str
    outcome: Outcome
    reason: str


Check = Callable[[ApplicationFacts, Mapping[str, Any]], tuple[Outcome, str]]


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    description: str
    default_params: Mapping[str, Any]
    check: Check


# Legal forms and application kinds ----------------------------------------------------------

ASSOCIATION = "association"
COOPERATIVE = "cooperative"
NETWORK_HEAD = "network_head"
ESUS_COMPANY = "esus_company"
OTHER = "other"
KNOWN_FORMS = (ASSOCIATION, COOPERATIVE, NETWORK_HEAD, ESUS_COMPANY, OTHER)
COMPANY_FORMS = (ESUS_COMPANY, OTHER)  # eligible only with the ESUS approval

KIND_NETWORK_HEAD = "network_head"
KIND_UNAFFILIATED = "unaffiliated"

SCOPE_APPLICATION = "application"

# How a reason names a structure, by legal form (« L'association « Les Jardins » »).
_SUBJECTS = {
    ASSOCIATION: "L'association",
    COOPERATIVE: "La coopérative",
    NETWORK_HEAD: "La tête de réseau",
    ESUS_COMPANY: "L'entreprise",
}
_FORM_LABELS = {
    ASSOCIATION: "association",
    COOPERATIVE: "coopérative",
    NETWORK_HEAD: "tête de réseau",
    ESUS_COMPANY: "entreprise agréée ESUS",
    OTHER: "entreprise agréée ESUS",
}


def _name(structure: StructureFacts, index: int) -> str:
    name = structure.name.strip()
    return f"« {name} »" if name else f"la structure n° {index + 1}"


def _subject(structure: StructureFacts, index: int) -> str:
    """The structure as the subject of a sentence: « L'association « Les Jardins » »."""
    if not structure.name.strip():
        return f"La structure n° {index + 1}"
    article = _SUBJECTS.get(structure.legal_form, "La structure")
    return f"{article} {_name(structure, index)}"


def _enumerate(items: list[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def _departement(code: str) -> str:
    """« Loire-Atlantique (44) », or « département 99 » for a code the table does not know."""
    name = departement_name(code)
    return f"{name} ({code})" if name else f"département {code}"


def _employees(count: int) -> str:
    return f"{count} salarié{'s' if count > 1 else ''}"


def _normalise_departement(code: object) -> str:
    return str(code).strip().upper()


def _combine(fails: list[str], warnings: list[str], passed: str) -> tuple[Outcome, str]:
    """FAIL if any structure fails, else WARNING if any needs a look, else PASS.

    A failing result still reports what needs a look, so the officer sees it all at once.
    """
    if fails:
        return Outcome.FAIL, " ".join(fails + warnings)
    if warnings:
        return Outcome.WARNING, " ".join(warnings)
    return Outcome.PASS, passed


_NO_STRUCTURE = (Outcome.FAIL, "La candidature ne compte aucune structure.")


# Rules --------------------------------------------------------------------------------------


def check_ess_status(facts: ApplicationFacts, params: Mapping[str, Any]) -> tuple[Outcome, str]:
    if not facts.structures:
        return _NO_STRUCTURE
    accepted = set(params["accepted_forms"])
    fails: list[str] = []
    warnings: list[str] = []
    passed: list[str] = []
    for index, structure in enumerate(facts.structures):
        form = structure.legal_form
        subject = _subject(structure, index)
        if not form:
            warnings.append(f"{subject} n'a pas indiqué sa forme juridique : statut à vérifier.")
        elif form not in KNOWN_FORMS:
            warnings.append(
                f"{subject} déclare une forme juridique non reconnue (« {form} ») : "
                "statut à vérifier."
            )
        elif form in COMPANY_FORMS:
            if structure.esus_approved is True:
                if ESUS_COMPANY in accepted:
                    passed.append(f"{_name(structure, index)} ({_FORM_LABELS[form]})")
                else:
                    fails.append(
                        f"{subject} : l'appel ne retient pas les entreprises agréées ESUS."
                    )
            elif form == OTHER and structure.esus_approved is None:
                warnings.append(
                    f"{subject} n'est ni une association, ni une coopérative, ni une tête de "
                    "réseau et n'a pas indiqué d'agrément ESUS : statut à vérifier "
                    "(structure d'insertion, entreprise adaptée…)."
                )
            elif form == ESUS_COMPANY:
                fails.append(f"{subject} n'a pas déclaré d'agrément ESUS.")
            else:
                fails.append(
                    f"{subject} n'est ni une association, ni une coopérative, ni une tête de "
                    "réseau et n'a pas déclaré d'agrément ESUS."
                )
        elif form in accepted:
            passed.append(f"{_name(structure, index)} ({_FORM_LABELS[form]})")
        else:
            fails.append(f"{subject} : l'appel ne retient pas cette forme juridique.")
    return _combine(fails, warnings, f"Structures de l'ESS : {_enumerate(passed)}.")


def check_employer(facts: ApplicationFacts, params: Mapping[str, Any]) -> tuple[Outcome, str]:
    if not facts.structures:
        return _NO_STRUCTURE
    minimum = int(params["min_employees"])
    fails: list[str] = []
    warnings: list[str] = []
    passed: list[str] = []
    for index, structure in enumerate(facts.structures):
        subject = _subject(structure, index)
        employees = structure.employees
        if employees is None:
            warnings.append(f"{subject} n'a pas déclaré son nombre de salariés : à vérifier.")
        elif employees <= 0:
            fails.append(
                f"{subject} ne déclare aucun salarié : "
                "le DLA accompagne des structures employeuses."
            )
        elif employees < minimum:
            fails.append(
                f"{subject} déclare {_employees(employees)} ; "
                f"l'appel en demande au moins {minimum}."
            )
        else:
            passed.append(f"{_name(structure, index)} ({_employees(employees)})")
    return _combine(fails, warnings, f"Structures employeuses : {_enumerate(passed)}.")


def check_departement(facts: ApplicationFacts, params: Mapping[str, Any]) -> tuple[Outcome, str]:
    eligible = [_normalise_departement(code) for code in params["departements"]]
    if not eligible:
        return (
            Outcome.WARNING,
            "Aucun département éligible n'est configuré pour cet appel : sièges à vérifier.",
        )
    if not facts.structures:
        return _NO_STRUCTURE
    fails: list[str] = []
    warnings: list[str] = []
    passed: dict[str, list[str]] = {}  # département -> structures there
    for index, structure in enumerate(facts.structures):
        subject = _subject(structure, index)
        code = _normalise_departement(structure.departement)
        if not code:
            warnings.append(f"{subject} n'a pas de département connu : siège à vérifier.")
        elif code not in eligible:
            fails.append(
                f"{subject} a son siège hors des départements de l'appel : {_departement(code)}."
            )
        else:
            passed.setdefault(code, []).append(_name(structure, index))
    where = ", ".join(
        f"{_departement(code)} pour {_enumerate(names)}" for code, names in passed.items()
    )
    return _combine(fails, warnings, f"Sièges dans la région : {where}.")


def check_regional_scope(facts: ApplicationFacts, params: Mapping[str, Any]) -> tuple[Outcome, str]:
    if facts.kind == KIND_NETWORK_HEAD:
        return (
            Outcome.PASS,
            "Tête de réseau régionale : projet de mutualisation entre ses adhérents.",
        )
    if facts.kind != KIND_UNAFFILIATED:
        return (
            Outcome.WARNING,
            f"Type de candidature inconnu (« {facts.kind} ») : envergure régionale à vérifier.",
        )
    codes: list[str] = []
    for structure in facts.structures:
        code = _normalise_departement(structure.departement)
        if code and code not in codes:
            codes.append(code)
    places = _enumerate([_departement(code) for code in codes])
    if len(codes) > 1:
        return Outcome.PASS, f"Structures implantées dans plusieurs départements : {places}."
    where = f"Toutes les structures sont en {places}" if codes else "Départements inconnus"
    declaration = facts.regional_scope.strip()
    minimum = int(params["min_text_length"])
    if len(declaration) >= minimum:
        return (
            Outcome.PASS,
            f"{where} ; l'envergure régionale repose sur la déclaration du projet par les "
            "structures, à confirmer par le chargé d'accompagnement.",
        )
    missing = (
        f"décrit trop brièvement son envergure régionale (moins de {minimum} caractères)"
        if declaration
        else "ne décrit pas d'envergure régionale"
    )
    return (
        Outcome.FAIL,
        f"{where} et la candidature {missing} : l'appel vise des structures non affiliées "
        "portant un projet commun d'envergure régionale.",
    )


def check_cap(facts: ApplicationFacts, params: Mapping[str, Any]) -> tuple[Outcome, str]:
    cap = int(params["cap"])
    count = len(facts.structures)
    counted = f"{count} structure{'s' if count > 1 else ''}"
    if count > cap:
        return (
            Outcome.FAIL,
            f"La candidature compte {counted} ; l'appel en accompagne au plus {cap}.",
        )
    return Outcome.PASS, f"La candidature compte {counted} (au plus {cap})."


def check_documents(facts: ApplicationFacts, params: Mapping[str, Any]) -> tuple[Outcome, str]:
    if not facts.required_documents:
        return Outcome.PASS, "L'appel ne demande aucune pièce obligatoire."
    missing: list[str] = []
    for code, label, scope in facts.required_documents:
        if scope == SCOPE_APPLICATION:
            if code not in facts.documents:
                missing.append(f"{label} (candidature)")
            continue
        lacking = [
            _name(structure, index)
            for index, structure in enumerate(facts.structures)
            if code not in structure.documents
        ]
        if lacking:
            missing.append(f"{label} ({', '.join(lacking)})")
    if missing:
        return Outcome.FAIL, f"Pièces manquantes : {' ; '.join(missing)}."
    return Outcome.PASS, "Toutes les pièces obligatoires sont jointes."


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            code="ess_status",
            label="Statut ESS",
            description=(
                "Chaque structure est une association, une coopérative, une tête de réseau "
                "(union, fédération) ou une entreprise agréée ESUS (Code du travail, "
                "art. L3332-17-1)."
            ),
            default_params={
                "accepted_forms": [ASSOCIATION, COOPERATIVE, NETWORK_HEAD, ESUS_COMPANY],
            },
            check=check_ess_status,
        ),
        Rule(
            code="employer",
            label="Structure employeuse",
            description="Chaque structure emploie au moins un salarié : le DLA accompagne "
            "des structures employeuses.",
            default_params={"min_employees": 1},
            check=check_employer,
        ),
        Rule(
            code="departement",
            label="Siège dans la région",
            description="Le siège de chaque structure est dans un des départements de l'appel.",
            default_params={"departements": []},
            check=check_departement,
        ),
        Rule(
            code="regional_scope",
            label="Envergure régionale",
            description=(
                "Une tête de réseau régionale porte un projet de mutualisation entre ses "
                "adhérents ; des structures non affiliées portent un projet commun d'envergure "
                "régionale (plusieurs départements, ou projet régional déclaré)."
            ),
            default_params={"min_text_length": 30},
            check=check_regional_scope,
        ),
        Rule(
            code="cap",
            label="Plafond de structures",
            description="La candidature ne compte pas plus de structures que l'appel n'en "
            "accompagne.",
            default_params={"cap": 5},
            check=check_cap,
        ),
        Rule(
            code="documents",
            label="Pièces obligatoires",
            description="Toutes les pièces obligatoires sont jointes : pour chaque structure "
            "ou une fois pour la candidature, selon la pièce.",
            default_params={},
            check=check_documents,
        ),
    )
}


def evaluate(facts: ApplicationFacts, rules: list[RuleConfig]) -> list[RuleResult]:
    """Apply the configured rules in their configured order.

    An unknown code or unusable parameters give a WARNING for that rule, never an exception.
    """
    results = []
    for config in rules:
        rule = RULES.get(config.code)
        if rule is None:
            results.append(
                RuleResult(
                    code=config.code,
                    label="Règle inconnue",
                    outcome=Outcome.WARNING,
                    reason=f"Règle inconnue « {config.code} » : elle n'a pas été appliquée ; "
                    "la configuration de l'appel est à vérifier.",
                )
            )
            continue
        params = {**copy.deepcopy(dict(rule.default_params)), **(config.params or {})}
        try:
            outcome, reason = rule.check(facts, params)
        except (KeyError, TypeError, ValueError):
            # Parameters are edited by officers as JSON: a bad value must not stop a submission.
            outcome = Outcome.WARNING
            reason = (
                f"Règle « {rule.label} » mal paramétrée ({params!r}) : elle n'a pas été "
                "appliquée ; la configuration de l'appel est à vérifier."
            )
        results.append(RuleResult(code=rule.code, label=rule.label, outcome=outcome, reason=reason))
    return results


def is_eligible(results: list[RuleResult]) -> bool:
    """Eligible when no rule fails; warnings are for the officer to look at."""
    return all(result.outcome != Outcome.FAIL for result in results)


def default_rules(*, eligible_departements: list[str], cap: int) -> list[RuleConfig]:
    """The seed call's configuration: all six rules, in the order an officer reads them."""
    overrides: dict[str, dict[str, Any]] = {
        "departement": {"departements": list(eligible_departements)},
        "cap": {"cap": cap},
    }
    return [
        RuleConfig(
            code=code,
            params={**copy.deepcopy(dict(rule.default_params)), **overrides.get(code, {})},
        )
        for code, rule in RULES.items()
    ]
