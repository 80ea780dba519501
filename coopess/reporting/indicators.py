"""Every indicator reported to funders, defined once: its code, its French label and definition,
and the aggregate queries that compute it. The page, the charts, the spreadsheets and the
annual PDF all read ``compute_report``; none computes a number of its own.

Indicators are computed by aggregate queries only (``values(...).annotate(Count/Sum)``,
``Count(filter=Q(...))``), whatever the number of rows; several read the same aggregate
(``aggregates.py``, one query per report); Python only reshapes the few aggregated lines that
come back (months, calls, days). ``registry.py`` holds the register and ``compute_report``.

Adding an indicator here: add its section to ``registry.SECTIONS`` if it is new, then write a
function ``(scope) -> Table`` decorated with ``@indicator(...)``. Its label and definition
appear on the page, its table in every export (CSV, XLSX, ODS) and in the annual PDF, its
chart if it names one, and the funder's small-count rules (``tables.py``) apply to it.

Indicators of another app (follow-ups) — nothing to change in ``coopess/reporting``
---------------------------------------------------------------------------------------
An installed app registers its indicators in a module ``<app>/reporting_indicators.py``:
``ReportingConfig.ready`` imports every such module (``registry.discover``, Django's
``autodiscover_modules``), after this one. ``coopess/followups/reporting_indicators.py`` is the
example to follow: ``suivis_reponses`` (answered on time / late / without answer / pending, per
offset, in the period of the due date), ``suivis_stades_formes`` (stage and cooperation form
reached), ``suivis_effets`` (effects declared and new needs, counts only — free texts are never
shown) and ``emplois_suivis`` (jobs and FTE at each follow-up against the application, sums hidden
from funders under three structures). Each reads the JSON answers in the database
(``KeyTextTransform``) with one grouped query, whatever the number of follow-ups.

Rules for those functions (the tests in ``tests/reporting`` check them for every indicator):

- aggregate queries only, a fixed number per report whatever the rows (a query several
  indicators share goes through ``scope.remember(key, compute)``, computed once per report);
- start from ``scope.cohorts()`` (or ``scope.applications()``, ``scope.call_ids()``) so that
  the call, cohort and period filters and the reader's calls apply; count an event in the
  period where it happened (``scope.period.q`` for a datetime, ``scope.period.date_q`` for a
  date);
- return counts, sums and shares only, never a name, an email or a free text: the funder's
  version applies statistical secrecy to ``Kind.COUNT`` columns and to any column with a
  ``basis``; set ``partition=True`` when the rows add up to a total shown;
- a new section: ``registry.section("code", "Titre", before="delais")`` at the top of the
  module (``suivis`` is already declared, before the delays);
- ``code`` unique (``ValueError`` otherwise), ``definition`` a French sentence ending with a
  full stop, ``sheet`` 31 characters at most.

An error in such a module stops the site at start-up (as a broken ``models.py`` would): keep it
importable while it is being built, or create it once its models are migrated.
"""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate, TruncMonth

from coopess.applications.choices import LegalForm
from coopess.calls.models import ApplicationKind
from coopess.diagnostic.models import MeetingStatus, SynthesisStatus
from coopess.reporting.aggregates import (
    DEPARTEMENT_GROUPS,
    OTHER_DEPARTEMENTS,
    OUTCOMES,
    REGION_DEPARTEMENTS,
    UNKNOWN,
    calls_in_scope,
    decisions_by_day,
    engagements_by_call,
    local_date,
    month_label,
    months_between,
    naf_sections,
    staff_band_list,
    stage_labels,
    structure_counts,
    submitted_by_month,
    support_sessions,
    themes,
    total_row,
    weighted_mean,
    weighted_median,
)
from coopess.reporting.registry import indicator
from coopess.reporting.scope import PARIS, Scope
from coopess.reporting.tables import Column, Kind, Row, Table
from coopess.selection.models import DecisionReason
from coopess.structures.geography import departement_name

# --- Applications and selection -------------------------------------------------------------------

C_APPLICATIONS = Column("applications", "Candidatures")
C_STRUCTURES = Column("structures", "Structures")


@indicator(
    code="candidatures",
    section="candidatures",
    label="Candidatures reçues, éligibles et décisions",
    definition=(
        "Candidatures déposées dans la période (brouillons exclus) et, parmi elles, celles "
        "jugées éligibles ; décisions prises dans la période : retenues, placées sur liste "
        "d'attente, non retenues (dernière décision de chaque candidature). « Structures » "
        "compte la structure cheffe de file et ses partenaires."
    ),
    chart="bar",
    sheet="Candidatures",
)
def applications_and_decisions(scope: Scope) -> Table:
    months = submitted_by_month(scope)
    decided: dict[str, list[int]] = {o: [0, 0] for o in OUTCOMES}
    for line in decisions_by_day(scope):
        decided[line["outcome"]][0] += line["n"]
        decided[line["outcome"]][1] += line["structures"] or 0
    lines = [
        ("received", "Candidatures reçues", sum(m["n"] for m in months),
         sum(m["structures"] or 0 for m in months)),
        ("eligible", "Candidatures éligibles", sum(m["eligible"] for m in months),
         sum(m["eligible_structures"] or 0 for m in months)),
        ("selected", "Retenues", *decided["selected"]),
        ("waitlisted", "Sur liste d'attente", *decided["waitlisted"]),
        ("rejected", "Non retenues", *decided["rejected"]),
    ]  # fmt: skip
    return Table(
        columns=[C_APPLICATIONS, C_STRUCTURES],
        rows=[
            Row(key, label, {"applications": n, "structures": s or 0}) for key, label, n, s in lines
        ],
        category="Étape",
    )


@indicator(
    code="motifs",
    section="candidatures",
    label="Motifs de non-sélection",
    definition=(
        "Pour les candidatures non retenues dans la période, nombre de décisions citant "
        "chaque motif. Une décision peut citer plusieurs motifs : la somme peut dépasser le "
        "nombre de candidatures non retenues."
    ),
    chart="bar",
    sheet="Motifs de non-sélection",
)
def rejection_reasons(scope: Scope) -> Table:
    lines = decisions_by_day(scope)
    counts = {
        reason.value: sum(line[f"reason_{reason.value}"] for line in lines)
        for reason in DecisionReason
    }
    return Table(
        columns=[Column("decisions", "Décisions")],
        rows=[
            Row(reason.value, reason.label, {"decisions": counts[reason.value]})
            for reason in DecisionReason
        ],
        category="Motif",
    )


@indicator(
    code="decisions_par_appel",
    section="candidatures",
    label="Décisions par appel",
    definition=(
        "Décisions prises dans la période, par appel et par issue (retenue, liste d'attente, "
        "non retenue)."
    ),
    chart="stacked",
    sheet="Décisions par appel",
)
def decisions_by_call(scope: Scope) -> Table:
    calls = calls_in_scope(scope)
    by_call: dict[int, Row] = {}
    for line in decisions_by_day(scope):
        call_id = line["call_id"]
        row = by_call.setdefault(
            call_id, Row(str(call_id), calls[call_id].label, dict.fromkeys(OUTCOMES, 0))
        )
        row.values[line["outcome"]] += line["n"]
    rows = sorted(by_call.values(), key=lambda row: (row.label, row.key))
    return Table(
        columns=[
            Column("selected", "Retenues"),
            Column("waitlisted", "Liste d'attente"),
            Column("rejected", "Non retenues"),
        ],
        rows=rows,
        category="Appel",
        partition=True,
        total=total_row(rows) if len(rows) > 1 else None,
    )


@indicator(
    code="candidatures_par_mois",
    section="candidatures",
    label="Candidatures reçues par mois",
    definition="Candidatures déposées chaque mois de la période (heure de Paris).",
    chart="line",
    sheet="Candidatures par mois",
)
def applications_by_month(scope: Scope) -> Table:
    counts = {
        local_date(line["month"]).replace(day=1): line["n"] for line in submitted_by_month(scope)
    }
    rows = []
    if counts:
        first, last = min(counts), max(counts)
        if scope.period.first_day:
            first = min(first, scope.period.first_day.replace(day=1))
        if scope.period.last_day:
            last = max(last, scope.period.last_day.replace(day=1))
        rows = [
            Row(f"{m:%Y-%m}", month_label(m), {"applications": counts.get(m, 0)})
            for m in months_between(first, last)
        ]
    return Table(columns=[C_APPLICATIONS], rows=rows, category="Mois", partition=True)


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


# --- Diagnostic --------------------------------------------------------------------------------


@indicator(
    code="entretiens_ateliers",
    section="diagnostic",
    label="Entretiens individuels et ateliers collectifs",
    definition=(
        "Entretiens (un par structure) et ateliers collectifs dont la date tombe dans la "
        "période, selon leur état : tenus, prévus, annulés. Les créneaux proposés et non "
        "réservés ne sont pas comptés."
    ),
    chart="stacked",
    sheet="Entretiens et ateliers",
)
def meetings(scope: Scope) -> Table:
    from coopess.diagnostic.models import Interview, Workshop

    statuses = [MeetingStatus.HELD, MeetingStatus.PLANNED, MeetingStatus.CANCELLED]
    aggregates = {s.value: Count("pk", filter=Q(status=s)) for s in statuses}
    cohorts = scope.cohorts()
    interviews = (
        Interview.objects.filter(cohort__in=cohorts, structure__isnull=False)
        .filter(scope.period.q("starts_at"))
        .aggregate(**aggregates)
    )
    workshops = (
        Workshop.objects.filter(cohort__in=cohorts)
        .filter(scope.period.q("starts_at"))
        .aggregate(**aggregates)
    )
    return Table(
        columns=[Column(s.value, {"held": "Tenus", "planned": "Prévus", "cancelled": "Annulés"}[s.value]) for s in statuses],
        rows=[
            Row("interviews", "Entretiens individuels", interviews),
            Row("workshops", "Ateliers collectifs", workshops),
        ],
        category="Rencontre",
    )  # fmt: skip


@indicator(
    code="syntheses",
    section="diagnostic",
    label="Synthèses du diagnostic validées",
    definition=(
        "Cohortes dont la synthèse du diagnostic partagé a été validée par toutes ses "
        "structures, par mois de validation."
    ),
    chart="bar",
    sheet="Synthèses validées",
)
def syntheses(scope: Scope) -> Table:
    from coopess.diagnostic.models import SynthesisVersion

    lines = (
        SynthesisVersion.objects.filter(
            cohort__in=scope.cohorts(), status=SynthesisStatus.VALIDATED
        )
        .filter(scope.period.q("validated_at"))
        .annotate(month=TruncMonth("validated_at", tzinfo=PARIS))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    rows = [
        Row(f"{local_date(line['month']):%Y-%m}", month_label(local_date(line["month"])), {"cohorts": line["n"]})
        for line in lines
    ]  # fmt: skip
    return Table(
        columns=[Column("cohorts", "Cohortes")],
        rows=rows,
        category="Mois de validation",
        partition=True,
        total=total_row(rows) if rows else None,
    )


# --- Collective support ------------------------------------------------------------------------


@indicator(
    code="demi_journees",
    section="accompagnement",
    label="Demi-journées de conseil prévues et réalisées",
    definition=(
        "Prestations de conseil financées par le DLA dont la période d'accompagnement commence "
        "dans la période, et leurs demi-journées prévues ; séances (une demi-journée chacune) "
        "datées dans la période : tenues (demi-journées réalisées), programmées mais pas encore "
        "tenues, annulées."
    ),
    chart="bar",
    sheet="Demi-journées de conseil",
)
def consultancy_half_days(scope: Scope) -> Table:
    engagements = engagements_by_call(scope)
    sessions = support_sessions(scope)
    lines = [
        ("engagements", "Prestations de conseil", sum(line["n"] for line in engagements)),
        ("planned", "Demi-journées prévues", sum(line["planned"] or 0 for line in engagements)),
        ("held", "Demi-journées réalisées (séances tenues)", sessions["held"]),
        ("scheduled", "Séances programmées, pas encore tenues", sessions["scheduled"]),
        ("cancelled", "Séances annulées", sessions["cancelled"]),
    ]
    return Table(
        columns=[Column("n", "Nombre")],
        rows=[Row(key, label, {"n": n}) for key, label, n in lines],
        category="",
    )


def _budget_row(key: str, label: str, n: int, planned: int, budget) -> Row:
    return Row(
        key,
        label,
        {
            "engagements": n,
            "planned": planned,
            "budget": budget,
            "per_half_day": budget / planned if planned and budget is not None else None,
        },
    )


@indicator(
    code="budget_conseil",
    section="accompagnement",
    label="Budget des prestations de conseil",
    definition=(
        "Budget toutes taxes comprises des prestations de conseil financées par le DLA dont la "
        "période d'accompagnement commence dans la période, par appel, et coût moyen d'une "
        "demi-journée prévue (budget divisé par les demi-journées prévues)."
    ),
    sheet="Budget du conseil",
)
def consultancy_budget(scope: Scope) -> Table:
    calls = calls_in_scope(scope)
    rows = [
        _budget_row(
            str(line["cohort__call_id"]),
            calls[line["cohort__call_id"]].label,
            line["n"],
            line["planned"] or 0,
            line["budget"],
        )
        for line in sorted(
            engagements_by_call(scope),
            key=lambda line: (calls[line["cohort__call_id"]].label, line["cohort__call_id"]),
        )
    ]
    budgets = [row.values["budget"] for row in rows if row.values["budget"] is not None]
    total = _budget_row(
        "total",
        "Ensemble",
        sum(row.values["engagements"] for row in rows),
        sum(row.values["planned"] for row in rows),
        sum(budgets) if budgets else None,
    )
    return Table(
        columns=[
            Column("engagements", "Prestations"),
            Column("planned", "Demi-journées prévues"),
            Column("budget", "Budget (€ TTC)", Kind.EUROS, basis="engagements"),
            Column(
                "per_half_day", "Coût moyen d'une demi-journée", Kind.EUROS, basis="engagements"
            ),
        ],
        rows=rows,
        category="Appel",
        partition=True,
        total=total if len(rows) > 1 else None,
    )


def _attendance_row(key: str, label: str, sessions: int, expected: int, present: int) -> Row:
    return Row(
        key,
        label,
        {
            "sessions": sessions,
            "expected": expected,
            "present": present,
            "rate": present / expected if expected else None,
        },
    )


@indicator(
    code="presence",
    section="accompagnement",
    label="Taux de présence aux séances d'accompagnement",
    definition=(
        "Pour les séances tenues dans la période : présences attendues (chaque représentant·e "
        "déclaré·e des structures concernées, à chaque séance : toutes les structures de la "
        "cohorte pour une séance collective, une seule pour une séance individuelle), "
        "présences constatées, et leur rapport."
    ),
    chart="bar",
    chart_column=3,
    sheet="Taux de présence",
)
def attendance(scope: Scope) -> Table:
    counts = support_sessions(scope)
    rows = [
        _attendance_row(
            kind,
            label,
            counts[f"held_{kind}"],
            counts[f"expected_{kind}"],
            counts[f"present_{kind}"],
        )
        for kind, label in (
            ("collective", "Séances collectives"),
            ("individual", "Séances individuelles"),
        )
    ]
    total = _attendance_row(
        "total",
        "Ensemble",
        *(sum(row.values[key] for row in rows) for key in ("sessions", "expected", "present")),
    )
    return Table(
        columns=[
            Column("sessions", "Séances tenues"),
            Column("expected", "Présences attendues"),
            Column("present", "Présences constatées"),
            Column("rate", "Taux de présence", Kind.PERCENT, basis=("present", "expected")),
        ],
        rows=rows,
        category="Séances",
        partition=True,
        total=total,
    )


@indicator(
    code="orientations",
    section="accompagnement",
    label="Orientations vers les acteurs locaux de l'accompagnement",
    definition=(
        "Besoins de structures accompagnées (ou actions de leur plan d'action) confiés à un "
        "acteur de l'annuaire du DLA, créés dans la période, selon leur état actuel ; dont "
        "orientations vers un DLA départemental."
    ),
    chart="bar",
    sheet="Orientations",
)
def referrals(scope: Scope) -> Table:
    from coopess.support.models import Referral, ReferralStatus

    lines = {
        line["status"]: line
        for line in Referral.objects.filter(cohort__in=scope.cohorts())
        .filter(scope.period.q("created_at"))
        .values("status")
        .annotate(n=Count("pk"), dla=Count("pk", filter=Q(actor__is_departmental_dla=True)))
        .order_by()
    }
    rows = [
        Row(
            status.value,
            status.label,
            {
                "referrals": lines.get(status.value, {}).get("n", 0),
                "dla": lines.get(status.value, {}).get("dla", 0),
            },
        )
        for status in ReferralStatus
    ]
    return Table(
        columns=[
            Column("referrals", "Orientations"),
            Column("dla", "dont vers un DLA départemental"),
        ],
        rows=rows,
        category="État",
        partition=True,
        total=total_row(rows),
    )


# --- Delays -------------------------------------------------------------------------------------

DELAY_COLUMNS = [
    Column("n", "Nombre"),
    Column("median", "Médiane (jours)", Kind.DAYS, basis="n"),
    Column("mean", "Moyenne (jours)", Kind.DAYS, basis="n"),
]


def _delay_rows(groups: dict[str, tuple[str, list[tuple[float, int]]]]) -> tuple[list[Row], Row]:
    rows, everything = [], []
    for key, (label, pairs) in groups.items():
        everything.extend(pairs)
        rows.append(
            Row(
                key,
                label,
                {
                    "n": sum(n for _, n in pairs),
                    "median": weighted_median(pairs),
                    "mean": weighted_mean(pairs),
                },
            )
        )
    total = Row(
        "total",
        "Ensemble",
        {
            "n": sum(n for _, n in everything),
            "median": weighted_median(everything),
            "mean": weighted_mean(everything),
        },
    )
    return rows, total


@indicator(
    code="delai_decision",
    section="delais",
    label="Délai entre la clôture de l'appel et la décision",
    definition=(
        "Nombre de jours entre la date de clôture de l'appel et la date de la décision "
        "(heure de Paris), pour les décisions prises dans la période : médiane et moyenne, "
        "par appel."
    ),
    sheet="Délai clôture-décision",
)
def decision_delay(scope: Scope) -> Table:
    calls = calls_in_scope(scope)
    lines = sorted(
        decisions_by_day(scope),
        key=lambda line: (calls[line["call_id"]].label, line["call_id"]),
    )
    groups: dict[str, tuple[str, list]] = {}
    for line in lines:  # one line per call, outcome and decision day
        call = calls[line["call_id"]]
        days = (line["day"] - local_date(call.closes_at)).days
        groups.setdefault(str(line["call_id"]), (call.label, []))[1].append((days, line["n"]))
    rows, total = _delay_rows(groups)
    return Table(columns=DELAY_COLUMNS, rows=rows, category="Appel", partition=True, total=total)


@indicator(
    code="delai_synthese",
    section="delais",
    label="Délai entre le début du diagnostic et la validation de la synthèse",
    definition=(
        "Nombre de jours entre le lancement du diagnostic partagé d'une cohorte et la "
        "validation de sa synthèse par toutes ses structures, pour les synthèses validées "
        "dans la période : médiane et moyenne, par appel."
    ),
    sheet="Délai diagnostic-synthèse",
)
def synthesis_delay(scope: Scope) -> Table:
    from coopess.diagnostic.models import SynthesisVersion

    lines = (
        SynthesisVersion.objects.filter(
            cohort__in=scope.cohorts(),
            status=SynthesisStatus.VALIDATED,
            cohort__diagnostic__isnull=False,
        )
        .filter(scope.period.q("validated_at"))
        .annotate(
            started=TruncDate("cohort__diagnostic__started_at", tzinfo=PARIS),
            validated=TruncDate("validated_at", tzinfo=PARIS),
        )
        # grouped by the delay itself: one line per call and number of days
        .annotate(delay=ExpressionWrapper(F("validated") - F("started"), DurationField()))
        .values("cohort__call_id", "delay")
        .annotate(n=Count("pk"))
        .order_by()
    )
    calls = calls_in_scope(scope)
    groups: dict[str, tuple[str, list]] = {}
    for line in sorted(
        lines, key=lambda line: (calls[line["cohort__call_id"]].label, line["cohort__call_id"])
    ):
        label = calls[line["cohort__call_id"]].label
        groups.setdefault(str(line["cohort__call_id"]), (label, []))[1].append(
            (line["delay"].days, line["n"])
        )
    rows, total = _delay_rows(groups)
    return Table(columns=DELAY_COLUMNS, rows=rows, category="Appel", partition=True, total=total)
