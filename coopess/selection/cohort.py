"""Propose the best cohort of applications for a call, computed exactly, explained in French.

A DLA call accompanies at most ``cap`` structures. Each application groups one or more
structures and has a committee score. :func:`propose_cohort` returns the set of applications
that maximises

    sum of scores
    + diversity_departements × (number of distinct départements covered)
    + diversity_kinds × (number of distinct kinds covered)

subject to ``sum of structures <= cap``, with a French sentence for every candidate. Plain
dataclasses in and out: the caller maps its models to :class:`Candidate`.

Arithmetic. Scores and weights become integers in units of 1e-9 (4.2 is 4_200_000_000) and
every comparison is made on those integers, so 0.1 + 0.2 ties with 0.3 and differences below
1e-9 count as ties.

Ties. Among cohorts with the same objective, the proposal is the one

1. whose scores, sorted from highest to lowest, form the lexicographically larger list (it
   takes the better-ranked applications first; between a list and its extension, the longer);
2. then the one with fewer structures;
3. then the one whose sorted keys form the lexicographically smaller list.

Keys are unique, so exactly one cohort wins, whatever the order of the input.

Algorithm. Dynamic programming over the applications in ranking order. A state is (structures
used, covered départements, covered kinds) and keeps only its best partial cohort under the
order above: two partial cohorts in the same state gain the same from any later addition, and
that order is preserved when the same applications are added to both. Only what can still
change the objective enters a state: nothing when the diversity weights are 0 (the state is
then the capacity alone, a 0/1 knapsack), a département or kind shared by several applications
until the last application carrying it has been considered (one held by a single application
is a plain bonus on that application). States whose upper bound (two exact knapsacks over the
remaining applications, computed once) falls strictly below the best cohort found so far are
dropped; equal bounds are kept, so ties are never lost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

SCALE = 10**9
"""Scores and weights are compared in units of 1 / SCALE."""

KIND_LABELS = {
    "network_head": "tête de réseau régionale",
    "unaffiliated": "structures non affiliées à un réseau",
}


@dataclass(frozen=True)
class Candidate:
    """An application as the selection sees it."""

    key: str  # receipt number, e.g. "COOP-2023-0003"
    label: str  # project title or lead structure name
    structures: int  # >= 1
    score: float | None  # average weighted score, higher is better; None: not scored yet
    departements: frozenset[str]
    kind: str  # "network_head" | "unaffiliated"


@dataclass(frozen=True)
class Preferences:
    """The cap and the optional diversity bonuses."""

    cap: int
    diversity_departements: float = 0.0  # bonus per distinct département covered
    diversity_kinds: float = 0.0  # bonus per distinct kind covered


@dataclass(frozen=True)
class Proposal:
    """The proposed cohort and why."""

    chosen: tuple[str, ...]  # keys, by score descending then key
    total_score: float
    objective: float
    structures: int
    explanations: dict[str, str]  # key -> French sentence, for every candidate
    summary: str


# --- Public API ----------------------------------------------------------------------------------


def propose_cohort(candidates: list[Candidate], preferences: Preferences) -> Proposal:
    """Return the best cohort for ``preferences`` (see the module docstring for the rules)."""
    _validate(candidates, preferences)
    ranked = sorted(
        (c for c in candidates if c.score is not None), key=lambda c: (-_units(c.score), c.key)
    )
    eligible = [c for c in ranked if c.structures <= preferences.cap]
    chosen = _solve(eligible, preferences)
    context = _Context.build(candidates, ranked, eligible, chosen, preferences)
    return Proposal(
        chosen=tuple(c.key for c in chosen),
        total_score=context.total_units / SCALE,
        objective=context.objective_units / SCALE,
        structures=context.structures,
        explanations={c.key: _explain(c, context) for c in candidates},
        summary=_summary(context),
    )


def objective(chosen: list[Candidate], preferences: Preferences) -> float:
    """Objective of a cohort: scores plus diversity bonuses. The cap is not checked."""
    return _objective_units(chosen, preferences) / SCALE


# --- Numbers -------------------------------------------------------------------------------------


def _units(value: float | None) -> int:
    """``value`` in units of 1 / SCALE, rounded to the nearest (ties to even)."""
    if value is None or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return round(Fraction(value) * SCALE)


def _objective_units(chosen: Iterable[Candidate], preferences: Preferences) -> int:
    chosen = list(chosen)
    departements = set().union(*(c.departements for c in chosen))
    kinds = {c.kind for c in chosen}
    return (
        sum(_units(c.score) for c in chosen)
        + _units(preferences.diversity_departements) * len(departements)
        + _units(preferences.diversity_kinds) * len(kinds)
    )


def _validate(candidates: Sequence[Candidate], preferences: Preferences) -> None:
    if preferences.cap < 0:
        raise ValueError("the cap cannot be negative")
    if min(preferences.diversity_departements, preferences.diversity_kinds) < 0:
        raise ValueError("diversity weights cannot be negative")
    for weight in (preferences.diversity_departements, preferences.diversity_kinds):
        _units(weight)  # raises on NaN or infinity
    duplicates = [key for key, n in Counter(c.key for c in candidates).items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate candidate keys: {sorted(duplicates)}")
    for candidate in candidates:
        if candidate.structures < 1:
            raise ValueError(f"{candidate.key}: an application has at least one structure")
        if candidate.score is not None:
            _units(candidate.score)


# --- Exact search --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    candidate: Candidate
    units: int  # score
    gain: int  # score + bonuses for what no other application brings
    departements: int  # bit mask of départements shared with other applications
    kinds: int  # bit mask of kinds shared with other applications

    def optimistic(self, departement_weight: int, kind_weight: int) -> int:
        """The most this application can add, as if all it brings were new."""
        return (
            self.gain
            + departement_weight * self.departements.bit_count()
            + kind_weight * self.kinds.bit_count()
        )


class _Partial(NamedTuple):
    objective: int
    structures: int
    members: tuple[int, ...]  # item indices, in ranking order


def _solve(eligible: list[Candidate], preferences: Preferences) -> list[Candidate]:
    """The winning cohort among ``eligible`` (sorted by ranking), in ranking order."""
    departement_weight = _units(preferences.diversity_departements)
    kind_weight = _units(preferences.diversity_kinds)
    items = _items(eligible, departement_weight, kind_weight)
    best = _search(items, preferences.cap, departement_weight, kind_weight)
    return [items[i].candidate for i in best.members]


def _items(eligible: list[Candidate], departement_weight: int, kind_weight: int) -> list[_Item]:
    """Turn candidates into items; values held by one application become plain bonuses."""
    departements = [c.departements if departement_weight else frozenset() for c in eligible]
    kinds = [frozenset({c.kind}) if kind_weight else frozenset() for c in eligible]
    departement_bits, departement_counts = _shared_bits(departements)
    kind_bits, kind_counts = _shared_bits(kinds)
    items = []
    for candidate, deps, kind in zip(eligible, departements, kinds, strict=True):
        units = _units(candidate.score)
        own = departement_weight * sum(departement_counts[d] == 1 for d in deps)
        own += kind_weight * sum(kind_counts[k] == 1 for k in kind)
        items.append(
            _Item(
                candidate=candidate,
                units=units,
                gain=units + own,
                departements=sum(departement_bits.get(d, 0) for d in deps),
                kinds=sum(kind_bits.get(k, 0) for k in kind),
            )
        )
    return items


def _shared_bits(values: list[frozenset[str]]) -> tuple[dict[str, int], Counter[str]]:
    """One bit per value held by several applications, and how many hold each value."""
    counts = Counter(value for held in values for value in held)
    shared = sorted(value for value, n in counts.items() if n > 1)
    return {value: 1 << i for i, value in enumerate(shared)}, counts


def _search(items: list[_Item], cap: int, departement_weight: int, kind_weight: int) -> _Partial:
    """Exact dynamic programming with bound pruning (see the module docstring)."""
    bounds = _Bounds.build(items, cap, departement_weight, kind_weight)
    states: dict[tuple[int, int, int], _Partial] = {(0, 0, 0): _Partial(0, 0, ())}
    floor = _greedy_floor(items, cap, departement_weight, kind_weight)  # reached by some cohort
    for i, item in enumerate(items):
        keep_deps, keep_kinds = bounds.departements[i + 1], bounds.kinds[i + 1]
        offers = []
        for (used, deps, kinds), partial in states.items():
            offers.append((partial, deps, kinds))
            if used + item.candidate.structures <= cap:
                added = (
                    item.gain
                    + departement_weight * (item.departements & ~deps).bit_count()
                    + kind_weight * (item.kinds & ~kinds).bit_count()
                )
                taken = _Partial(
                    partial.objective + added,
                    used + item.candidate.structures,
                    (*partial.members, i),
                )
                floor = max(floor, taken.objective)
                offers.append((taken, deps | item.departements, kinds | item.kinds))
        following: dict[tuple[int, int, int], _Partial] = {}
        for partial, deps, kinds in offers:
            deps, kinds = deps & keep_deps, kinds & keep_kinds
            if (
                partial.objective + bounds.rest(i + 1, cap - partial.structures, deps, kinds)
                < floor
            ):
                continue
            key = (partial.structures, deps, kinds)
            current = following.get(key)
            if current is None or _is_better(partial, current, items):
                following[key] = partial
        states = following
    best = _Partial(0, 0, ())
    for partial in states.values():
        if _is_better(partial, best, items):
            best = partial
    return best


@dataclass(frozen=True)
class _Bounds:
    """Upper bounds on what the applications from index ``i`` on can still add."""

    departement_weight: int
    kind_weight: int
    departements: list[int]  # [i]: shared départements held by applications i and after
    kinds: list[int]  # [i]: shared kinds held by applications i and after
    optimistic: list[list[int]]  # [i][room]: best sum of optimistic values (all bonuses new)
    gains: list[list[int]]  # [i][room]: best sum of gains (no shared bonus)
    departement_counts: list[list[int]]  # [i][room]: most shared départements, overlaps counted
    kind_counts: list[list[int]]  # [i][room]: most shared kinds, overlaps counted

    @classmethod
    def build(
        cls, items: list[_Item], cap: int, departement_weight: int, kind_weight: int
    ) -> _Bounds:
        weights = [item.candidate.structures for item in items]
        return cls(
            departement_weight=departement_weight,
            kind_weight=kind_weight,
            departements=_suffix_or([item.departements for item in items]),
            kinds=_suffix_or([item.kinds for item in items]),
            optimistic=_suffix_knapsack(
                [item.optimistic(departement_weight, kind_weight) for item in items], weights, cap
            ),
            gains=_suffix_knapsack([item.gain for item in items], weights, cap),
            departement_counts=_suffix_knapsack(
                [item.departements.bit_count() for item in items], weights, cap
            ),
            kind_counts=_suffix_knapsack([item.kinds.bit_count() for item in items], weights, cap),
        )

    def rest(self, i: int, room: int, deps: int, kinds: int) -> int:
        """At most what applications ``i`` and after can add to a state within ``room``."""
        new_deps = min((self.departements[i] & ~deps).bit_count(), self.departement_counts[i][room])
        new_kinds = min((self.kinds[i] & ~kinds).bit_count(), self.kind_counts[i][room])
        return min(
            self.optimistic[i][room],
            self.gains[i][room] + self.departement_weight * new_deps + self.kind_weight * new_kinds,
        )


def _greedy_floor(items: list[_Item], cap: int, departement_weight: int, kind_weight: int) -> int:
    """The objective of a cohort built greedily (best marginal gain first), to start pruning."""
    left = set(range(len(items)))
    objective, used, deps, kinds = 0, 0, 0, 0
    while True:
        best_gain, best = 0, None
        for i in sorted(left):
            item = items[i]
            if used + item.candidate.structures > cap:
                continue
            gain = (
                item.gain
                + departement_weight * (item.departements & ~deps).bit_count()
                + kind_weight * (item.kinds & ~kinds).bit_count()
            )
            if gain > best_gain:
                best_gain, best = gain, i
        if best is None:
            return objective
        left.remove(best)
        objective += best_gain
        used += items[best].candidate.structures
        deps, kinds = deps | items[best].departements, kinds | items[best].kinds


def _is_better(a: _Partial, b: _Partial, items: list[_Item]) -> bool:
    """Whether cohort ``a`` beats cohort ``b`` under the objective then the tie rule."""
    if a.objective != b.objective:
        return a.objective > b.objective
    scores_a = [items[i].units for i in a.members]  # members are in ranking order,
    scores_b = [items[i].units for i in b.members]  # so these lists are sorted descending
    if scores_a != scores_b:
        return scores_a > scores_b
    if a.structures != b.structures:
        return a.structures < b.structures
    keys_a = sorted(items[i].candidate.key for i in a.members)
    keys_b = sorted(items[i].candidate.key for i in b.members)
    return keys_a < keys_b


def _suffix_or(masks: list[int]) -> list[int]:
    """``result[i]`` is the union of ``masks[i:]``."""
    result = [0] * (len(masks) + 1)
    for i in reversed(range(len(masks))):
        result[i] = result[i + 1] | masks[i]
    return result


def _suffix_knapsack(values: list[int], weights: list[int], cap: int) -> list[list[int]]:
    """``table[i][room]``: the best total value of ``values[i:]`` within ``room`` (0/1)."""
    table = [[0] * (cap + 1) for _ in range(len(values) + 1)]
    for i in reversed(range(len(values))):
        row, below = table[i], table[i + 1]
        for room in range(cap + 1):
            row[room] = below[room]
            if weights[i] <= room:
                row[room] = max(row[room], below[room - weights[i]] + values[i])
    return table


# --- Explanations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What the sentences need to know about the proposal."""

    preferences: Preferences
    ranked: list[Candidate]  # scored candidates, best first
    places: dict[str, str]  # key -> "2e du classement (moyenne 4,2)"
    eligible: list[Candidate]
    chosen: list[Candidate]
    candidate_count: int
    structures: int
    total_units: int
    objective_units: int

    @classmethod
    def build(
        cls,
        candidates: list[Candidate],
        ranked: list[Candidate],
        eligible: list[Candidate],
        chosen: list[Candidate],
        preferences: Preferences,
    ) -> _Context:
        return cls(
            preferences=preferences,
            ranked=ranked,
            places=_places(ranked),
            eligible=eligible,
            chosen=chosen,
            candidate_count=len(candidates),
            structures=sum(c.structures for c in chosen),
            total_units=sum(_units(c.score) for c in chosen),
            objective_units=_objective_units(chosen, preferences),
        )

    @property
    def cap(self) -> int:
        return self.preferences.cap

    def is_chosen(self, candidate: Candidate) -> bool:
        return any(c.key == candidate.key for c in self.chosen)


def _explain(candidate: Candidate, context: _Context) -> str:
    if candidate.structures > context.cap:
        text = (
            f"Cette candidature compte {_structures(candidate.structures)}, plus que le plafond "
            f"de {context.cap} : elle ne peut pas être retenue telle quelle."
        )
        return text + (" Elle n'est pas encore notée." if candidate.score is None else "")
    if candidate.score is None:
        return "Pas encore notée : elle ne peut pas être classée."
    if context.is_chosen(candidate):
        return _explain_chosen(candidate, context)
    return _explain_not_chosen(candidate, context)


def _explain_chosen(candidate: Candidate, context: _Context) -> str:
    place = context.places[candidate.key]
    rival = _first_passed_over(candidate, context)
    if rival is None:
        fits = "tient" if candidate.structures == 1 else "tiennent"
        text = f"Retenue : {place}, {_its_structures(candidate.structures)} {fits} dans le plafond de {context.cap}"
        brings = _brings(candidate, context, rival=None)
        return f"{text} ; elle apporte {brings}." if brings else f"{text}."
    better = "mieux classée" if _units(rival.score) > _units(candidate.score) else "même moyenne"
    opening = f"Retenue devant {rival.key} ({better}) : {place} ; "
    if context.structures - candidate.structures + rival.structures > context.cap:
        completes = (
            f"elle complète la cohorte jusqu'au plafond de {context.cap}"
            if context.structures == context.cap
            else f"elle tient dans le plafond de {context.cap} avec les autres candidatures retenues"
        )
        return (
            f"{opening}avec {_its_structures(candidate.structures)}, {completes}, ce que "
            f"{rival.key} ({_structures(rival.structures)}) ne permettait pas."
        )
    brings = _brings(candidate, context, rival=rival)
    if brings:
        return f"{opening}elle apporte {brings}."
    if _units(rival.score) == _units(candidate.score) and candidate.structures < rival.structures:
        return (
            f"{opening}à moyenne égale, elle compte moins de structures "
            f"({candidate.structures} contre {rival.structures})."
        )
    return f"{opening}la remplacer par {rival.key} ne donnerait pas une meilleure cohorte."


def _explain_not_chosen(candidate: Candidate, context: _Context) -> str:
    place = context.places[candidate.key]
    if context.structures + candidate.structures <= context.cap:
        return f"Non proposée : {place} ; l'ajouter n'améliorerait pas la cohorte."
    twin = _equal_swap(candidate, context)
    if twin is not None:
        return (
            f"Non proposée : {place} ; à égalité avec {twin.key}, retenue selon la règle de "
            "départage (notes les plus hautes d'abord, puis moins de structures, puis ordre "
            "des numéros)."
        )
    return (
        f"Non proposée : {place} ; la retenir aurait dépassé le plafond de {context.cap} "
        "structures ou donné une cohorte moins bien notée."
    )


def _first_passed_over(candidate: Candidate, context: _Context) -> Candidate | None:
    """The best-ranked eligible application left out although ranked before ``candidate``."""
    for other in context.eligible:
        if other.key == candidate.key:
            return None
        if not context.is_chosen(other):
            return other
    return None


def _equal_swap(candidate: Candidate, context: _Context) -> Candidate | None:
    """A chosen application of the same score that ``candidate`` could replace at no loss."""
    for other in context.chosen:
        swapped = [c for c in context.chosen if c.key != other.key] + [candidate]
        if (
            _units(other.score) == _units(candidate.score)
            and sum(c.structures for c in swapped) <= context.cap
            and _objective_units(swapped, context.preferences) == context.objective_units
        ):
            return other
    return None


def _brings(candidate: Candidate, context: _Context, *, rival: Candidate | None) -> str:
    """What ``candidate`` alone brings to the cohort and a bonus rewards, in French, or ""."""
    others = [c for c in context.chosen if c.key != candidate.key]
    if rival is not None:
        others.append(rival)
    things = []
    if context.preferences.diversity_departements > 0:
        covered = set().union(*(c.departements for c in others))
        new = sorted(candidate.departements - covered)
        if new:
            noun = "le département" if len(new) == 1 else "les départements"
            things.append((len(new), f"{noun} {_join(new)}"))
    if context.preferences.diversity_kinds > 0 and candidate.kind not in {c.kind for c in others}:
        label = KIND_LABELS.get(candidate.kind, candidate.kind)
        things.append((1, f"le type de candidature « {label} »"))
    if not things:
        return ""
    absent = "absent" if sum(n for n, _ in things) == 1 else "absents"
    return f"{_join([text for _, text in things])}, {absent} des autres candidatures retenues"


def _summary(context: _Context) -> str:
    cap = context.cap
    if context.chosen:
        departements = sorted(set().union(*(c.departements for c in context.chosen)))
        text = (
            f"Cohorte proposée : {_count(len(context.chosen), 'candidature')}, "
            f"{_count(context.structures, 'structure')} sur {cap}, "
            f"note totale {_number(context.total_units / SCALE)} ; "
            f"départements couverts : {', '.join(departements) or 'aucun'}."
        )
        if context.objective_units != context.total_units:
            text += (
                " Avec les bonus de diversité, l'objectif atteint "
                f"{_number(context.objective_units / SCALE)}."
            )
        text += " Aucune autre composition dans le plafond ne fait mieux."
    elif context.candidate_count:
        text = (
            "Aucune cohorte proposée : aucune candidature notée ne tient dans le plafond "
            f"de {cap} structures."
        )
    else:
        text = "Aucune candidature à examiner."
    unscored = context.candidate_count - len(context.ranked)
    oversize = len(context.ranked) - len(context.eligible)
    if unscored:
        text += f" {_count(unscored, 'candidature')} pas encore {_agree('notée', unscored)}."
    if oversize:
        text += (
            f" {_count(oversize, 'candidature')} {'dépasse' if oversize == 1 else 'dépassent'} "
            f"à elle{'s' if oversize > 1 else ''} seule{'s' if oversize > 1 else ''} le plafond."
        )
    return text


# --- French wording ------------------------------------------------------------------------------


def _places(ranked: list[Candidate]) -> dict[str, str]:
    """Competition ranking (equal scores share a place): key -> "2e du classement (moyenne 4,2)"."""
    scores = Counter(_units(c.score) for c in ranked)
    places = {}
    for candidate in ranked:
        units = _units(candidate.score)
        rank = 1 + sum(n for score, n in scores.items() if score > units)
        ordinal = "1re" if rank == 1 else f"{rank}e"
        tie = " ex aequo" if scores[units] > 1 else ""
        places[candidate.key] = f"{ordinal}{tie} du classement (moyenne {_number(units / SCALE)})"
    return places


def _number(value: float) -> str:
    """French decimal notation, one or two decimals: 12.6 -> "12,6", 4 -> "4,0", 4.25 -> "4,25"."""
    text = f"{value:.2f}"
    if text.endswith("0"):
        text = text[:-1]
    return ("0.0" if text == "-0.0" else text).replace(".", ",")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n > 1 else ''}"


def _agree(word: str, n: int) -> str:
    return word + ("s" if n > 1 else "")


def _structures(n: int) -> str:
    return _count(n, "structure")


def _its_structures(n: int) -> str:
    return "sa structure" if n == 1 else f"ses {n} structures"


def _join(parts: list[str]) -> str:
    """French enumeration: "44", "44 et 49", "44, 49 et 72"."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"
