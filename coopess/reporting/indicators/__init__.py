"""Every indicator reported to funders, defined once: its code, its French label and definition,
and the aggregate queries that compute it. The page, the charts, the spreadsheets and the
annual PDF all read ``compute_report``; none computes a number of its own.

Indicators are computed by aggregate queries only (``values(...).annotate(Count/Sum)``,
``Count(filter=Q(...))``), whatever the number of rows; several read the same aggregate
(``aggregates.py``, one query per report); Python only reshapes the few aggregated lines that
come back (months, calls, days). ``registry.py`` holds the register and ``compute_report``.

Adding an indicator here: in the module of its section (``applications``, ``structures``
(with jobs), ``diagnostic``, ``support``, ``delays``; a new module is imported below, in report
order), add its section to ``registry.SECTIONS`` if it is new, then write a
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
shown), ``emplois_suivis`` (jobs and FTE at each follow-up against the application, sums hidden
from funders under three structures) and ``suivis_satisfaction`` (structures that rated the
consultant and their average mark, hidden from funders under three structures). Each reads the JSON answers in the database
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

# Importing a module registers its indicators: the report lists them in this order.
from coopess.reporting.indicators.applications import (
    applications_and_decisions,
    applications_by_month,
    decisions_by_call,
    rejection_reasons,
)

# isort: split
from coopess.reporting.indicators.structures import (
    accompanied,
    by_departement,
    by_kind,
    by_legal_form,
    by_maturity,
    by_sector,
    by_staff_band,
    by_theme,
    jobs,
)

# isort: split
from coopess.reporting.indicators.diagnostic import meetings, syntheses

# isort: split
from coopess.reporting.indicators.support import (
    attendance,
    consultancy_budget,
    consultancy_half_days,
    referrals,
)

# isort: split
from coopess.reporting.indicators.delays import decision_delay, synthesis_delay

__all__ = [
    "accompanied",
    "applications_and_decisions",
    "applications_by_month",
    "attendance",
    "by_departement",
    "by_kind",
    "by_legal_form",
    "by_maturity",
    "by_sector",
    "by_staff_band",
    "by_theme",
    "consultancy_budget",
    "consultancy_half_days",
    "decision_delay",
    "decisions_by_call",
    "jobs",
    "meetings",
    "referrals",
    "rejection_reasons",
    "syntheses",
    "synthesis_delay",
]
