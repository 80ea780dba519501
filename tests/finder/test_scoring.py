"""The partner finder's scoring: known cases and properties."""

from hypothesis import given
from hypothesis import strategies as st

from coopess.applications.choices import CooperationForm, SharingDomain
from coopess.finder.scoring import FinderProfile, best_pairs, rank, reasons, score

DOMAINS = SharingDomain.values


def profile(key, name=None, **fields):
    for name_ in ("needs", "resources", "departements", "forms"):
        if name_ in fields:
            fields[name_] = frozenset(fields[name_])
    return FinderProfile(key=key, name=name or f"Structure {key}", **fields)


def test_a_resource_meeting_a_need_comes_first_with_its_reason():
    seeker = profile(1, needs={"admin"}, departements={"44"})
    payroll = profile(2, "Paie Solidaire", resources={"admin"}, departements={"44"})
    premises = profile(3, "Locaux Partagés", resources={"premises"}, departements={"44"})
    matches = rank(seeker, [premises, payroll])
    assert [m.candidate.name for m in matches] == ["Paie Solidaire"]
    assert matches[0].reasons == (
        "elle propose la fonction comptabilité, paie et juridique dont vous manquez",
        "même territoire : Loire-Atlantique",
    )
    assert matches[0].score == 3 + 2


def test_reasons_name_both_directions_shared_needs_and_context():
    stage = {"stage": "elaboration", "stage_label": "Élaboration du projet"}
    seeker = profile(
        1,
        needs={"admin", "it"},
        resources={"premises"},
        naf_code="88.99B",
        departements={"44"},
        staff_band="02",
        forms={CooperationForm.EMPLOYERS_GROUP, CooperationForm.NOT_DECIDED},
        **stage,
    )
    other = profile(
        2,
        needs={"premises", "it"},
        resources={"admin"},
        naf_code="88.10A",
        departements={"49"},
        staff_band="03",
        forms={CooperationForm.EMPLOYERS_GROUP, CooperationForm.NOT_DECIDED},
        **stage,
    )
    assert reasons(seeker, other) == (
        "elle propose la fonction comptabilité, paie et juridique dont vous manquez",
        "elle cherche des locaux, que vous proposez",
        "besoin partagé : Systèmes d'information",
        "même région",
        "même secteur d'activité (division NAF 88)",
        "taille comparable",
        "projet au même stade : Élaboration du projet",
        "forme envisagée en commun : Groupement d'employeurs",
    )
    # 2 complementarities, 1 shared need, region, sector, size, stage, 1 form
    assert score(seeker, other) == 6 + 1 + 1 + 1 + 1 + 1 + 1


def test_context_alone_is_not_a_match():
    seeker = profile(1, needs={"admin"}, departements={"44"}, naf_code="88.99B")
    same_place = profile(2, resources={"it"}, departements={"44"}, naf_code="88.99B")
    assert rank(seeker, [same_place]) == []


def test_ties_are_broken_by_name_without_accents_then_key():
    seeker = profile(1, needs={"admin"})
    names = ["Émeraude", "alpha", "Zèbre", "Eau vive"]
    candidates = [profile(10 + i, name, resources={"admin"}) for i, name in enumerate(names)]
    assert [m.candidate.name for m in rank(seeker, candidates)] == [
        "alpha",
        "Eau vive",
        "Émeraude",
        "Zèbre",
    ]


def test_limit_keeps_the_best():
    seeker = profile(1, needs={"admin", "it"})
    strong = profile(2, "Forte", resources={"admin", "it"})
    weak = [profile(10 + i, f"Faible {i}", resources={"admin"}) for i in range(5)]
    assert [m.candidate.name for m in rank(seeker, [*weak, strong], limit=2)] == [
        "Forte",
        "Faible 0",
    ]


def test_best_pairs_lists_each_pair_once():
    a = profile(1, "A", needs={"admin"})
    b = profile(2, "B", resources={"admin"})
    c = profile(3, "C", resources={"it"})
    pairs = best_pairs([a, b, c])
    assert [(first.name, match.candidate.name) for match, first in pairs] == [("A", "B")]


domain_sets = st.frozensets(st.sampled_from(DOMAINS), max_size=4)
profiles = st.builds(
    lambda key, needs, resources, dep, band, naf, stage, forms: FinderProfile(
        key=key,
        name=f"S{key % 7}",
        needs=needs,
        resources=resources - needs,
        departements=frozenset([dep]),
        staff_band=band,
        naf_code=naf,
        stage=stage,
        forms=forms,
    ),
    st.integers(1, 40),
    domain_sets,
    domain_sets,
    st.sampled_from(["44", "49", "53", "75", "13"]),
    st.sampled_from(["", "NN", "01", "02", "11", "21"]),
    st.sampled_from(["", "88.99B", "88.10A", "94.99Z"]),
    st.sampled_from(["", "elaboration", "consolidation"]),
    st.frozensets(st.sampled_from(CooperationForm.values), max_size=3),
)


@given(profiles, profiles)
def test_score_is_symmetric(a, b):
    assert score(a, b) == score(b, a)
    assert len(reasons(a, b)) == len(reasons(b, a))


@given(profiles, st.lists(profiles, max_size=12))
def test_never_matches_itself(seeker, candidates):
    matches = rank(seeker, [*candidates, seeker])
    assert all(m.candidate.key != seeker.key for m in matches)


@given(profiles, st.lists(profiles, max_size=12), st.randoms())
def test_order_does_not_depend_on_the_input_order(seeker, candidates, random):
    shuffled = list(candidates)
    random.shuffle(shuffled)
    first = [(m.candidate.key, m.candidate.name, m.score) for m in rank(seeker, candidates)]
    second = [(m.candidate.key, m.candidate.name, m.score) for m in rank(seeker, shuffled)]
    assert sorted(first) == sorted(second)
    # equal keys may come from distinct candidate objects: compare on the sort key only
    assert [(s, n) for _k, n, s in first] == [(s, n) for _k, n, s in second]


@given(profiles, st.lists(profiles, max_size=12))
def test_scores_decrease_and_every_match_has_a_domain_reason(seeker, candidates):
    matches = rank(seeker, candidates)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    for match in matches:
        assert match.score > 0
        assert any(
            r.startswith(("elle propose", "elle cherche", "besoin partagé")) for r in match.reasons
        )


@given(profiles, st.lists(profiles, max_size=12), st.integers(0, 5))
def test_limit_is_a_prefix_of_the_full_ranking(seeker, candidates, limit):
    full = [(m.score, m.candidate.name) for m in rank(seeker, candidates)]
    assert [(m.score, m.candidate.name) for m in rank(seeker, candidates, limit=limit)] == full[
        :limit
    ]
