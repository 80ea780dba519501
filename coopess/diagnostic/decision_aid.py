"""Aide à la décision sur les formes de coopération (shared diagnostic).

From the structures' self-diagnostic answers (:class:`StructureAnswers`), :func:`rank_forms`
returns a ranked list of cooperation forms (:class:`RankedForm`): why each fits, what it implies,
why it ranks lower or is excluded. It is an aid for discussion, not legal advice; the output
carries that disclaimer.

The rules and every French text live in ``data/cooperation_forms.json`` so that an officer can
change them without code. :func:`load_rules` reads and validates that file; an invalid file
raises :class:`RulesError` naming the form and the rule (e.g. ``forme « gcsms », criteria[1]``).

Rule language
-------------
``forms`` is an ordered list, least binding first; on equal scores the earlier form wins.
Each form has ``code`` (a ``CooperationForm`` code), ``label``, ``integration`` (one of
``faire_avec``, ``faire_ensemble``, ``faire_corps``), ``implications`` (exactly the keys of
:data:`IMPLICATION_KEYS`), ``conditions`` and ``criteria``.

A *test* (the ``when`` of a rule) is evaluated on each structure, then aggregated::

    {"field": FIELD, OPERATOR: value, "share": "any" | "all" | "majority" | "none"}

- boolean fields (``sector_medico_social``, ``keep_autonomy``, ``share_staff``,
  ``commercial_activity``, ``multi_stakeholder``): ``equals`` true/false;
- ``wants_integration``: ``equals`` a level, or ``in`` a list of levels;
- ``shared_domains``: ``contains`` a domain code, or ``contains_any`` a list of codes
  (:data:`DOMAIN_CODES`);
- ``share`` (default ``any``): at least one structure / all / more than half / none matches.

``conditions``: ``[{"when": TEST, "reason": "…"}]``; if any test is false the form is
*excluded* (ranked last) and ``reason`` goes to ``why_lower``.

``criteria``: ``[{"when": TEST, "points": number, "why": "…"}]``; the score is the sum of the
points of the matching criteria. A matching criterion's ``why`` goes to ``why`` when its points
are positive and to ``why_lower`` when negative. ``{names}`` in ``why``/``reason`` is replaced by
the names of the structures that pass the test.

``integration``: the structures' wanted level is the mean of their levels (0, 1, 2); a form at
exactly that level gains ``match_points``, otherwise it loses ``penalty_per_step`` per level of
distance. ``texts`` holds the disclaimer and the "lower than the best" sentence.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "data" / "cooperation_forms.json"

#: Same codes as ``coopess.applications.choices.CooperationForm`` (without ``not_decided``).
FORM_CODES = (
    "partnership",
    "pooling",
    "staff_secondment",
    "employers_group",
    "association_of_means",
    "gie",
    "gcsms",
    "scic",
    "merger",
)
INTEGRATION_LEVELS = ("faire_avec", "faire_ensemble", "faire_corps")
DOMAIN_CODES = frozenset(
    {
        "hr",
        "admin",
        "premises",
        "equipment",
        "it",
        "communication",
        "fundraising",
        "purchasing",
        "training",
        "services",
        "other",
    }
)
IMPLICATION_KEYS = ("entite_juridique", "responsabilite", "employeur", "fiscalite", "reversibilite")
BOOL_FIELDS = frozenset(
    {
        "sector_medico_social",
        "keep_autonomy",
        "share_staff",
        "commercial_activity",
        "multi_stakeholder",
    }
)
#: Operators allowed for each answer field.
FIELD_OPERATORS: dict[str, frozenset[str]] = {
    **{field: frozenset({"equals"}) for field in BOOL_FIELDS},
    "wants_integration": frozenset({"equals", "in"}),
    "shared_domains": frozenset({"contains", "contains_any"}),
}
SHARES = ("any", "all", "majority", "none")


class RulesError(ValueError):
    """The rules data file is invalid; the message names the form and the rule."""


@dataclass(frozen=True)
class StructureAnswers:
    name: str
    sector_medico_social: bool
    wants_integration: str
    keep_autonomy: bool
    share_staff: bool
    shared_domains: frozenset[str]
    commercial_activity: bool
    multi_stakeholder: bool


@dataclass(frozen=True)
class RankedForm:
    code: str
    label: str
    score: float
    why: list[str]
    implies: dict[str, str]
    excluded: bool
    why_lower: list[str]


@dataclass(frozen=True)
class DecisionAid:
    ranked: list[RankedForm]
    disclaimer: str

    def shortlist(self, size: int = 3) -> list[RankedForm]:
        """The ``size`` best forms that are not excluded."""
        return [form for form in self.ranked if not form.excluded][:size]


# --- Loading and validation -------------------------------------------------------------------


def load_rules(path: Path | None = None) -> dict:
    """Read and validate the rules data file (default: :data:`DEFAULT_RULES_PATH`)."""
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"Fichier de règles illisible ({path}) : {exc}") from exc
    validate_rules(data)
    return data


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check_text(value: Any, where: str, allowed: Iterable[str] = ()) -> None:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where} : un texte non vide est attendu.")
    try:
        unknown = _placeholders(value) - set(allowed)
    except ValueError as exc:
        raise RulesError(f"{where} : accolades mal formées ({exc}).") from exc
    if unknown:
        allowed_text = ", ".join("{" + name + "}" for name in allowed) or "aucune"
        raise RulesError(
            f"{where} : variable inconnue {', '.join('{' + n + '}' for n in sorted(unknown))} "
            f"(variables possibles : {allowed_text})."
        )


def _check_keys(obj: Any, where: str, required: set[str], optional: set[str] = frozenset()) -> None:
    if not isinstance(obj, dict):
        raise RulesError(f"{where} : un objet JSON est attendu.")
    unknown = set(obj) - required - optional
    if unknown:
        raise RulesError(
            f"{where} : clé inconnue {sorted(unknown)} "
            f"(clés possibles : {', '.join(sorted(required | optional))})."
        )
    missing = required - set(obj)
    if missing:
        raise RulesError(f"{where} : clé manquante {sorted(missing)}.")


def _check_test(test: Any, where: str) -> None:
    if not isinstance(test, dict):
        raise RulesError(f"{where} : « when » doit être un objet JSON.")
    field = test.get("field")
    if field not in FIELD_OPERATORS:
        raise RulesError(
            f"{where} : champ inconnu « {field} » "
            f"(champs possibles : {', '.join(sorted(FIELD_OPERATORS))})."
        )
    operators = FIELD_OPERATORS[field]
    _check_keys(test, where, {"field"}, set(operators) | {"share"})
    used = set(operators) & set(test)
    if len(used) != 1:
        raise RulesError(
            f"{where} : exactement un opérateur attendu pour « {field} » "
            f"parmi {', '.join(sorted(operators))}."
        )
    operator = used.pop()
    value = test[operator]
    if field in BOOL_FIELDS:
        ok = isinstance(value, bool)
        allowed: Iterable[str] = ("true", "false")
    elif field == "wants_integration":
        allowed = INTEGRATION_LEVELS
        values = value if operator == "in" else [value]
        ok = (operator != "in" or isinstance(value, list)) and all(v in allowed for v in values)
    else:
        allowed = sorted(DOMAIN_CODES)
        values = value if operator == "contains_any" else [value]
        ok = (operator != "contains_any" or isinstance(value, list)) and all(
            v in DOMAIN_CODES for v in values
        )
    if not ok:
        raise RulesError(
            f"{where} : valeur invalide {value!r} pour « {field} » {operator} "
            f"(valeurs possibles : {', '.join(allowed)})."
        )
    if test.get("share", "any") not in SHARES:
        raise RulesError(
            f"{where} : « share » invalide {test['share']!r} (valeurs possibles : {', '.join(SHARES)})."
        )


def validate_rules(data: Any) -> None:
    """Raise :class:`RulesError` if ``data`` does not follow the rule language."""
    where = "Fichier de règles"
    _check_keys(data, where, {"texts", "integration", "forms"}, {"_doc", "version"})
    _check_keys(data["texts"], f"{where}, texts", {"disclaimer", "lower_than_best"})
    _check_text(data["texts"]["disclaimer"], f"{where}, texts.disclaimer")
    _check_text(
        data["texts"]["lower_than_best"],
        f"{where}, texts.lower_than_best",
        ("score", "best_score", "best_label"),
    )
    integration = data["integration"]
    _check_keys(
        integration,
        f"{where}, integration",
        {"levels", "match_points", "penalty_per_step", "why_match", "why_mismatch"},
    )
    _check_keys(integration["levels"], f"{where}, integration.levels", set(INTEGRATION_LEVELS))
    for level in INTEGRATION_LEVELS:
        _check_text(integration["levels"][level], f"{where}, integration.levels.{level}")
    for key in ("match_points", "penalty_per_step"):
        if not _is_number(integration[key]):
            raise RulesError(f"{where}, integration.{key} : un nombre est attendu.")
    for key in ("why_match", "why_mismatch"):
        _check_text(integration[key], f"{where}, integration.{key}", ("form_level", "wanted"))

    forms = data["forms"]
    if not isinstance(forms, list) or not forms:
        raise RulesError(f"{where}, forms : une liste non vide est attendue.")
    seen: set[str] = set()
    for index, form in enumerate(forms):
        code = form.get("code") if isinstance(form, dict) else None
        form_where = f"{where}, forme « {code} »" if code else f"{where}, forms[{index}]"
        _check_keys(
            form,
            form_where,
            {"code", "label", "integration", "implications", "conditions", "criteria"},
        )
        if code not in FORM_CODES:
            raise RulesError(
                f"{form_where} : code inconnu (codes possibles : {', '.join(FORM_CODES)})."
            )
        if code in seen:
            raise RulesError(f"{form_where} : forme en double.")
        seen.add(code)
        _check_text(form["label"], f"{form_where}, label")
        if form["integration"] not in INTEGRATION_LEVELS:
            raise RulesError(
                f"{form_where}, integration : niveau inconnu {form['integration']!r} "
                f"(niveaux possibles : {', '.join(INTEGRATION_LEVELS)})."
            )
        _check_keys(form["implications"], f"{form_where}, implications", set(IMPLICATION_KEYS))
        for key in IMPLICATION_KEYS:
            _check_text(form["implications"][key], f"{form_where}, implications.{key}")
        for list_key, text_key in (("conditions", "reason"), ("criteria", "why")):
            rules = form[list_key]
            if not isinstance(rules, list):
                raise RulesError(f"{form_where}, {list_key} : une liste est attendue.")
            for rule_index, rule in enumerate(rules):
                rule_where = f"{form_where}, {list_key}[{rule_index}]"
                required = {"when", text_key} | ({"points"} if list_key == "criteria" else set())
                _check_keys(rule, rule_where, required)
                _check_test(rule["when"], rule_where)
                _check_text(rule[text_key], f"{rule_where}, {text_key}", ("names",))
                if list_key == "criteria" and not _is_number(rule["points"]):
                    raise RulesError(f"{rule_where} : « points » doit être un nombre.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- Evaluation --------------------------------------------------------------------------------


def _structure_matches(test: dict, answers: StructureAnswers) -> bool:
    value = getattr(answers, test["field"])
    if "equals" in test:
        return value == test["equals"]
    if "in" in test:
        return value in test["in"]
    if "contains" in test:
        return test["contains"] in value
    return bool(value & set(test["contains_any"]))


_SHARE_RULES: dict[str, Callable[[int, int], bool]] = {
    "any": lambda hits, total: hits >= 1,
    "all": lambda hits, total: hits == total,
    "majority": lambda hits, total: hits * 2 > total,
    "none": lambda hits, total: hits == 0,
}


def _evaluate(test: dict, answers: list[StructureAnswers]) -> tuple[bool, list[str]]:
    """Whether the test holds for the group, and the names of the structures that pass it."""
    names = [a.name for a in answers if _structure_matches(test, a)]
    return _SHARE_RULES[test.get("share", "any")](len(names), len(answers)), names


def _render(template: str, names: list[str]) -> str:
    return template.format(names=", ".join(names))


def _check_answers(answers: list[StructureAnswers]) -> None:
    if not answers:
        raise ValueError("Au moins une structure doit avoir répondu à l'autodiagnostic.")
    for a in answers:
        if a.wants_integration not in INTEGRATION_LEVELS:
            raise ValueError(
                f"{a.name} : niveau d'intégration inconnu {a.wants_integration!r} "
                f"(niveaux possibles : {', '.join(INTEGRATION_LEVELS)})."
            )
        unknown = set(a.shared_domains) - DOMAIN_CODES
        if unknown:
            raise ValueError(f"{a.name} : domaine inconnu {sorted(unknown)}.")


def _format_score(score: float) -> str:
    return f"{score:g}".replace(".", ",")


def rank_forms(answers: list[StructureAnswers], data: dict | None = None) -> DecisionAid:
    """Rank the cooperation forms for a group of structures, best first, excluded ones last."""
    _check_answers(answers)
    if data is None:
        data = load_rules()
    else:
        validate_rules(data)
    integration = data["integration"]
    level_labels = integration["levels"]
    wanted = sum(INTEGRATION_LEVELS.index(a.wants_integration) for a in answers) / len(answers)
    wanted_label = " / ".join(
        level_labels[level]
        for level in INTEGRATION_LEVELS
        if any(a.wants_integration == level for a in answers)
    )

    scored: list[tuple[int, RankedForm]] = []
    for index, form in enumerate(data["forms"]):
        why: list[str] = []
        why_lower: list[str] = []
        excluded = False
        for condition in form["conditions"]:
            holds, names = _evaluate(condition["when"], answers)
            if not holds:
                excluded = True
                why_lower.append(_render(condition["reason"], names))

        score = 0.0
        distance = abs(INTEGRATION_LEVELS.index(form["integration"]) - wanted)
        texts = {"form_level": level_labels[form["integration"]], "wanted": wanted_label}
        if distance == 0:
            score += integration["match_points"]
            why.append(integration["why_match"].format(**texts))
        else:
            score -= integration["penalty_per_step"] * distance
            why_lower.append(integration["why_mismatch"].format(**texts))

        for criterion in form["criteria"]:
            holds, names = _evaluate(criterion["when"], answers)
            if not holds or criterion["points"] == 0:
                continue
            score += criterion["points"]
            text = _render(criterion["why"], names)
            (why if criterion["points"] > 0 else why_lower).append(text)

        scored.append(
            (
                index,
                RankedForm(
                    code=form["code"],
                    label=form["label"],
                    score=round(score, 2),
                    why=why,
                    implies=dict(form["implications"]),
                    excluded=excluded,
                    why_lower=why_lower,
                ),
            )
        )

    scored.sort(key=lambda item: (item[1].excluded, -item[1].score, item[0]))
    ranked = [form for _, form in scored]
    best = ranked[0]
    for form in ranked[1:]:
        if not form.excluded:
            form.why_lower.append(
                data["texts"]["lower_than_best"].format(
                    score=_format_score(form.score),
                    best_score=_format_score(best.score),
                    best_label=best.label,
                )
            )
    return DecisionAid(ranked=ranked, disclaimer=data["texts"]["disclaimer"])
