"""Scoring of the partner finder (pure Python, no database).

Two structures that consented to be findable are compared on what each chose to show: its
needs and resources per sharing domain (the synergy map's vocabulary: a *need* meeting a
*resource* is a **complementarity**, a need both have is a **shared need**, see
:mod:`coopess.diagnostic.synergy`), its sector (NAF code), its départements, its staff band,
the maturity stage of its project and the forms of cooperation it envisages.

Points of a candidate for a seeker (the score is **symmetric**: ``score(a, b) == score(b, a)``)::

    3 × complementarities     # each domain where one's need meets the other's resource,
                              #   counted in both directions
    1 × shared needs          # each domain both need (« besoin partagé »)
    2   if they share a département            (« même territoire »)
    1   if they are in the same region but not in the same département
    1   if their NAF codes share the division (2 first digits)   (« même secteur »)
    1   if their staff bands are the same or adjacent             (« taille comparable »)
    1   if their projects are at the same maturity stage
    1 × envisaged forms in common (« pas encore définie » never counts)

A candidate is proposed only if it has at least one complementarity or one shared need: being
in the same territory or sector alone does not make a partner. A structure is never matched
with itself (same key). Ties are broken by name (case and accents folded) then by key, so the
order never depends on the order the candidates were read in.

Each match carries its reasons in French, the strongest first: complementarities
(« elle propose la fonction comptabilité, paie et juridique dont vous manquez »), shared needs,
then the context (« même territoire : Loire-Atlantique »).
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from coopess.applications.choices import CooperationForm, SharingDomain
from coopess.structures.geography import departement_name, region_of_departement

POINTS_COMPLEMENTARITY = 3
POINTS_SHARED_NEED = 1
POINTS_SAME_DEPARTEMENT = 2
POINTS_SAME_REGION = 1
POINTS_SAME_SECTOR = 1
POINTS_COMPARABLE_SIZE = 1
POINTS_SAME_STAGE = 1
POINTS_COMMON_FORM = 1

#: What a domain is when one structure offers it to another (« elle propose … »).
DOMAIN_PHRASES: dict[str, str] = {
    SharingDomain.HR: "la fonction ressources humaines et des emplois partagés",
    SharingDomain.ADMIN: "la fonction comptabilité, paie et juridique",
    SharingDomain.PREMISES: "des locaux",
    SharingDomain.EQUIPMENT: "du matériel et des véhicules",
    SharingDomain.IT: "des systèmes d'information",
    SharingDomain.COMMUNICATION: "la fonction communication",
    SharingDomain.FUNDRAISING: "la recherche de financements",
    SharingDomain.PURCHASING: "la fonction achats",
    SharingDomain.TRAINING: "de la formation",
    SharingDomain.SERVICES: "des activités et services aux bénéficiaires",
    SharingDomain.OTHER: "une autre ressource",
}
DOMAIN_LABELS = dict(SharingDomain.choices)
DOMAIN_ORDER = {code: index for index, code in enumerate(SharingDomain.values)}
FORM_LABELS = dict(CooperationForm.choices)

#: INSEE staff bands in increasing order; « adjacent » means next to each other here.
STAFF_BAND_ORDER = ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42"]
STAFF_BAND_ORDER += ["51", "52", "53"]
_BAND_RANK = {code: index for index, code in enumerate(STAFF_BAND_ORDER)}


@dataclass(frozen=True)
class FinderProfile:
    """What one structure chose to show (empty values: not shown)."""

    key: int
    name: str
    needs: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    naf_code: str = ""
    departements: frozenset[str] = frozenset()
    staff_band: str = ""
    stage: str = ""
    stage_label: str = ""
    forms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    candidate: FinderProfile
    score: int
    reasons: tuple[str, ...] = field(default=())


DOMAIN_BITS = {code: 1 << index for index, code in enumerate(SharingDomain.values)}
FORM_BITS = {
    code: 1 << index
    for index, code in enumerate(CooperationForm.values)
    if code != CooperationForm.NOT_DECIDED
}


def domain_mask(domains: Iterable[str]) -> int:
    """The domains as one integer, a bit per domain (for the search in SQL)."""
    return sum(DOMAIN_BITS[d] for d in set(domains) if d in DOMAIN_BITS)


def form_mask(forms: Iterable[str]) -> int:
    return sum(FORM_BITS[f] for f in set(forms) if f in FORM_BITS)


def comparable_bands(band: str) -> list[str]:
    """The staff bands « comparable » to ``band`` (itself and its neighbours)."""
    if band not in _BAND_RANK:
        return []
    rank = _BAND_RANK[band]
    return STAFF_BAND_ORDER[max(0, rank - 1) : rank + 2]


def fold(text: str) -> str:
    """The sort key of a name: case and accents folded."""
    return _fold(text)


def naf_division(naf_code: str) -> str:
    return _division(naf_code)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _phrase(domain: str) -> str:
    return DOMAIN_PHRASES.get(domain) or DOMAIN_LABELS.get(domain, domain).lower()


def _ordered(domains: Iterable[str]) -> list[str]:
    return sorted(domains, key=lambda code: (DOMAIN_ORDER.get(code, len(DOMAIN_ORDER)), code))


def _division(naf_code: str) -> str:
    digits = "".join(c for c in naf_code if c.isdigit())
    return digits[:2] if len(digits) >= 2 else ""


def _comparable_size(a: str, b: str) -> bool:
    if a not in _BAND_RANK or b not in _BAND_RANK:
        return False
    return abs(_BAND_RANK[a] - _BAND_RANK[b]) <= 1


def _regions(departements: frozenset[str]) -> set[str]:
    return {r for r in (region_of_departement(code) for code in departements) if r}


def _common_forms(a: FinderProfile, b: FinderProfile) -> set[str]:
    return (a.forms & b.forms) - {CooperationForm.NOT_DECIDED.value}


def has_synergy(seeker: FinderProfile, candidate: FinderProfile) -> bool:
    """At least one complementarity or shared need (the condition to be proposed)."""
    return bool(
        (seeker.needs & candidate.resources)
        or (seeker.resources & candidate.needs)
        or (seeker.needs & candidate.needs)
    )


def score(seeker: FinderProfile, candidate: FinderProfile) -> int:
    """The points of ``candidate`` for ``seeker`` (see the module docstring); symmetric."""
    points = POINTS_COMPLEMENTARITY * (
        len(seeker.needs & candidate.resources) + len(seeker.resources & candidate.needs)
    )
    points += POINTS_SHARED_NEED * len(seeker.needs & candidate.needs)
    if seeker.departements & candidate.departements:
        points += POINTS_SAME_DEPARTEMENT
    elif _regions(seeker.departements) & _regions(candidate.departements):
        points += POINTS_SAME_REGION
    division = _division(seeker.naf_code)
    if division and division == _division(candidate.naf_code):
        points += POINTS_SAME_SECTOR
    if _comparable_size(seeker.staff_band, candidate.staff_band):
        points += POINTS_COMPARABLE_SIZE
    if seeker.stage and seeker.stage == candidate.stage:
        points += POINTS_SAME_STAGE
    points += POINTS_COMMON_FORM * len(_common_forms(seeker, candidate))
    return points


def reasons(seeker: FinderProfile, candidate: FinderProfile) -> tuple[str, ...]:
    """Why ``candidate`` suits ``seeker``, in French, addressed to the seeker."""
    out: list[str] = []
    for domain in _ordered(seeker.needs & candidate.resources):
        out.append(f"elle propose {_phrase(domain)} dont vous manquez")
    for domain in _ordered(seeker.resources & candidate.needs):
        out.append(f"elle cherche {_phrase(domain)}, que vous proposez")
    for domain in _ordered(seeker.needs & candidate.needs):
        out.append(f"besoin partagé : {DOMAIN_LABELS.get(domain, domain)}")
    common = sorted(seeker.departements & candidate.departements)
    if common:
        names = ", ".join(departement_name(code) or code for code in common)
        out.append(f"même territoire : {names}")
    elif _regions(seeker.departements) & _regions(candidate.departements):
        out.append("même région")
    division = _division(seeker.naf_code)
    if division and division == _division(candidate.naf_code):
        out.append(f"même secteur d'activité (division NAF {division})")
    if _comparable_size(seeker.staff_band, candidate.staff_band):
        out.append("taille comparable")
    if seeker.stage and seeker.stage == candidate.stage:
        label = seeker.stage_label or candidate.stage_label
        out.append(f"projet au même stade{f' : {label}' if label else ''}")
    for form in sorted(_common_forms(seeker, candidate)):
        out.append(f"forme envisagée en commun : {FORM_LABELS.get(form, form)}")
    return tuple(out)


def _sort_key(item: tuple[int, FinderProfile]) -> tuple[int, str, int]:
    points, candidate = item
    return (-points, _fold(candidate.name), candidate.key)


def rank(
    seeker: FinderProfile, candidates: Iterable[FinderProfile], *, limit: int | None = None
) -> list[Match]:
    """The candidates that suit ``seeker``, best first, each with its reasons (never the seeker
    itself; ``limit`` keeps the best ones). Only the kept matches get their reasons written."""
    scored = (
        (score(seeker, candidate), candidate)
        for candidate in candidates
        if candidate.key != seeker.key and has_synergy(seeker, candidate)
    )
    if limit is None:
        best = sorted(scored, key=_sort_key)
    else:
        best = heapq.nsmallest(limit, scored, key=_sort_key)
    return [
        Match(candidate=candidate, score=points, reasons=reasons(seeker, candidate))
        for points, candidate in best
    ]


def best_pairs(
    profiles: list[FinderProfile], *, limit: int = 10
) -> list[tuple[Match, FinderProfile]]:
    """The best pairs among ``profiles`` (each pair once), for an officer's suggestions:
    (the match seen from the first structure, the first structure)."""
    pairs = []
    for index, first in enumerate(profiles):
        for second in profiles[index + 1 :]:
            if first.key == second.key or not has_synergy(first, second):
                continue
            pairs.append((score(first, second), first, second))
    pairs.sort(key=lambda p: (-p[0], _fold(p[1].name), p[1].key, _fold(p[2].name), p[2].key))
    return [
        (Match(candidate=second, score=points, reasons=reasons(first, second)), first)
        for points, first, second in pairs[:limit]
    ]
