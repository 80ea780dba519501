"""The cohort's synergy map: complementarities, shared needs, pooled domains, the SVG heat map
and the accessible table."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.template.loader import render_to_string

from coopess.applications.choices import SharingDomain
from coopess.diagnostic import synergy as synergy_module
from coopess.diagnostic.synergy import (
    DOMAINS,
    FILLS,
    TEXT_COLOUR,
    Position,
    StructureDiagnostic,
    heat_map_svg,
    synergy_map,
)
from tests.conftest import INVALID_MARKER

SVG = "{http://www.w3.org/2000/svg}"
N, R, P, X = Position.NEED, Position.RESOURCE, Position.POOLED, Position.NOT_RELEVANT


def cohort():
    return [
        StructureDiagnostic("A", {"hr": N, "it": N, "premises": X}),
        StructureDiagnostic("B", {"hr": R, "it": N}),
        StructureDiagnostic("C", {"premises": P, "hr": N}),
    ]


@pytest.fixture
def cohort_map():
    return synergy_map(cohort())


def summary(smap, code):
    return next(s for s in smap.domains if s.domain == code)


# --- the map ------------------------------------------------------------------------------------


def test_domains_are_the_sharing_domains():
    assert list(SharingDomain.choices) == DOMAINS


def test_complementarity_with_matches(cohort_map):
    hr = summary(cohort_map, "hr")
    assert hr.kind == "complementarity"
    assert hr.needs == ("A", "C") and hr.resources == ("B",) and hr.pooled == ()
    assert hr.sentence == (
        "Ressources humaines et emplois partagés : le besoin de A et C rencontre la ressource de B."
    )
    assert cohort_map.cells[("hr", "A")].matches == ("B",)
    assert cohort_map.cells[("hr", "B")].matches == ("A", "C")
    assert cohort_map.cells[("hr", "A")].matches_text == "rencontre la ressource de B"
    assert cohort_map.cells[("hr", "B")].matches_text == "répond aux besoins de A et C"


def test_shared_need(cohort_map):
    it = summary(cohort_map, "it")
    assert it.kind == "shared_need"
    assert it.needs == ("A", "B") and it.resources == ()
    assert "besoin partagé par A et B" in it.sentence
    assert cohort_map.cells[("it", "A")].matches == ()


def test_pooled(cohort_map):
    premises = summary(cohort_map, "premises")
    assert premises.kind == "pooled"
    assert premises.pooled == ("C",)
    assert premises.sentence == "Locaux : déjà mutualisé par C."
    assert cohort_map.cells[("premises", "A")].position == Position.NOT_RELEVANT
    assert cohort_map.cells[("premises", "B")].position is None


def test_cells_cover_the_matrix(cohort_map):
    assert cohort_map.structures == ("A", "B", "C")
    assert len(cohort_map.cells) == 3 * len(DOMAINS)
    assert len(cohort_map.domains) == len(DOMAINS)


def test_intensity_and_ordering(cohort_map):
    # hr: 2 needs × 1 resource + 2×2 shared needs = 6; it: 0 + 2×2 = 4; premises: 1 pooled.
    assert cohort_map.intensity["hr"] == 6
    assert cohort_map.intensity["it"] == 4
    assert cohort_map.intensity["premises"] == 1
    order = [s.domain for s in cohort_map.domains]
    assert order[:3] == ["hr", "it", "premises"]
    # The rest: nothing relevant, kind "none", in SharingDomain order.
    rest = [code for code, _ in DOMAINS if code not in {"hr", "it", "premises"}]
    assert order[3:] == rest
    assert all(s.kind == "none" for s in cohort_map.domains[3:])


def test_ties_follow_sharing_domain_order_and_none_goes_last():
    smap = synergy_map(
        [
            StructureDiagnostic("A", {"training": N, "admin": N, "other": P, "equipment": N}),
            StructureDiagnostic("B", {"training": R, "admin": R, "purchasing": X}),
        ]
    )
    order = [s.domain for s in smap.domains]
    assert order[:3] == ["admin", "training", "other"]  # 1, 1 (admin first), then pooled 1
    # A lone need scores 0 and is not a synergy.
    assert summary(smap, "equipment").kind == "none"
    assert "sans ressource identifiée" in summary(smap, "equipment").sentence
    assert summary(smap, "purchasing").sentence.endswith("aucune synergie identifiée.")


def test_positions_as_strings_and_unknown_domains():
    smap = synergy_map([StructureDiagnostic("A", {"hr": "need", "nonsense": "need"})])
    assert smap.cells[("hr", "A")].position is Position.NEED
    assert "nonsense" not in smap.intensity


def test_duplicate_names_are_refused():
    with pytest.raises(ValueError):
        synergy_map([StructureDiagnostic("A", {}), StructureDiagnostic("A", {})])


def test_empty_input_gives_an_empty_map():
    smap = synergy_map([])
    assert smap.structures == () and smap.domains == ()
    assert smap.cells == {} and smap.intensity == {}


# --- the SVG heat map ---------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_svg_structure(cohort_map):
    svg = heat_map_svg(cohort_map)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Carte des synergies"
    assert desc is not None and "le besoin de A et C rencontre la ressource de B" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert len(cells) == len(DOMAINS) * 3
    # Every cell carries a symbol, not only a colour.
    texts = [t.text for g in root.iter(f"{SVG}g") for t in g.findall(f"{SVG}text")]
    assert len(texts) == len(cells) and all(texts)
    assert {"B", "R", "M", "—", "?"} <= set(texts)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == 3  # hr, it, premises have an intensity
    assert "Légende" in svg and "déjà mutualisé" in svg
    # Sized from the matrix.
    assert int(root.get("height")) > len(DOMAINS) * 28
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


def test_svg_is_self_contained(cohort_map):
    svg = heat_map_svg(cohort_map)
    assert "<script" not in svg.lower()
    assert not re.search(r"\son\w+\s*=", svg, re.IGNORECASE)
    assert "href" not in svg and "url(" not in svg
    for element in parse(svg).iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)


def test_svg_escapes_names():
    evil = '<script>alert("x")</script> & Cie'
    smap = synergy_map(
        [StructureDiagnostic(evil, {"hr": N}), StructureDiagnostic("Tom & Jerry", {"hr": R})]
    )
    svg = heat_map_svg(smap, title="Cohorte <b> & co")
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "Tom &amp; Jerry" in svg
    root = parse(svg)
    columns = [t for t in root.iter(f"{SVG}text") if t.get("class") == "column"]
    assert [c.find(f"{SVG}title").text for c in columns] == [evil, "Tom & Jerry"]
    assert root.find(f"{SVG}title").text == "Cohorte <b> & co"


def test_svg_truncates_long_names_and_drops_control_characters():
    long_name = "Association intercommunale d'aide à domicile\x00 du Val"
    svg = heat_map_svg(synergy_map([StructureDiagnostic(long_name, {"it": P})]))
    root = parse(svg)
    column = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "column")
    shown = "".join(column.itertext()).replace(column.find(f"{SVG}title").text, "")
    assert shown.endswith("…") and len(shown) <= 13
    assert column.find(f"{SVG}title").text.startswith("Association intercommunale")


def test_svg_grows_with_columns():
    one = parse(heat_map_svg(synergy_map([StructureDiagnostic(f"S{i}", {}) for i in range(1)])))
    five = parse(heat_map_svg(synergy_map([StructureDiagnostic(f"S{i}", {}) for i in range(5)])))
    assert int(five.get("width")) > int(one.get("width"))


def test_svg_empty_map():
    root = parse(heat_map_svg(synergy_map([])))
    assert root.get("role") == "img"
    assert "Aucune structure" in root.find(f"{SVG}desc").text
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert any("rien à afficher" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_ids_are_prefixed():
    root = parse(heat_map_svg(synergy_map([]), id_prefix="cohorte 2"))
    assert root.find(f"{SVG}title").get("id") == "cohorte-2-title"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("position", list(FILLS))
def test_cell_colours_meet_wcag_contrast(position):
    light, dark = _luminance(FILLS[position]), _luminance(TEXT_COLOUR)
    assert (light + 0.05) / (dark + 0.05) >= 7


def test_distinct_fills_and_symbols():
    assert len(set(FILLS.values())) == len(FILLS)
    assert len(set(synergy_module.SYMBOLS.values())) == len(synergy_module.SYMBOLS)


# --- the accessible table -----------------------------------------------------------------------


@pytest.fixture
def templates(settings):
    """Find the partial even while ``coopess.diagnostic`` is not yet in INSTALLED_APPS."""
    if not apps.is_installed("coopess.diagnostic"):
        folder = Path(synergy_module.__file__).parent / "templates"
        engines = copy.deepcopy(settings.TEMPLATES)
        engines[0]["DIRS"] = [*engines[0]["DIRS"], folder]
        settings.TEMPLATES = engines


class TableParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def render(smap) -> str:
    return render_to_string("diagnostic/_partials/synergy_table.html", {"synergy": smap})


def test_table_renders(templates, cohort_map):
    html = render(cohort_map)
    assert INVALID_MARKER not in html
    parser = TableParser()
    parser.feed(html)
    tags = parser.tags
    assert [t for t, _ in tags].count("caption") == 1
    cols = [a for t, a in tags if t == "th" and a.get("scope") == "col"]
    rows = [a for t, a in tags if t == "th" and a.get("scope") == "row"]
    assert len(cols) == 3 + 2  # domain, A, B, C, summary
    assert len(rows) == len(DOMAINS)
    assert [t for t, _ in tags].count("tr") == len(DOMAINS) + 1
    assert [t for t, _ in tags].count("td") == len(DOMAINS) * 4
    for word in ("besoin", "ressource", "déjà mutualisé", "sans objet", "non renseigné"):
        assert word in html
    assert "besoin, rencontre la ressource de B" in html
    assert "ressource, répond aux besoins de A et C" in html
    assert "Locaux : déjà mutualisé par C." in html
    assert "<script" not in html and "style=" not in html
    # Rows follow the map's order.
    assert html.index("Systèmes d&#x27;information") < html.index("Locaux")


def test_table_escapes_names(templates):
    smap = synergy_map(
        [
            StructureDiagnostic("<script>x</script>", {"hr": N}),
            StructureDiagnostic("Tom & Jerry", {"hr": R}),
        ]
    )
    html = render(smap)
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Tom &amp; Jerry" in html


def test_table_empty(templates):
    html = render(synergy_map([]))
    assert "<table" not in html and "carte des synergies est vide" in html
    assert INVALID_MARKER not in html
