"""Eligibility screening: each rule on facts built in memory, no database."""

import dataclasses

import pytest

from coopess.selection.eligibility import (
    RULES,
    ApplicationFacts,
    Outcome,
    RuleConfig,
    RuleResult,
    StructureFacts,
    default_rules,
    evaluate,
    is_eligible,
)

SEED_DEPARTEMENTS = ["44", "49", "53", "72", "85"]
REQUIRED = (
    ("statuts", "Statuts", "structure"),
    ("comptes", "Derniers comptes approuvés", "structure"),
    ("lettre", "Lettre d'engagement commune", "application"),
)
LONG_DECLARATION = (
    "Mutualiser un poste de chargé de mission emploi pour nos publics de toute la région."
)


def structure(name="Les Jardins partagés", **overrides) -> StructureFacts:
    values = {
        "name": name,
        "is_lead": False,
        "legal_form": "association",
        "esus_approved": None,
        "employees": 4,
        "departement": "44",
        "documents": frozenset({"statuts", "comptes"}),
    }
    return StructureFacts(**{**values, **overrides})


def application(*structures: StructureFacts, **overrides) -> ApplicationFacts:
    values = {
        "kind": "unaffiliated",
        "structures": structures or (structure(is_lead=True),),
        "regional_scope": "",
        "documents": frozenset({"lettre"}),
        "required_documents": REQUIRED,
    }
    return ApplicationFacts(**{**values, **overrides})


def check(code: str, facts: ApplicationFacts, **params) -> RuleResult:
    [result] = evaluate(facts, [RuleConfig(code=code, params=params)])
    assert result.code == code
    assert result.label == RULES[code].label
    return result


def network_head_with_members_in_two_departements() -> ApplicationFacts:
    return application(
        structure("URIOPSS Pays de la Loire", is_lead=True, legal_form="network_head"),
        structure("Accueil Angevin", departement="49"),
        structure("Solidarité Nazairienne", departement="44"),
        kind="network_head",
    )


# Statut ESS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legal_form", "esus_approved", "shown_as"),
    [
        ("association", None, "association"),
        ("cooperative", None, "coopérative"),
        ("network_head", None, "tête de réseau"),
        ("esus_company", True, "entreprise agréée ESUS"),
        ("other", True, "entreprise agréée ESUS"),
    ],
)
def test_ess_status_passes_for_the_forms_the_call_accepts(legal_form, esus_approved, shown_as):
    facts = application(structure("Alpha", legal_form=legal_form, esus_approved=esus_approved))

    result = check("ess_status", facts)

    assert result.outcome == Outcome.PASS
    assert result.reason == f"Structures de l'ESS : « Alpha » ({shown_as})."


@pytest.mark.parametrize("esus_approved", [False, None])
def test_a_company_without_esus_approval_fails_ess_status(esus_approved):
    facts = application(
        structure("Les Jardins partagés"),
        structure("Recycl'Ouest SAS", legal_form="esus_company", esus_approved=esus_approved),
    )

    result = check("ess_status", facts)

    assert result.outcome == Outcome.FAIL
    assert result.reason == "L'entreprise « Recycl'Ouest SAS » n'a pas déclaré d'agrément ESUS."


def test_another_form_that_declares_no_esus_approval_fails_ess_status():
    facts = application(structure("Conseil & Co SARL", legal_form="other", esus_approved=False))

    result = check("ess_status", facts)

    assert result.outcome == Outcome.FAIL
    assert "« Conseil & Co SARL »" in result.reason
    assert "n'a pas déclaré d'agrément ESUS" in result.reason


@pytest.mark.parametrize(
    ("legal_form", "expected"),
    [
        ("other", "La structure « Alpha » n'est ni une association"),
        ("", "La structure « Alpha » n'a pas indiqué sa forme juridique"),
        ("fondation", "forme juridique non reconnue (« fondation »)"),
    ],
)
def test_an_unknown_status_asks_the_officer_to_check(legal_form, expected):
    facts = application(structure("Alpha", legal_form=legal_form, esus_approved=None))

    result = check("ess_status", facts)

    assert result.outcome == Outcome.WARNING
    assert expected in result.reason
    assert "à vérifier" in result.reason


def test_a_form_left_out_of_accepted_forms_fails():
    facts = application(structure("Coop Atlantique", legal_form="cooperative"))

    result = check("ess_status", facts, accepted_forms=["association"])

    assert result.outcome == Outcome.FAIL
    assert result.reason == (
        "La coopérative « Coop Atlantique » : l'appel ne retient pas cette forme juridique."
    )


def test_a_failure_also_reports_what_needs_a_look():
    facts = application(
        structure("Recycl'Ouest", legal_form="esus_company", esus_approved=False),
        structure("Beta", legal_form=""),
    )

    result = check("ess_status", facts)

    assert result.outcome == Outcome.FAIL
    assert "« Recycl'Ouest »" in result.reason
    assert "« Beta »" in result.reason


# Structure employeuse -----------------------------------------------------------------------


def test_employer_passes_when_every_structure_employs():
    facts = application(structure("Alpha", employees=1), structure("Beta", employees=12))

    result = check("employer", facts)

    assert result.outcome == Outcome.PASS
    assert (
        result.reason == "Structures employeuses : « Alpha » (1 salarié) et « Beta » (12 salariés)."
    )


def test_an_association_without_employees_fails_employer():
    facts = application(structure("Alpha"), structure("Les Amis du Lac", employees=0))

    result = check("employer", facts)

    assert result.outcome == Outcome.FAIL
    assert result.reason == (
        "L'association « Les Amis du Lac » ne déclare aucun salarié : "
        "le DLA accompagne des structures employeuses."
    )


def test_undeclared_employees_ask_the_officer_to_check():
    result = check("employer", application(structure("Alpha", employees=None)))

    assert result.outcome == Outcome.WARNING
    assert result.reason == (
        "L'association « Alpha » n'a pas déclaré son nombre de salariés : à vérifier."
    )


def test_min_employees_is_a_parameter():
    facts = application(structure("Alpha", legal_form="cooperative", employees=2))

    assert check("employer", facts, min_employees=2).outcome == Outcome.PASS
    result = check("employer", facts, min_employees=3)
    assert result.outcome == Outcome.FAIL
    assert result.reason == (
        "La coopérative « Alpha » déclare 2 salariés ; l'appel en demande au moins 3."
    )


# Siège dans la région -----------------------------------------------------------------------


def test_departement_passes_inside_the_region():
    facts = application(
        structure("Alpha", departement="44"),
        structure("Beta", departement="85"),
        structure("Gamma", departement="44"),
    )

    result = check("departement", facts, departements=SEED_DEPARTEMENTS)

    assert result.outcome == Outcome.PASS
    assert result.reason == (
        "Sièges dans la région : Loire-Atlantique (44) pour « Alpha » et « Gamma », "
        "Vendée (85) pour « Beta »."
    )


@pytest.mark.parametrize(
    ("code", "shown_as"),
    [("35", "Ille-et-Vilaine (35)"), ("2a", "Corse-du-Sud (2A)"), ("99", "département 99")],
)
def test_a_structure_outside_the_region_fails_departement(code, shown_as):
    facts = application(structure("Alpha"), structure("Rennes Solidaire", departement=code))

    result = check("departement", facts, departements=SEED_DEPARTEMENTS)

    assert result.outcome == Outcome.FAIL
    assert result.reason == (
        f"L'association « Rennes Solidaire » a son siège hors des départements de l'appel : "
        f"{shown_as}."
    )


def test_an_unknown_departement_asks_the_officer_to_check():
    result = check(
        "departement", application(structure("Alpha", departement="")), departements=["44"]
    )

    assert result.outcome == Outcome.WARNING
    assert "« Alpha »" in result.reason


def test_departement_without_configured_departements_warns_instead_of_failing_everyone():
    result = check("departement", application())

    assert result.outcome == Outcome.WARNING
    assert "Aucun département éligible" in result.reason


# Envergure régionale ------------------------------------------------------------------------


def test_a_network_head_with_members_in_two_departements_passes_regional_scope():
    result = check("regional_scope", network_head_with_members_in_two_departements())

    assert result.outcome == Outcome.PASS
    assert "tête de réseau régionale" in result.reason.lower()
    assert "mutualisation entre ses adhérents" in result.reason


def test_unaffiliated_structures_in_several_departements_pass_regional_scope():
    facts = application(
        structure("Alpha", departement="44"),
        structure("Beta", departement="49"),
        structure("Gamma", departement="44"),
    )

    result = check("regional_scope", facts)

    assert result.outcome == Outcome.PASS
    assert result.reason == (
        "Structures implantées dans plusieurs départements : "
        "Loire-Atlantique (44) et Maine-et-Loire (49)."
    )


@pytest.mark.parametrize("declaration", ["", "   ", "Projet régional."])
def test_unaffiliated_structures_in_one_departement_without_a_regional_project_fail(declaration):
    facts = application(
        structure("Alpha"), structure("Beta"), regional_scope=declaration, kind="unaffiliated"
    )

    result = check("regional_scope", facts)

    assert result.outcome == Outcome.FAIL
    assert result.reason.startswith("Toutes les structures sont en Loire-Atlantique (44) et ")
    assert "envergure régionale" in result.reason


def test_unaffiliated_structures_in_one_departement_with_a_regional_project_pass_on_declaration():
    facts = application(structure("Alpha"), structure("Beta"), regional_scope=LONG_DECLARATION)

    result = check("regional_scope", facts)

    assert result.outcome == Outcome.PASS
    assert "Loire-Atlantique (44)" in result.reason
    assert "repose sur la déclaration" in result.reason
    assert "à confirmer" in result.reason


def test_min_text_length_is_a_parameter():
    facts = application(regional_scope="Projet régional.")

    assert check("regional_scope", facts, min_text_length=10).outcome == Outcome.PASS
    assert check("regional_scope", facts, min_text_length=30).outcome == Outcome.FAIL


def test_an_unknown_kind_of_application_warns():
    result = check("regional_scope", application(kind="autre"))

    assert result.outcome == Outcome.WARNING


# Plafond de structures ----------------------------------------------------------------------


def _structures(count: int) -> tuple[StructureFacts, ...]:
    return tuple(structure(f"Structure {n}") for n in range(1, count + 1))


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "La candidature compte 1 structure (au plus 5)."),
        (5, "La candidature compte 5 structures (au plus 5)."),
    ],
)
def test_cap_passes_up_to_the_cap(count, expected):
    result = check("cap", application(*_structures(count)), cap=5)

    assert result.outcome == Outcome.PASS
    assert result.reason == expected


def test_cap_exceeded_fails():
    result = check("cap", application(*_structures(6)), cap=5)

    assert result.outcome == Outcome.FAIL
    assert result.reason == "La candidature compte 6 structures ; l'appel en accompagne au plus 5."


# Pièces obligatoires ------------------------------------------------------------------------


def test_documents_pass_when_every_required_document_is_attached():
    result = check("documents", application(structure("Alpha"), structure("Beta")))

    assert result.outcome == Outcome.PASS


def test_missing_documents_are_listed_by_label_and_structure():
    facts = application(
        structure("Alpha", documents=frozenset({"comptes"})),
        structure("Beta", documents=frozenset()),
        structure("Gamma"),
        documents=frozenset(),
    )

    result = check("documents", facts)

    assert result.outcome == Outcome.FAIL
    assert result.reason == (
        "Pièces manquantes : Statuts (« Alpha », « Beta ») ; "
        "Derniers comptes approuvés (« Beta ») ; "
        "Lettre d'engagement commune (candidature)."
    )


def test_an_application_document_attached_to_a_structure_does_not_count():
    facts = application(
        structure("Alpha", documents=frozenset({"statuts", "comptes", "lettre"})),
        documents=frozenset(),
    )

    result = check("documents", facts)

    assert result.outcome == Outcome.FAIL
    assert "Lettre d'engagement commune (candidature)" in result.reason


def test_documents_pass_when_the_call_requires_none():
    facts = application(structure("Alpha", documents=frozenset()), required_documents=())

    assert check("documents", facts).outcome == Outcome.PASS


# Every structure rule on an application without structures ---------------------------------


@pytest.mark.parametrize("code", ["ess_status", "employer", "departement"])
def test_structure_rules_fail_without_structures(code):
    facts = dataclasses.replace(application(), structures=())

    result = check(code, facts, departements=SEED_DEPARTEMENTS)

    assert result.outcome == Outcome.FAIL
    assert result.reason == "La candidature ne compte aucune structure."


# evaluate, is_eligible, default_rules -------------------------------------------------------


def test_an_unknown_rule_warns_and_the_others_still_run_in_config_order():
    configs = [
        RuleConfig(code="cap", params={"cap": 5}),
        RuleConfig(code="siret_valide", params={}),
        RuleConfig(code="employer", params={}),
    ]

    results = evaluate(application(), configs)

    assert [r.code for r in results] == ["cap", "siret_valide", "employer"]
    unknown = results[1]
    assert unknown.outcome == Outcome.WARNING
    assert unknown.reason.startswith("Règle inconnue « siret_valide »")
    assert is_eligible(results)


@pytest.mark.parametrize(
    ("code", "params"),
    [("cap", {"cap": "cinq"}), ("employer", {"min_employees": None}), ("departement", {})],
)
def test_unusable_params_warn_instead_of_crashing(code, params):
    [result] = evaluate(application(), [RuleConfig(code=code, params=params)])

    assert result.outcome == Outcome.WARNING
    assert "paramétrée" in result.reason or "configuré" in result.reason


def test_missing_params_mean_the_defaults():
    [result] = evaluate(application(), [RuleConfig(code="cap", params=None)])

    assert result.outcome == Outcome.PASS
    assert result.reason == "La candidature compte 1 structure (au plus 5)."


def test_config_params_override_only_the_defaults_they_name():
    # "employer" without params uses min_employees=1 from the registry.
    assert check("employer", application(structure(employees=1))).outcome == Outcome.PASS


def test_default_rules_for_the_seed_call_give_the_six_rules():
    configs = default_rules(eligible_departements=SEED_DEPARTEMENTS, cap=5)

    assert [c.code for c in configs] == [
        "ess_status",
        "employer",
        "departement",
        "regional_scope",
        "cap",
        "documents",
    ]
    params = {c.code: c.params for c in configs}
    assert params["departement"] == {"departements": SEED_DEPARTEMENTS}
    assert params["cap"] == {"cap": 5}
    assert params["employer"] == {"min_employees": 1}
    assert params["regional_scope"] == {"min_text_length": 30}
    assert set(params["ess_status"]["accepted_forms"]) == {
        "association",
        "cooperative",
        "network_head",
        "esus_company",
    }


def test_default_rules_params_are_copies_of_the_registry_defaults():
    configs = default_rules(eligible_departements=["44"], cap=3)
    configs[0].params["accepted_forms"].append("other")

    assert "other" not in RULES["ess_status"].default_params["accepted_forms"]


def test_a_network_head_with_members_in_two_departements_is_eligible_under_the_seed_rules():
    results = evaluate(
        network_head_with_members_in_two_departements(),
        default_rules(eligible_departements=SEED_DEPARTEMENTS, cap=5),
    )

    assert [r.outcome for r in results] == [Outcome.PASS] * 6
    assert is_eligible(results)


def test_an_application_failing_several_rules_is_not_eligible():
    facts = application(
        structure("Alpha", employees=0),
        structure("Rennes Solidaire", departement="35", documents=frozenset()),
    )

    results = evaluate(facts, default_rules(eligible_departements=SEED_DEPARTEMENTS, cap=5))

    failing = {r.code for r in results if r.outcome == Outcome.FAIL}
    assert failing == {"employer", "departement", "documents"}
    assert not is_eligible(results)


def _result(outcome: Outcome) -> RuleResult:
    return RuleResult(code="x", label="X", outcome=outcome, reason="…")


@pytest.mark.parametrize(
    ("outcomes", "eligible"),
    [
        ([], True),
        ([Outcome.PASS, Outcome.PASS], True),
        ([Outcome.PASS, Outcome.WARNING], True),
        ([Outcome.PASS, Outcome.FAIL], False),
        ([Outcome.WARNING, Outcome.FAIL], False),
    ],
)
def test_is_eligible_means_no_failure(outcomes, eligible):
    assert is_eligible([_result(outcome) for outcome in outcomes]) is eligible


def test_every_rule_has_a_french_label_and_description():
    for code, rule in RULES.items():
        assert rule.code == code
        assert rule.label
        assert rule.description.endswith(".")
