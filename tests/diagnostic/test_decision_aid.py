"""Aide à la décision sur les formes de coopération: rules in a JSON file, no database."""

import copy
import json
from dataclasses import replace

import pytest

from coopess.applications.choices import CooperationForm
from coopess.diagnostic.decision_aid import (
    DEFAULT_RULES_PATH,
    FORM_CODES,
    IMPLICATION_KEYS,
    RulesError,
    StructureAnswers,
    load_rules,
    rank_forms,
)


def structure(name="Asso A", **overrides) -> StructureAnswers:
    values = {
        "name": name,
        "sector_medico_social": False,
        "wants_integration": "faire_ensemble",
        "keep_autonomy": True,
        "share_staff": False,
        "shared_domains": frozenset({"admin"}),
        "commercial_activity": False,
        "multi_stakeholder": False,
    }
    values.update(overrides)
    return StructureAnswers(**values)


def pair(**overrides) -> list[StructureAnswers]:
    return [structure("Asso A", **overrides), structure("Asso B", **overrides)]


def codes(aid) -> list[str]:
    return [form.code for form in aid.ranked]


def by_code(aid, code):
    return next(form for form in aid.ranked if form.code == code)


def position(aid, code) -> int:
    return codes(aid).index(code)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_data_file_uses_the_cooperation_form_codes_in_order(rules):
    expected = [c for c in CooperationForm.values if c != CooperationForm.NOT_DECIDED]
    assert [form["code"] for form in rules["forms"]] == expected == list(FORM_CODES)
    assert rules["_doc"]


def test_medico_social_staff_sharing_with_autonomy_prefers_groupings_over_merger(rules):
    answers = pair(
        sector_medico_social=True,
        share_staff=True,
        shared_domains=frozenset({"hr", "services"}),
    )
    aid = rank_forms(answers, rules)
    assert position(aid, "gcsms") < position(aid, "merger")
    assert position(aid, "employers_group") < position(aid, "merger")
    assert {"gcsms", "employers_group"} <= {form.code for form in aid.shortlist(3)}
    merger = by_code(aid, "merger")
    assert any("autonomie" in text for text in merger.why_lower)
    assert any("Asso A, Asso B" in text for text in merger.why_lower)
    gcsms = by_code(aid, "gcsms")
    assert not gcsms.excluded
    assert any("L312-7" in text for text in gcsms.why)


def test_gcsms_excluded_without_medico_social_structure(rules):
    aid = rank_forms(pair(sector_medico_social=False, share_staff=True), rules)
    gcsms = by_code(aid, "gcsms")
    assert gcsms.excluded
    assert any("CASF" in text and "L312-7" in text for text in gcsms.why_lower)
    excluded = [form.excluded for form in aid.ranked]
    assert excluded == sorted(excluded), "excluded forms come last"


def test_one_medico_social_structure_is_enough_for_gcsms(rules):
    answers = [structure("Ehpad", sector_medico_social=True), structure("Asso culturelle")]
    assert not by_code(rank_forms(answers, rules), "gcsms").excluded


def test_employers_group_excluded_when_nobody_shares_staff(rules):
    group = by_code(rank_forms(pair(share_staff=False), rules), "employers_group")
    assert group.excluded
    assert any("personnel" in text for text in group.why_lower)


def test_faire_corps_without_autonomy_puts_merger_or_association_in_top_three(rules):
    answers = pair(
        wants_integration="faire_corps",
        keep_autonomy=False,
        shared_domains=frozenset({"admin", "hr", "it"}),
    )
    top = [form.code for form in rank_forms(answers, rules).shortlist(3)]
    assert {"merger", "association_of_means"} & set(top)
    assert top[0] == "merger"


def test_commercial_activity_raises_gie(rules):
    without = rank_forms(pair(commercial_activity=False), rules)
    with_ = rank_forms(pair(commercial_activity=True), rules)
    assert by_code(with_, "gie").score > by_code(without, "gie").score
    assert position(with_, "gie") < position(without, "gie")
    assert "solidairement" in by_code(with_, "gie").implies["responsabilite"]


def test_multi_stakeholder_governance_raises_scic(rules):
    without = rank_forms(pair(multi_stakeholder=False), rules)
    with_ = rank_forms(pair(multi_stakeholder=True), rules)
    assert by_code(with_, "scic").score > by_code(without, "scic").score
    assert position(with_, "scic") < position(without, "scic")
    assert any("multi-sociétariat" in text for text in by_code(with_, "scic").why)


def test_every_form_has_the_five_implications_in_french(rules):
    aid = rank_forms(pair(), rules)
    assert len(aid.ranked) == len(FORM_CODES)
    for form in aid.ranked:
        assert set(form.implies) == set(IMPLICATION_KEYS)
        assert all(text.strip() for text in form.implies.values())
    assert "L1224-1" in by_code(aid, "merger").implies["employeur"]
    assert "TVA" in by_code(aid, "pooling").implies["fiscalite"]


def test_lower_forms_say_why_and_disclaimer_is_present(rules):
    aid = rank_forms(pair(share_staff=True), rules)
    assert aid.disclaimer.startswith("Aide à la discussion, pas un avis juridique")
    best = aid.ranked[0]
    for form in aid.ranked[1:]:
        assert form.why_lower, form.code
        if not form.excluded:
            assert best.label in form.why_lower[-1]
    scores = [form.score for form in aid.ranked if not form.excluded]
    assert scores == sorted(scores, reverse=True)


def test_default_rules_are_loaded_when_no_data_given():
    assert codes(rank_forms(pair())) == codes(rank_forms(pair(), load_rules(DEFAULT_RULES_PATH)))


def test_ties_follow_the_order_of_the_file(rules):
    flat = copy.deepcopy(rules)
    flat["integration"]["match_points"] = 0
    flat["integration"]["penalty_per_step"] = 0
    for form in flat["forms"]:
        form["criteria"] = []
        form["conditions"] = []
    assert codes(rank_forms(pair(), flat)) == list(FORM_CODES)


def test_editing_the_data_file_changes_the_result_without_code(rules, tmp_path):
    answers = pair(sector_medico_social=True, share_staff=True)
    before = rank_forms(answers, rules)
    assert before.ranked[0].code != "merger"

    edited = copy.deepcopy(rules)
    merger = next(form for form in edited["forms"] if form["code"] == "merger")
    merger["criteria"].append(
        {
            "when": {"field": "share_staff", "equals": True, "share": "all"},
            "points": 50,
            "why": "Règle ajoutée par la chargée de mission.",
        }
    )
    edited["texts"]["disclaimer"] = "Aide à la discussion, pas un avis juridique (version locale)."
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")

    after = rank_forms(answers, load_rules(path))
    assert after.ranked[0].code == "merger"
    assert "Règle ajoutée par la chargée de mission." in after.ranked[0].why
    assert after.disclaimer.endswith("(version locale).")


def test_integration_penalty_is_configurable(rules):
    answers = pair(wants_integration="faire_avec")
    harsh = copy.deepcopy(rules)
    harsh["integration"]["penalty_per_step"] = 10
    assert (
        by_code(rank_forms(answers, harsh), "merger").score
        < by_code(rank_forms(answers, rules), "merger").score
    )


def write_broken(tmp_path, rules, mutate):
    broken = copy.deepcopy(rules)
    mutate(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    return path


def _gcsms(data):
    return next(form for form in data["forms"] if form["code"] == "gcsms")


def test_unknown_field_in_a_rule_names_the_form_and_the_rule(rules, tmp_path):
    path = write_broken(
        tmp_path,
        rules,
        lambda data: _gcsms(data)["criteria"][1]["when"].update(field="secteur"),
    )
    with pytest.raises(RulesError) as error:
        load_rules(path)
    message = str(error.value)
    assert "gcsms" in message
    assert "criteria[1]" in message
    assert "secteur" in message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: _gcsms(d)["conditions"][0]["when"].update(share="most"), "conditions[0]"),
        (lambda d: _gcsms(d)["criteria"][0]["when"].update(equals="oui"), "criteria[0]"),
        (lambda d: _gcsms(d)["criteria"][0].update(points="3"), "criteria[0]"),
        (lambda d: _gcsms(d)["criteria"][0].update(pourquoi="x"), "pourquoi"),
        (lambda d: _gcsms(d)["criteria"][0].update(why="{nom}"), "{nom}"),
        (lambda d: _gcsms(d)["implications"].pop("fiscalite"), "fiscalite"),
        (lambda d: _gcsms(d).update(integration="faire_tout"), "faire_tout"),
        (lambda d: _gcsms(d).update(code="gcsm"), "gcsm"),
    ],
)
def test_other_invalid_data_is_rejected_clearly(rules, tmp_path, mutate, expected):
    with pytest.raises(RulesError, match=r"forme « gcsm") as error:
        load_rules(write_broken(tmp_path, rules, mutate))
    assert expected in str(error.value)


def test_unreadable_data_file_raises_rules_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{ pas du json", encoding="utf-8")
    with pytest.raises(RulesError, match="illisible"):
        load_rules(path)


def test_invalid_answers_are_rejected(rules):
    with pytest.raises(ValueError, match="Au moins une structure"):
        rank_forms([], rules)
    with pytest.raises(ValueError, match="faire_tout"):
        rank_forms([structure(wants_integration="faire_tout")], rules)
    with pytest.raises(ValueError, match="jardin"):
        rank_forms([replace(structure(), shared_domains=frozenset({"jardin"}))], rules)
