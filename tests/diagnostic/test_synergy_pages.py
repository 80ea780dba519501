"""The synergy map and the decision aid fed by the saved self-diagnostics, and who sees them."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coopess.diagnostic.decision_aid import DEFAULT_RULES_PATH
from coopess.diagnostic.models import AidField, QuestionKind, SelfDiagnosticQuestion
from coopess.diagnostic.services.selfdiag import cohort_reading, questionnaire_setup
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.diagnostic.test_selfdiag import complete_post, fill_url

pytestmark = pytest.mark.django_db

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def setup():
    setup = make_cohort(applications=(1, 1), status="diagnostic")
    questionnaire_setup(call=setup.call)
    return setup


def answer(client, setup, structure, **overrides):
    sign_in(client, setup.person(structure))
    response = client.post(fill_url(structure), complete_post(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]


def officer_url(name, setup) -> str:
    return reverse(f"diagnostic:{name}", kwargs={"cohort_id": setup.cohort.pk})


def structure_url(name, structure) -> str:
    return reverse(f"diagnostic:{name}", kwargs={"structure_id": structure.pk})


MEDICO_SOCIAL_STAFF = {
    "essms": "yes",
    "emplois_partages": "yes",
    "autonomie": "yes",
    "integration": "faire_ensemble",
    "domaines__hr": "need",
    "domaines__services": "resource",
}


def test_medico_social_staff_sharing_ranks_groupings_above_merger(client, setup):
    a, b = setup.structures
    answer(client, setup, a, **MEDICO_SOCIAL_STAFF)
    answer(client, setup, b, **{**MEDICO_SOCIAL_STAFF, "domaines__hr": "resource"})
    sign_in(client, setup.officer)
    page = client.get(officer_url("decision_aid", setup))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Aide à la discussion, pas un avis juridique" in content
    gcsms = content.index("Groupement de coopération sociale et médico-sociale")
    group = content.index("Groupement d&#x27;employeurs")
    merger = content.index("Fusion ou apport partiel")
    assert gcsms < merger and group < merger
    shortlist = content[content.index("shortlist-title") : content.index("others-title")]
    assert "GCSMS" in shortlist and "Groupement d&#x27;employeurs" in shortlist
    assert "Entité juridique" in shortlist and "Réversibilité" in shortlist


def test_the_map_reads_complementarities_from_the_saved_answers(client, setup):
    a, b = setup.structures
    answer(client, setup, a, domaines__hr="need", domaines__it="pooled")
    answer(client, setup, b, domaines__hr="resource", domaines__admin="need")
    reading = cohort_reading(setup.cohort)
    hr = next(s for s in reading.synergy.domains if s.domain == "hr")
    assert hr.kind == "complementarity"
    assert hr.needs == (a.name,) and hr.resources == (b.name,)
    sign_in(client, setup.officer)
    content = client.get(officer_url("synergy", setup)).content.decode()
    assert f"le besoin de {a.name} rencontre la ressource de {b.name}" in content
    assert "Perdre notre identité." in content  # blocking points, by structure
    assert officer_url("synergy_svg", setup) in content


def test_a_questionnaire_with_other_codes_still_feeds_the_map(client):
    setup = make_cohort(applications=(1, 1), status="diagnostic")
    for position, (code, kind, feeds) in enumerate(
        [
            ("matrice", QuestionKind.DOMAINS, AidField.SHARED_DOMAINS),
            ("ou_aller", QuestionKind.INTEGRATION, AidField.WANTS_INTEGRATION),
            ("medico", QuestionKind.YES_NO, AidField.SECTOR_MEDICO_SOCIAL),
            ("salaries", QuestionKind.YES_NO, AidField.SHARE_STAFF),
            ("freins", QuestionKind.TEXT, AidField.BLOCKING_POINTS),
            # same kind as « medico » but feeds nothing: must not count
            ("ehpad_voisin", QuestionKind.YES_NO, AidField.NONE),
        ]
    ):
        SelfDiagnosticQuestion.objects.create(
            call=setup.call,
            position=position,
            code=code,
            label=code,
            kind=kind,
            feeds=feeds,
            required=False,
        )
    a, b = setup.structures
    for structure, hr in ((a, "need"), (b, "resource")):
        sign_in(client, setup.person(structure))
        response = client.post(
            fill_url(structure),
            {
                "matrice__hr": hr,
                "ou_aller": "faire_ensemble",
                "medico": "no",
                "ehpad_voisin": "yes",
                "salaries": "yes",
                "freins": f"Frein de {structure.name}",
                "action": "send",
            },
        )
        assert response.status_code == 302
    reading = cohort_reading(setup.cohort)
    hr = next(s for s in reading.synergy.domains if s.domain == "hr")
    assert hr.kind == "complementarity"
    answers = [r.aid_answers() for r in reading.readings]
    assert all(x.share_staff and not x.sector_medico_social for x in answers)
    assert all(x.shared_domains == frozenset({"hr"}) for x in answers)
    assert reading.readings[0].blocking_points == [("freins", f"Frein de {a.name}")]


def test_only_submitted_answers_count(client, setup):
    a, b = setup.structures
    answer(client, setup, a)
    sign_in(client, setup.person(b))
    client.post(fill_url(b), {"domaines__hr": "resource", "action": "draft"})
    reading = cohort_reading(setup.cohort)
    assert [r.structure for r in reading.readings] == [a]
    assert reading.pending == [b]


def test_svg_is_well_formed_accessible_and_escapes_names(client, setup):
    a, b = setup.structures
    a.name = 'Asso <"Les Amis"> & Cie'
    a.save(update_fields=["name"])
    answer(client, setup, a)
    answer(client, setup, b, domaines__hr="resource")
    sign_in(client, setup.officer)
    response = client.get(officer_url("synergy_svg", setup))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text.startswith("Carte des synergies")
    texts = "".join(root.itertext())
    assert 'Asso <"Les Amis"> & Cie' in texts  # escaped in the XML, read back intact
    assert b'<"Les Amis">' not in response.content
    # a representative of the cohort gets the same image from their own URL
    sign_in(client, setup.person(b))
    mine = client.get(structure_url("structure_synergy_svg", b))
    assert mine.status_code == 200
    ET.fromstring(mine.content)


def test_representatives_see_their_cohort_map_but_not_the_others_free_texts(client, setup):
    a, b = setup.structures
    answer(client, setup, a, craintes="Secret de A : la trésorerie")
    answer(client, setup, b, craintes="Crainte de B")
    sign_in(client, setup.person(b))
    page = client.get(structure_url("structure_synergy", b))
    assert page.status_code == 200
    content = page.content.decode()
    assert a.name in content  # the map is shared by the cohort
    assert "Crainte de B" in content
    assert "Secret de A" not in content
    aid = client.get(structure_url("structure_decision_aid", b)).content.decode()
    assert "pas un avis juridique" in aid
    assert "Secret de A" not in aid
    # the other structure's own pages stay closed
    assert client.get(structure_url("structure_synergy", a)).status_code == 404
    assert client.get(fill_url(a)).status_code == 404


def test_a_representative_never_sees_another_cohort_map(client, setup):
    other = make_cohort(setup.call, applications=(1,), seed=9, status="diagnostic")
    outsider = other.structures[0]
    sign_in(client, other.person(outsider))
    for name in ("structure_synergy", "structure_synergy_svg", "structure_decision_aid"):
        for structure in setup.structures:
            assert client.get(structure_url(name, structure)).status_code == 404
    for name in ("synergy", "synergy_svg", "decision_aid"):
        assert client.get(officer_url(name, setup)).status_code == 404
    # an officer of the cohort's DLA, yes; the matrix covers officers of other DLAs
    sign_in(client, setup.officer)
    assert client.get(officer_url("synergy", setup)).status_code == 200


def test_changing_the_rules_file_changes_the_page(client, setup, settings, tmp_path):
    a, b = setup.structures
    answer(client, setup, a, **MEDICO_SOCIAL_STAFF)
    answer(client, setup, b, **MEDICO_SOCIAL_STAFF)
    sign_in(client, setup.officer)
    before = client.get(officer_url("decision_aid", setup)).content.decode()
    shortlist = before[before.index("shortlist-title") : before.index("others-title")]
    assert "Fusion ou apport partiel" not in shortlist
    rules = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    merger = next(form for form in rules["forms"] if form["code"] == "merger")
    merger["label"] = "Fusion (règle locale)"
    merger["conditions"] = []
    merger["integration"] = "faire_ensemble"
    merger["criteria"].append(
        {
            "when": {"field": "share_staff", "equals": True, "share": "all"},
            "points": 50,
            "why": "Règle locale : le personnel partagé appelle la fusion ({names}).",
        }
    )
    path = tmp_path / "regles.json"
    path.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    settings.COOPESS_COOPERATION_RULES = str(path)
    after = client.get(officer_url("decision_aid", setup)).content.decode()
    shortlist = after[after.index("shortlist-title") : after.index("others-title")]
    assert shortlist.index("Fusion (règle locale)") < shortlist.index("GCSMS")
    assert "Règle locale : le personnel partagé appelle la fusion" in after
    # an invalid file is named on the page instead of a crash
    path.write_text('{"forms": []}', encoding="utf-8")
    broken = client.get(officer_url("decision_aid", setup))
    assert broken.status_code == 200
    assert "Le fichier de règles de l'aide à la décision est invalide" in broken.content.decode()


def test_empty_map_and_aid_before_any_answer(client, setup):
    sign_in(client, setup.officer)
    assert "la carte se remplira" in client.get(officer_url("synergy", setup)).content.decode()
    assert (
        "le classement apparaîtra"
        in client.get(officer_url("decision_aid", setup)).content.decode()
    )
    root = ET.fromstring(client.get(officer_url("synergy_svg", setup)).content)
    assert root.get("role") == "img"


@pytest.mark.parametrize("name", ["synergy", "decision_aid", "synergy_svg"])
def test_map_pages_queries_do_not_grow_with_structures(client, name):
    small = make_cohort(applications=(1,), seed=1, status="diagnostic")
    questionnaire_setup(call=small.call)
    large = make_cohort(small.call, applications=(2, 2, 1), seed=2, status="diagnostic")
    counts = []
    for setup in (small, large):
        for structure in setup.structures:
            answer(client, setup, structure, domaines__hr="need")
        sign_in(client, setup.officer)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(officer_url(name, setup))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts


def test_every_page_renders_without_undefined_variables(client, setup, assert_no_invalid_variables):
    from coopess.diagnostic.services import workshop as workshop_services

    a, b = setup.structures
    answer(client, setup, a, **MEDICO_SOCIAL_STAFF)
    start = timezone.now() + dt.timedelta(days=3)
    workshop_services.workshop_schedule(
        cohort=setup.cohort,
        by=setup.officer,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        mode="remote",
        link="https://visio.example.org/a",
        agenda="- Point 1",
    )
    workshop_services.action_add(
        cohort=setup.cohort, by=setup.officer, action="Action", structures=[a]
    )
    sign_in(client, setup.officer)
    for name in ("cohort", "synergy", "decision_aid", "workshop", "action_add"):
        response = client.get(officer_url(name, setup))
        assert response.status_code == 200, name
        assert_no_invalid_variables(response)
    response = client.get(
        reverse(
            "diagnostic:selfdiag_answers",
            kwargs={"cohort_id": setup.cohort.pk, "structure_id": a.pk},
        )
    )
    assert_no_invalid_variables(response)
    sign_in(client, setup.person(b))
    for name in (
        "structure",
        "selfdiag_fill",
        "structure_synergy",
        "structure_decision_aid",
        "structure_workshop",
    ):
        response = client.get(structure_url(name, b))
        assert response.status_code == 200, name
        assert_no_invalid_variables(response)
