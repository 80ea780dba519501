"""Indicators of the accompanied structures and their jobs: counts and breakdowns by legal form,
kind, theme, département, sector, staff band and maturity, and the jobs (staff, FTE)
concerned.
"""

from __future__ import annotations

from coopess.applications.choices import LegalForm
from coopess.calls.models import ApplicationKind
from coopess.reporting.aggregates import (
    DEPARTEMENT_GROUPS,
    OTHER_DEPARTEMENTS,
    REGION_DEPARTEMENTS,
    UNKNOWN,
    naf_sections,
    staff_band_list,
    stage_labels,
    structure_counts,
    themes,
    total_row,
)
from coopess.reporting.registry import indicator
from coopess.reporting.scope import Scope
from coopess.reporting.tables import Column, Kind, Row, Table
from coopess.structures.geography import departement_name

# --- Accompanied structures --------------------------------------------------------------------

C_ACCOMPANIED = Column("structures", "Structures accompagnées")


def _breakdown_rows(
    counts: dict, prefix: str, choices, *, keep_zero: bool = True, key_by_label: bool = False
) -> list[Row]:
    """One row per ``(value, label)`` of ``choices`` read from ``counts[f"{prefix}_{value}"]``,
    then the structures in none of them (« Non renseigné »). Categories counted by position
    (stages, themes: their labels come from the calls) are keyed by label."""
    rows = [
        Row(label if key_by_label else value, label, {"structures": counts[f"{prefix}_{value}"]})
        for value, label in choices
        if keep_zero or counts[f"{prefix}_{value}"]
    ]
    unknown = counts["structures"] - sum(counts[f"{prefix}_{value}"] for value, _ in choices)
    if unknown:
        rows.append(Row("unknown", UNKNOWN, {"structures": unknown}))
    return rows


def _structures_table(rows: list[Row], category: str) -> Table:
    return Table(
        columns=[C_ACCOMPANIED],
        rows=rows,
        category=category,
        partition=True,
        total=total_row(rows) if rows else None,
    )


@indicator(
    code="structures_accompagnees",
    section="structures",
    label="Structures accompagnées",
    definition=(
        "Structures (cheffes de file et partenaires) des candidatures entrées dans une cohorte "
        "pendant la période, nombre de ces candidatures (projets) et de cohortes concernées."
    ),
    sheet="Structures accompagnées",
)
def accompanied(scope: Scope) -> Table:
    counts = structure_counts(scope)
    return Table(
        columns=[Column("n", "Nombre")],
        rows=[
            Row("structures", "Structures accompagnées", {"n": counts["structures"]}),
            Row(
                "applications", "Projets (candidatures) accompagnés", {"n": counts["applications"]}
            ),
            Row("cohorts", "Cohortes", {"n": counts["cohorts"]}),
        ],
        category="",
    )


@indicator(
    code="par_forme_juridique",
    section="structures",
    label="Structures accompagnées par forme juridique",
    definition="Forme juridique déclarée dans la candidature.",
    chart="bar",
    sheet="Par forme juridique",
)
def by_legal_form(scope: Scope) -> Table:
    rows = _breakdown_rows(structure_counts(scope), "legal", LegalForm.choices)
    return _structures_table(rows, "Forme juridique")


@indicator(
    code="par_type",
    section="structures",
    label="Structures accompagnées par type de candidature",
    definition=(
        "Candidature portée par une tête de réseau pour ses membres, ou par des structures non "
        "affiliées à un réseau."
    ),
    chart="bar",
    sheet="Par type de candidature",
)
def by_kind(scope: Scope) -> Table:
    labels = {
        ApplicationKind.NETWORK_HEAD: "Tête de réseau",
        ApplicationKind.UNAFFILIATED: "Non affiliée",
    }
    choices = [(kind.value, labels[kind]) for kind in ApplicationKind]
    return _structures_table(_breakdown_rows(structure_counts(scope), "kind", choices), "Type")


@indicator(
    code="par_thematique",
    section="structures",
    label="Structures accompagnées par thématique de l'appel",
    definition=(
        "Thématique de l'accompagnement collectif, telle que l'appel la présente ; des appels de "
        "même thématique sont comptés ensemble."
    ),
    chart="bar",
    sheet="Par thématique",
)
def by_theme(scope: Scope) -> Table:
    choices = [(index, theme) for index, (theme, _ids) in enumerate(themes(scope))]
    rows = _breakdown_rows(structure_counts(scope), "theme", choices, key_by_label=True)
    return _structures_table(rows, "Thématique")


def _departement_label(group: str) -> str:
    if group == "other":
        return OTHER_DEPARTEMENTS
    if group == "unknown":
        return UNKNOWN
    return f"{departement_name(group)} ({group})"


@indicator(
    code="par_departement",
    section="structures",
    label="Structures accompagnées par département",
    definition=(
        "Département du siège de chaque structure (déduit de sa commune). Les cinq "
        "départements des Pays de la Loire sont toujours listés."
    ),
    chart="map",
    sheet="Par département",
)
def by_departement(scope: Scope) -> Table:
    counts = structure_counts(scope)
    rows = [
        Row(group, _departement_label(group), {"structures": counts[f"dep_{group}"]})
        for group in DEPARTEMENT_GROUPS
        if group in REGION_DEPARTEMENTS or counts[f"dep_{group}"]
    ]
    return _structures_table(rows, "Département")


@indicator(
    code="par_secteur",
    section="structures",
    label="Structures accompagnées par secteur d'activité",
    definition="Section de la nomenclature d'activités française (NAF rév. 2) du code APE déclaré.",
    chart="bar",
    sheet="Par secteur",
)
def by_sector(scope: Scope) -> Table:
    choices = [(section, f"{section} — {label}") for section, label, _, _ in naf_sections()]
    rows = _breakdown_rows(structure_counts(scope), "naf", choices, keep_zero=False)
    return _structures_table(rows, "Secteur (section NAF)")


@indicator(
    code="par_tranche_effectif",
    section="structures",
    label="Structures accompagnées par tranche d'effectif salarié",
    definition=(
        "Nombre de salarié·es déclaré dans la candidature, classé selon les tranches d'effectif "
        "de l'INSEE."
    ),
    chart="bar",
    sheet="Par tranche d'effectif",
)
def by_staff_band(scope: Scope) -> Table:
    choices = [(band.code, band.label) for band in staff_band_list()]
    rows = _breakdown_rows(structure_counts(scope), "band", choices, keep_zero=False)
    return _structures_table(rows, "Tranche d'effectif")


@indicator(
    code="par_stade",
    section="structures",
    label="Structures accompagnées par stade de maturité du projet",
    definition="Stade de maturité du projet de coopération déclaré dans la candidature.",
    chart="bar",
    sheet="Par stade de maturité",
)
def by_maturity(scope: Scope) -> Table:
    choices = list(enumerate(stage_labels(scope)))
    rows = _breakdown_rows(
        structure_counts(scope), "stage", choices, keep_zero=False, key_by_label=True
    )
    return _structures_table(rows, "Stade de maturité")


# --- Jobs ---------------------------------------------------------------------------------------


@indicator(
    code="emplois",
    section="emplois",
    label="Emplois concernés",
    definition=(
        "Salarié·es et équivalents temps plein (ETP) des structures accompagnées, tels que "
        "déclarés dans la candidature, par département du siège."
    ),
    chart="bar",
    chart_column=2,
    sheet="Emplois",
)
def jobs(scope: Scope) -> Table:
    counts = structure_counts(scope)
    rows = [
        Row(
            group,
            _departement_label(group),
            {
                "structures": counts[f"dep_{group}"],
                "employees": counts[f"employees_{group}"] or 0,
                "fte": counts[f"fte_{group}"] or 0,
            },
        )
        for group in DEPARTEMENT_GROUPS
        if group in REGION_DEPARTEMENTS or counts[f"dep_{group}"]
    ]
    return Table(
        columns=[
            C_ACCOMPANIED,
            Column("employees", "Salarié·es", Kind.COUNT, basis="structures"),
            Column("fte", "ETP", Kind.DECIMAL, basis="structures"),
        ],
        rows=rows,
        category="Département",
        partition=True,
        total=total_row(rows),
    )
