"""Synergy map of a cohort's « diagnostic partagé » (pure Python, no database).

Each structure of a collective support (up to five) says, for every sharing domain, whether
it is a need, a resource it can share, something already pooled or not relevant. From those
answers :func:`synergy_map` builds a domain × structure matrix: complementarities (one's need
meets another's resource), shared needs, already pooled domains. :func:`heat_map_svg` draws it
as a standalone, printable SVG (no script, no external resource) and the template
``diagnostic/_partials/synergy_table.html`` renders it as an accessible table.

Intensity of a domain (the heat-map score and the main sort key)::

    intensity = needs × resources          # every need/resource pair is a complementarity
              + 2 × needs  if needs ≥ 2    # a need shared by several structures
              + pooled                     # structures already pooling the domain

A domain nobody has a need or resource for and nobody pools scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from xml.sax.saxutils import escape

from coopess.applications.choices import SharingDomain


class Position(StrEnum):
    NEED = "need"
    RESOURCE = "resource"
    POOLED = "pooled"
    NOT_RELEVANT = "not_relevant"


DOMAINS: list[tuple[str, str]] = list(SharingDomain.choices)
_DOMAIN_LABELS = dict(DOMAINS)
_DOMAIN_ORDER = {code: index for index, (code, _label) in enumerate(DOMAINS)}

POSITION_WORDS: dict[Position | None, str] = {
    Position.NEED: "besoin",
    Position.RESOURCE: "ressource",
    Position.POOLED: "déjà mutualisé",
    Position.NOT_RELEVANT: "sans objet",
    None: "non renseigné",
}

KINDS = ("complementarity", "shared_need", "pooled", "none")


@dataclass(frozen=True)
class StructureDiagnostic:
    name: str
    positions: dict[str, Position]  # domain code -> position (missing = not answered)


@dataclass(frozen=True)
class Cell:
    domain: str
    structure: str
    position: Position | None
    # Names of the structures whose resource meets this need (or whose need this resource meets).
    matches: tuple[str, ...]

    @property
    def position_label(self) -> str:
        return POSITION_WORDS[self.position]

    @property
    def matches_text(self) -> str:
        """« rencontre la ressource de C » / « répond au besoin de A », or ""."""
        if not self.matches:
            return ""
        names = join_names(self.matches)
        if self.position == Position.NEED:
            if len(self.matches) == 1:
                return f"rencontre la ressource de {names}"
            return f"rencontre les ressources de {names}"
        if len(self.matches) == 1:
            return f"répond au besoin de {names}"
        return f"répond aux besoins de {names}"


@dataclass(frozen=True)
class DomainSummary:
    domain: str
    label: str
    needs: tuple[str, ...]
    resources: tuple[str, ...]
    pooled: tuple[str, ...]
    kind: str  # "complementarity" | "shared_need" | "pooled" | "none"
    sentence: str


@dataclass(frozen=True)
class SynergyMap:
    structures: tuple[str, ...]
    domains: tuple[DomainSummary, ...]  # by intensity desc, then SharingDomain order; "none" last
    cells: dict[tuple[str, str], Cell]  # (domain code, structure name) -> cell
    intensity: dict[str, int]  # domain code -> score (see the module docstring)

    @property
    def rows(self) -> tuple[tuple[DomainSummary, tuple[Cell, ...]], ...]:
        """Each domain with its cells in structure order (templates cannot index by tuple)."""
        return tuple(
            (summary, tuple(self.cells[(summary.domain, name)] for name in self.structures))
            for summary in self.domains
        )

    @property
    def max_intensity(self) -> int:
        return max(self.intensity.values(), default=0)


def join_names(names: Iterable[str]) -> str:
    """« A », « A et B », « A, B et C »."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} et {names[-1]}"


def intensity_score(needs: int, resources: int, pooled: int) -> int:
    return needs * resources + (2 * needs if needs >= 2 else 0) + pooled


def _kind(needs: tuple[str, ...], resources: tuple[str, ...], pooled: tuple[str, ...]) -> str:
    if needs and resources:
        return "complementarity"
    if len(needs) >= 2:
        return "shared_need"
    if pooled:
        return "pooled"
    return "none"


def _sentence(
    label: str, needs: tuple[str, ...], resources: tuple[str, ...], pooled: tuple[str, ...]
) -> str:
    parts: list[str] = []
    if needs and resources:
        resource_word = "la ressource" if len(resources) == 1 else "les ressources"
        parts.append(
            f"le besoin de {join_names(needs)} rencontre {resource_word} de {join_names(resources)}"
        )
    elif len(needs) >= 2:
        parts.append(
            f"besoin partagé par {join_names(needs)}, sans ressource identifiée dans la cohorte"
        )
    elif needs:
        parts.append(f"besoin de {join_names(needs)}, sans ressource identifiée dans la cohorte")
    elif resources:
        resource_word = "ressource" if len(resources) == 1 else "ressources"
        parts.append(
            f"{resource_word} de {join_names(resources)}, sans besoin exprimé dans la cohorte"
        )
    if pooled:
        parts.append(f"déjà mutualisé par {join_names(pooled)}")
    if not parts:
        return f"{label} : aucune synergie identifiée."
    text = " ; ".join(parts)
    return f"{label} : {text}."


def synergy_map(diagnostics: list[StructureDiagnostic]) -> SynergyMap:
    """Build the cohort's synergy map. Structure names must be unique; unknown domain codes are
    ignored; positions may be given as :class:`Position` or their string values."""
    names = tuple(diagnostic.name for diagnostic in diagnostics)
    if len(set(names)) != len(names):
        raise ValueError("Deux structures du diagnostic portent le même nom.")
    if not diagnostics:
        return SynergyMap(structures=(), domains=(), cells={}, intensity={})

    answers: dict[str, dict[str, Position]] = {
        diagnostic.name: {
            code: Position(value)
            for code, value in diagnostic.positions.items()
            if code in _DOMAIN_LABELS and value is not None
        }
        for diagnostic in diagnostics
    }

    summaries: list[DomainSummary] = []
    cells: dict[tuple[str, str], Cell] = {}
    intensity: dict[str, int] = {}
    for code, label in DOMAINS:

        def having(position: Position, code: str = code) -> tuple[str, ...]:
            return tuple(name for name in names if answers[name].get(code) == position)

        needs, resources, pooled = (
            having(Position.NEED),
            having(Position.RESOURCE),
            having(Position.POOLED),
        )
        intensity[code] = intensity_score(len(needs), len(resources), len(pooled))
        summaries.append(
            DomainSummary(
                domain=code,
                label=label,
                needs=needs,
                resources=resources,
                pooled=pooled,
                kind=_kind(needs, resources, pooled),
                sentence=_sentence(label, needs, resources, pooled),
            )
        )
        for name in names:
            position = answers[name].get(code)
            if position == Position.NEED:
                matches = resources
            elif position == Position.RESOURCE:
                matches = needs
            else:
                matches = ()
            cells[(code, name)] = Cell(
                domain=code, structure=name, position=position, matches=matches
            )

    summaries.sort(key=lambda s: (s.kind == "none", -intensity[s.domain], _DOMAIN_ORDER[s.domain]))
    return SynergyMap(structures=names, domains=tuple(summaries), cells=cells, intensity=intensity)


# --- SVG heat map -------------------------------------------------------------------------------

TEXT_COLOUR = "#161616"
# Light fills: every one gives the dark cell text a contrast ratio above 7:1 (WCAG AAA).
FILLS: dict[Position | None, str] = {
    Position.NEED: "#FFC9A8",  # orange
    Position.RESOURCE: "#B4E3C0",  # green
    Position.POOLED: "#BCD0F5",  # blue
    Position.NOT_RELEVANT: "#E3E3E3",  # grey
    None: "#FFFFFF",  # white, dashed border
}
SYMBOLS: dict[Position | None, str] = {
    Position.NEED: "B",
    Position.RESOURCE: "R",
    Position.POOLED: "M",
    Position.NOT_RELEVANT: "—",
    None: "?",
}
BORDER_COLOUR = "#595959"
BAR_COLOUR = "#2F3C8C"

_PAD = 16
_CHAR_W = 7  # generous estimate of one character's width at 12 px, sans-serif
_COL_W = 104
_ROW_H = 28
_HEADER_H = 40
_TITLE_H = 32
_BAR_W = 96
_LEGEND_ROW_H = 22
_NAME_MAX = 13  # characters shown in a column header before the ellipsis
_FONT = "font-family=\"'Marianne', Arial, Helvetica, sans-serif\""

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters pasted in a name)."""
    return _XML_INVALID.sub("", text)


def _text(text: str) -> str:
    return escape(_clean(text))


def truncate(text: str, limit: int = _NAME_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def svg_description(synergy: SynergyMap) -> str:
    """French text alternative: who the structures are and every synergy found."""
    if not synergy.structures:
        return "Aucune structure : rien à afficher dans la carte des synergies."
    count = len(synergy.structures)
    intro = (
        f"Carte des synergies de {count} structure{'s' if count > 1 else ''} "
        f"({join_names(synergy.structures)}) sur {len(synergy.domains)} domaines de partage."
    )
    groups = (
        ("complementarity", "Complémentarités"),
        ("shared_need", "Besoins partagés"),
        ("pooled", "Déjà mutualisé"),
    )
    parts = [intro]
    for kind, heading in groups:
        sentences = [s.sentence for s in synergy.domains if s.kind == kind]
        if sentences:
            parts.append(f"{heading} : {' '.join(sentences)}")
    if len(parts) == 1:
        parts.append("Aucune synergie identifiée.")
    return " ".join(parts)


def heat_map_svg(
    synergy: SynergyMap, *, title: str = "Carte des synergies", id_prefix: str = "synergies"
) -> str:
    """A standalone SVG heat map: rows = domains, columns = structures, a symbol in every cell
    (colour is never the only cue), an intensity bar per row, a legend, a title and a French
    description for assistive technologies. ``id_prefix`` keeps ids unique on a page."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix) or "synergies"
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    n_rows, n_cols = len(synergy.domains), len(synergy.structures)
    label_w = max((len(s.label) for s in synergy.domains), default=0) * _CHAR_W + 12
    grid_x = _PAD + label_w
    grid_y = _PAD + _TITLE_H + _HEADER_H
    bar_x = grid_x + n_cols * _COL_W + 16
    legend_y = grid_y + n_rows * _ROW_H + 24
    legend_items = [*FILLS.keys()]
    width = max(bar_x + _BAR_W + 40 + _PAD, 560, len(title) * 9 + 2 * _PAD)
    if n_cols:
        height = legend_y + 12 + (len(legend_items) + 2) * _LEGEND_ROW_H + _PAD
    else:
        height = _PAD + _TITLE_H + 48 + _PAD

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{title_id} {desc_id}" '
        f'{_FONT} font-size="12" fill="{TEXT_COLOUR}">',
        f'<title id="{title_id}">{_text(title)}</title>',
        f'<desc id="{desc_id}">{_text(svg_description(synergy))}</desc>',
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>',
        f'<text x="{_PAD}" y="{_PAD + 18}" font-size="16" font-weight="bold">{_text(title)}</text>',
    ]
    if not n_cols:
        out.append(
            f'<text class="empty" x="{_PAD}" y="{_PAD + _TITLE_H + 24}">'
            "Aucune structure : rien à afficher.</text>"
        )
        out.append("</svg>")
        return "\n".join(out)

    # Column headers: truncated names, the full name in a <title> child.
    for index, name in enumerate(synergy.structures):
        cx = grid_x + index * _COL_W + _COL_W // 2
        out.append(
            f'<text class="column" x="{cx}" y="{grid_y - 12}" text-anchor="middle" '
            f'font-weight="bold"><title>{_text(name)}</title>{_text(truncate(name))}</text>'
        )
    out.append(f'<text x="{bar_x}" y="{grid_y - 12}" font-weight="bold">Intensité</text>')

    top = synergy.max_intensity or 1
    for row, (summary, cells) in enumerate(synergy.rows):
        y = grid_y + row * _ROW_H
        mid = y + _ROW_H // 2 + 4
        out.append(
            f'<text class="row" x="{grid_x - 8}" y="{mid}" text-anchor="end">'
            f"{_text(summary.label)}</text>"
        )
        for col, cell in enumerate(cells):
            x = grid_x + col * _COL_W
            dashed = ' stroke-dasharray="4 3"' if cell.position is None else ""
            stroke_w = 3 if cell.matches else 1
            tooltip = f"{cell.structure} — {summary.label} : {cell.position_label}"
            if cell.matches_text:
                tooltip += f", {cell.matches_text}"
            out.append(
                f"<g><title>{_text(tooltip)}</title>"
                f'<rect class="cell" x="{x + 1}" y="{y + 1}" width="{_COL_W - 2}" '
                f'height="{_ROW_H - 2}" fill="{FILLS[cell.position]}" stroke="{BORDER_COLOUR}" '
                f'stroke-width="{stroke_w}"{dashed}/>'
                f'<text x="{x + _COL_W // 2}" y="{mid}" text-anchor="middle" '
                f'font-weight="bold">{SYMBOLS[cell.position]}</text></g>'
            )
        score = synergy.intensity[summary.domain]
        bar_w = round(_BAR_W * score / top)
        if bar_w:
            out.append(
                f'<rect class="bar" x="{bar_x}" y="{y + 7}" width="{bar_w}" '
                f'height="{_ROW_H - 14}" fill="{BAR_COLOUR}"/>'
            )
        out.append(f'<text class="score" x="{bar_x + bar_w + 6}" y="{mid}">{score}</text>')

    # Legend.
    out.append(f'<text x="{_PAD}" y="{legend_y + 4}" font-weight="bold">Légende</text>')
    for index, position in enumerate(legend_items):
        y = legend_y + 12 + index * _LEGEND_ROW_H
        dashed = ' stroke-dasharray="4 3"' if position is None else ""
        out.append(
            f'<rect class="legend" x="{_PAD}" y="{y}" width="28" height="18" '
            f'fill="{FILLS[position]}" stroke="{BORDER_COLOUR}"{dashed}/>'
            f'<text x="{_PAD + 14}" y="{y + 13}" text-anchor="middle" font-weight="bold">'
            f"{SYMBOLS[position]}</text>"
            f'<text x="{_PAD + 38}" y="{y + 13}">{POSITION_WORDS[position]}</text>'
        )
    y = legend_y + 12 + len(legend_items) * _LEGEND_ROW_H
    out.append(
        f'<rect class="legend" x="{_PAD}" y="{y}" width="28" height="18" fill="#FFFFFF" '
        f'stroke="{BORDER_COLOUR}" stroke-width="3"/>'
        f'<text x="{_PAD + 38}" y="{y + 13}">bordure épaisse : complémentarité '
        "(un besoin rencontre une ressource)</text>"
    )
    y += _LEGEND_ROW_H
    out.append(
        f'<rect class="legend" x="{_PAD}" y="{y + 4}" width="28" height="10" '
        f'fill="{BAR_COLOUR}"/>'
        f'<text x="{_PAD + 38}" y="{y + 13}">barre : intensité des synergies du domaine</text>'
    )
    out.append("</svg>")
    return "\n".join(out)
