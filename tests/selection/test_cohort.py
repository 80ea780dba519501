"""The cohort proposal: exact optimum, deterministic tie rule, French explanations.

Pure Python: no database. The property tests compare the proposal with a brute force over every
subset, written here independently of the module (integer tenths instead of its 1e-9 units).
"""

import itertools
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopess.selection.cohort import Candidate, Preferences, Proposal, objective, propose_cohort

DEPARTEMENTS = ("35", "44", "49", "53", "72", "85")
KINDS = ("network_head", "unaffiliated")


def cand(
    number: int,
    structures: int,
    score: float | None,
    departements: tuple[str, ...] = ("44",),
    kind: str = "unaffiliated",
) -> Candidate:
    return Candidate(
        key=f"COOP-2023-{number:04d}",
        label=f"Projet {number}",
        structures=structures,
        score=score,
        departements=frozenset(departements),
        kind=kind,
    )


def key(number: int) -> str:
    return f"COOP-2023-{number:04d}"


# --- Hand-made cases -----------------------------------------------------------------------------


def test_a_ranking_that_fits_is_taken_whole():
    candidates = [cand(1, 2, 4.2, ("44",)), cand(2, 1, 4.5, ("49",)), cand(3, 1, 3.0, ("72",))]

    proposal = propose_cohort(candidates, Preferences(cap=5))

    assert proposal.chosen == (key(2), key(1), key(3))
    assert proposal.total_score == pytest.approx(11.7)
    assert proposal.objective == proposal.total_score
    assert proposal.structures == 4
    assert proposal.explanations[key(2)] == (
        "Retenue : 1re du classement (moyenne 4,5), sa structure tient dans le plafond de 5."
    )
    assert proposal.explanations[key(1)] == (
        "Retenue : 2e du classement (moyenne 4,2), ses 2 structures tiennent dans le plafond de 5."
    )
    assert proposal.summary.startswith(
        "Cohorte proposée : 3 candidatures, 4 structures sur 5, note totale 11,7 ; "
        "départements couverts : 44, 49, 72."
    )


def test_two_smaller_applications_displace_a_better_ranked_larger_one():
    candidates = [
        cand(1, 2, 4.5),
        cand(2, 3, 4.4),  # 4.5 + 4.4 = 8.9 < 4.5 + 4.2 + 4.0 = 12.7
        cand(3, 2, 4.2),
        cand(4, 1, 4.0),
    ]

    proposal = propose_cohort(candidates, Preferences(cap=5))

    assert proposal.chosen == (key(1), key(3), key(4))
    assert proposal.structures == 5
    assert proposal.total_score == pytest.approx(12.7)
    assert proposal.explanations[key(3)] == (
        "Retenue devant COOP-2023-0002 (mieux classée) : 3e du classement (moyenne 4,2) ; "
        "avec ses 2 structures, elle complète la cohorte jusqu'au plafond de 5, "
        "ce que COOP-2023-0002 (3 structures) ne permettait pas."
    )
    assert proposal.explanations[key(2)] == (
        "Non proposée : 2e du classement (moyenne 4,4) ; la retenir aurait dépassé le plafond "
        "de 5 structures ou donné une cohorte moins bien notée."
    )


def test_a_better_ranked_larger_application_stays_when_the_smaller_ones_score_too_low():
    candidates = [cand(1, 2, 4.5), cand(2, 3, 4.4), cand(3, 2, 1.0), cand(4, 1, 1.0)]

    proposal = propose_cohort(candidates, Preferences(cap=5))

    assert proposal.chosen == (key(1), key(2))
    assert proposal.explanations[key(3)].startswith("Non proposée : 3e ex aequo du classement")


def test_an_application_larger_than_the_cap_is_never_chosen():
    candidates = [cand(1, 6, 5.0), cand(2, 2, 3.0)]

    proposal = propose_cohort(candidates, Preferences(cap=5))

    assert proposal.chosen == (key(2),)
    assert proposal.explanations[key(1)] == (
        "Cette candidature compte 6 structures, plus que le plafond de 5 : "
        "elle ne peut pas être retenue telle quelle."
    )
    assert "1 candidature dépasse à elle seule le plafond." in proposal.summary


def test_unscored_applications_are_not_ranked():
    candidates = [cand(1, 1, None), cand(2, 1, 2.0), cand(3, 1, None)]

    proposal = propose_cohort(candidates, Preferences(cap=5))

    assert proposal.chosen == (key(2),)
    assert proposal.explanations[key(1)] == "Pas encore notée : elle ne peut pas être classée."
    assert proposal.explanations[key(2)].startswith("Retenue : 1re du classement (moyenne 2,0)")
    assert "2 candidatures pas encore notées." in proposal.summary


def test_all_ties_are_broken_by_key_whatever_the_input_order():
    candidates = [cand(n, 2, 3.0) for n in range(1, 6)]

    proposals = {
        _frozen(propose_cohort(list(order), Preferences(cap=5)))
        for order in itertools.permutations(candidates)
    }

    assert len(proposals) == 1
    proposal = propose_cohort(candidates, Preferences(cap=5))
    assert proposal.chosen == (key(1), key(2))
    assert proposal.explanations[key(3)] == (
        "Non proposée : 1re ex aequo du classement (moyenne 3,0) ; à égalité avec "
        "COOP-2023-0001, retenue selon la règle de départage (notes les plus hautes d'abord, "
        "puis moins de structures, puis ordre des numéros)."
    )


def test_ties_prefer_higher_scores_first_then_fewer_structures_then_smaller_keys():
    # {1, 2}: scores 5 + 1; {3, 4}: scores 3 + 3. Same total, same structures: [5, 1] wins.
    by_scores = [cand(1, 3, 5.0), cand(2, 1, 1.0), cand(3, 2, 3.0), cand(4, 2, 3.0)]
    assert propose_cohort(by_scores, Preferences(cap=4)).chosen == (key(1), key(2))

    # Same scores; {2, 3} uses 2 structures, {1, 2} and {1, 3} use 3: fewer structures wins.
    by_structures = [cand(1, 2, 2.0), cand(2, 1, 2.0), cand(3, 1, 2.0)]
    assert propose_cohort(by_structures, Preferences(cap=3)).chosen == (key(2), key(3))


def test_scores_are_compared_exactly():
    # In floating point 0.1 + 0.2 > 0.3; here they tie, and the higher single score wins.
    candidates = [cand(1, 1, 0.1), cand(2, 1, 0.2), cand(3, 2, 0.3)]

    proposal = propose_cohort(candidates, Preferences(cap=2))

    assert proposal.chosen == (key(3),)
    assert objective([candidates[0], candidates[1]], Preferences(cap=2)) == 0.3


def test_an_empty_list_gives_an_empty_cohort():
    proposal = propose_cohort([], Preferences(cap=5))

    assert proposal == Proposal(
        chosen=(),
        total_score=0.0,
        objective=0.0,
        structures=0,
        explanations={},
        summary="Aucune candidature à examiner.",
    )


def test_the_cap_can_be_filled_exactly():
    candidates = [cand(1, 3, 4.0), cand(2, 2, 3.5), cand(3, 1, 1.0)]

    proposal = propose_cohort(candidates, Preferences(cap=5))

    assert proposal.chosen == (key(1), key(2))
    assert proposal.structures == 5
    assert "5 structures sur 5" in proposal.summary
    assert "plafond de 5" in proposal.explanations[key(3)]


def test_a_diversity_bonus_brings_in_a_lower_scored_application_from_a_new_departement():
    candidates = [cand(1, 2, 4.0, ("44",)), cand(2, 2, 3.8, ("44",)), cand(3, 2, 3.5, ("53",))]

    assert propose_cohort(candidates, Preferences(cap=4)).chosen == (key(1), key(2))
    proposal = propose_cohort(candidates, Preferences(cap=4, diversity_departements=0.5))

    assert proposal.chosen == (key(1), key(3))
    assert proposal.objective == pytest.approx(4.0 + 3.5 + 2 * 0.5)
    assert proposal.explanations[key(3)] == (
        "Retenue devant COOP-2023-0002 (mieux classée) : 3e du classement (moyenne 3,5) ; "
        "elle apporte le département 53, absent des autres candidatures retenues."
    )
    assert "Avec les bonus de diversité, l'objectif atteint 8,5." in proposal.summary


def test_a_kind_bonus_brings_in_the_missing_kind():
    candidates = [
        cand(1, 1, 4.0, kind="unaffiliated"),
        cand(2, 1, 3.9, kind="unaffiliated"),
        cand(3, 1, 3.0, kind="network_head"),
    ]

    proposal = propose_cohort(candidates, Preferences(cap=2, diversity_kinds=2.0))

    assert proposal.chosen == (key(1), key(3))
    assert "« tête de réseau régionale »" in proposal.explanations[key(3)]


@pytest.mark.parametrize(
    ("candidates", "preferences"),
    [
        ([cand(1, 1, 1.0), cand(1, 1, 2.0)], Preferences(cap=2)),
        ([cand(1, 0, 1.0)], Preferences(cap=2)),
        ([cand(1, 1, float("nan"))], Preferences(cap=2)),
        ([], Preferences(cap=-1)),
        ([], Preferences(cap=2, diversity_kinds=-1.0)),
    ],
)
def test_invalid_input_is_refused(candidates, preferences):
    with pytest.raises(ValueError):
        propose_cohort(candidates, preferences)


# --- Properties ----------------------------------------------------------------------------------

SCORES = (None, 1.0, 2.5, 2.5, 3.0, 4.2, 4.2)  # repeated values to create ties
WEIGHTS = (0.0, 0.5, 2.0)


@st.composite
def instances(draw) -> tuple[list[Candidate], Preferences]:
    count = draw(st.integers(0, 12))
    candidates = [
        Candidate(
            key=key(number),
            label=f"Projet {number}",
            structures=draw(st.integers(1, 7)),
            score=draw(st.sampled_from(SCORES)),
            departements=frozenset(
                draw(st.sets(st.sampled_from(DEPARTEMENTS), min_size=1, max_size=3))
            ),
            kind=draw(st.sampled_from(KINDS)),
        )
        for number in draw(st.permutations(range(1, count + 1)))
    ]
    preferences = Preferences(
        cap=draw(st.integers(1, 8)),
        diversity_departements=draw(st.sampled_from(WEIGHTS)),
        diversity_kinds=draw(st.sampled_from(WEIGHTS)),
    )
    return candidates, preferences


def tenths(value: float) -> int:
    return round(value * 10)


def reference_objective(cohort: tuple[Candidate, ...], preferences: Preferences) -> int:
    """The objective in tenths, computed independently of the module."""
    departements = {d for c in cohort for d in c.departements}
    return (
        sum(tenths(c.score) for c in cohort)
        + tenths(preferences.diversity_departements) * len(departements)
        + tenths(preferences.diversity_kinds) * len({c.kind for c in cohort})
    )


def brute_force(candidates: list[Candidate], preferences: Preferences) -> tuple[int, list[str]]:
    """Best objective over every feasible subset, and the winner under the documented tie rule:
    objective, then the larger descending score list, then fewer structures, then smaller keys."""
    eligible = [c for c in candidates if c.score is not None and c.structures <= preferences.cap]
    ranked = []
    for size in range(len(eligible) + 1):
        for cohort in itertools.combinations(eligible, size):
            structures = sum(c.structures for c in cohort)
            if structures <= preferences.cap:
                merit = (
                    reference_objective(cohort, preferences),
                    sorted((tenths(c.score) for c in cohort), reverse=True),
                    -structures,
                )
                ranked.append((merit, sorted(c.key for c in cohort)))
    best_merit = max(merit for merit, _ in ranked)
    return best_merit[0], min(keys for merit, keys in ranked if merit == best_merit)


@settings(max_examples=300, deadline=None)
@given(instance=instances(), data=st.data())
def test_the_proposal_is_the_brute_force_optimum_in_any_order(instance, data):
    candidates, preferences = instance

    proposal = propose_cohort(candidates, preferences)

    best, winner = brute_force(candidates, preferences)
    assert proposal.objective == best / 10
    assert sorted(proposal.chosen) == winner
    assert proposal.structures <= preferences.cap
    by_key = {c.key: c for c in candidates}
    assert proposal.objective == objective([by_key[k] for k in proposal.chosen], preferences)
    assert set(proposal.explanations) == set(by_key)
    shuffled = data.draw(st.permutations(candidates))
    assert _frozen(propose_cohort(list(shuffled), preferences)) == _frozen(proposal)


def test_a_large_instance_beats_greedy_heuristics():
    rng = random.Random(2023)
    candidates = [
        cand(
            number,
            structures := rng.randint(1, 4),
            rng.choice((1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)),
            tuple(rng.sample(DEPARTEMENTS, rng.randint(1, min(structures, 3)))),
            rng.choice(KINDS),
        )
        for number in range(1, 151)
    ]
    preferences = Preferences(cap=10, diversity_departements=0.5, diversity_kinds=2.0)

    proposal = propose_cohort(candidates, preferences)

    assert proposal.structures <= 10
    assert proposal.objective >= objective(_greedy_by_score(candidates, 10), preferences)
    assert proposal.objective >= objective(_greedy_by_gain(candidates, preferences), preferences)


def _greedy_by_score(candidates: list[Candidate], cap: int) -> list[Candidate]:
    chosen: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if sum(c.structures for c in chosen) + candidate.structures <= cap:
            chosen.append(candidate)
    return chosen


def _greedy_by_gain(candidates: list[Candidate], preferences: Preferences) -> list[Candidate]:
    chosen: list[Candidate] = []
    while True:
        room = preferences.cap - sum(c.structures for c in chosen)
        options = [c for c in candidates if c not in chosen and c.structures <= room]
        if not options:
            return chosen
        chosen.append(max(options, key=lambda c: objective([*chosen, c], preferences)))


# --- Explanations --------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(instance=instances())
def test_every_candidate_gets_a_french_sentence(instance):
    candidates, preferences = instance

    proposal = propose_cohort(candidates, preferences)

    for candidate in candidates:
        text = proposal.explanations[candidate.key]
        assert text.split(" ")[0] in {"Retenue", "Non", "Pas", "Cette"}
        assert text.endswith(".")
        if candidate.structures > preferences.cap:
            assert f"plafond de {preferences.cap}" in text
        elif candidate.score is not None and candidate.key not in proposal.chosen:
            assert "classement (moyenne" in text
        assert not re.search(r"\d\.\d", text)  # decimal commas
    assert not re.search(r"\d\.\d", proposal.summary)
    assert proposal.summary.startswith(("Cohorte proposée", "Aucune"))


def _frozen(proposal: Proposal) -> tuple:
    """A hashable, order-independent view of a proposal."""
    return (
        proposal.chosen,
        proposal.total_score,
        proposal.objective,
        proposal.structures,
        tuple(sorted(proposal.explanations.items())),
        proposal.summary,
    )
