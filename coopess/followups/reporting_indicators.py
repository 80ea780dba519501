"""The follow-up indicators of the funders' report (discovered by ``coopess.reporting``).

Five indicators, each one aggregate query per report (plus one small read of the calls'
maturity stages), whatever the number of follow-ups:

- ``suivis_reponses`` — follow-ups answered on time, late, without an answer, per offset,
  counted in the period of their due date (``due_on``);
- ``suivis_stades_formes`` — stage reached and form of cooperation adopted, per offset;
- ``emplois_suivis`` — jobs and FTE declared at the follow-up against those of the same
  structures at application, per offset;
- ``suivis_effets`` — structures declaring new services, new partnerships, effects on their
  finances, new needs, per offset;
- ``suivis_satisfaction`` — structures that rated the consultant's collective support (1 to 5)
  and their average mark, per offset (hidden from funders under three structures).

The last four count answered follow-ups in the period of their answer (``answered_at``).

The answers are a JSON object (``FollowUp.answers``: ``q_<question code>`` → text, numbers as
typed in French, « 3,5 »). They are read in the database with ``KeyTextTransform`` (``->>`` on
PostgreSQL, ``JSON_EXTRACT`` on SQLite), trimmed, and for numbers checked with a regular
expression before ``Replace(",", ".")`` and ``Cast`` to a decimal, so that an empty or odd text
is left out rather than failing the query. Free texts are never read out: only whether a
structure wrote something (``Length(Trim(...)) > 0``).

« On time » and « late » follow the scheduler (``followups.scheduler``): the questionnaire is
emailed on ``due_on`` (``sent_on``), reminded at 7 and 14 days (``REMINDER_DAYS``), and the
follow-up is marked overdue ``OVERDUE_DAYS`` (21) days after sending. An answer is on time
when it was received (Paris day of ``answered_at``) at the latest ``OVERDUE_DAYS`` days after
the sending (``sent_on``, or ``due_on`` when the officer filled it before the email left) and
before the follow-up was marked overdue (``overdue_on`` empty); otherwise it is late.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Length, Replace, Trim, TruncDate

from coopess.applications.choices import CooperationForm
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.followups.services import OVERDUE_DAYS, REMINDER_DAYS, SATISFACTION_CODE
from coopess.reporting.aggregates import UNKNOWN
from coopess.reporting.key_figures import key_figure
from coopess.reporting.registry import indicator
from coopess.reporting.scope import PARIS, Scope
from coopess.reporting.tables import Column, Kind, Row, Table

S = FollowUpStatus
#: a number as the questionnaire stores it (« 12 », « 3,5 »; « 3.5 » accepted too)
NUMBER = r"^[0-9]+([.,][0-9]+)?$"
#: the free-text questions whose answer counts as an effect declared (question code, label)
EFFECTS = (
    ("services", "Nouveaux services ou activités"),
    ("partnerships", "Nouveaux partenariats"),
    ("finances", "Effets sur les finances"),
)
NEEDS = ("needs", "Nouveaux besoins d'accompagnement")
#: the satisfaction with the consultant, a digit from 1 to 5 (``QuestionKind.SCALE``)
MARKS = ("1", "2", "3", "4", "5")


def offset_label(offset: int) -> str:
    """« À 6 mois », « À 1 an », « À 2 ans »."""
    if offset % 12 == 0:
        years = offset // 12
        return f"À {years} an{'s' if years > 1 else ''}"
    return f"À {offset} mois"


def _answer(code: str):
    return Trim(KeyTextTransform(f"q_{code}", "answers"))


def _number(alias: str):
    """The answer ``alias`` (trimmed text) as a decimal, or NULL when it is not a number."""
    return Case(
        When(
            **{f"{alias}__regex": NUMBER},
            then=Cast(Replace(F(alias), Value(","), Value(".")), DecimalField(max_digits=12, decimal_places=2)),
        ),
        default=None,
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )  # fmt: skip


def _followups(scope: Scope):
    return FollowUp.objects.filter(cohort__in=scope.cohorts())


def _answered(scope: Scope):
    """Follow-ups answered in the period (the event: the answer)."""
    return _followups(scope).filter(status=S.ANSWERED).filter(scope.period.q("answered_at"))


# --- Answers on time, late, missing -------------------------------------------------------------


def answer_lines(scope: Scope) -> list[dict]:
    """Per offset, follow-ups due in the period: answered on time, late, overdue, pending."""

    def compute() -> list[dict]:
        deadline = ExpressionWrapper(
            Coalesce("sent_on", "due_on") + dt.timedelta(days=OVERDUE_DAYS),
            output_field=DateField(),
        )
        answered = Q(status=S.ANSWERED)
        on_time = answered & Q(overdue_on__isnull=True) & Q(answered_day__lte=F("deadline"))
        return list(
            _followups(scope)
            .filter(scope.period.date_q("due_on"))
            .alias(answered_day=TruncDate("answered_at", tzinfo=PARIS), deadline=deadline)
            .values("offset_months")
            .annotate(
                on_time=Count("pk", filter=on_time),
                late=Count("pk", filter=answered & ~on_time),
                missing=Count("pk", filter=Q(status=S.OVERDUE)),
                pending=Count("pk", filter=Q(status__in=(S.SCHEDULED, S.SENT))),
            )
            .order_by("offset_months")
        )

    return scope.remember("followup_answer_lines", compute)


@indicator(
    code="suivis_reponses",
    section="suivis",
    label="Suivis répondus à temps, en retard, sans réponse",
    definition=(
        "Suivis dont la date d'envoi prévue tombe dans la période, par échéance après la fin "
        "de l'accompagnement. Le questionnaire est envoyé à cette date puis relancé "
        f"{REMINDER_DAYS[0]} et {REMINDER_DAYS[1]} jours après l'envoi ; « à temps » : réponse "
        "reçue au plus tard le "
        f"{OVERDUE_DAYS}e jour après l'envoi (ou après la date prévue si la chargée ou le "
        "chargé l'a rempli avant l'envoi), jour de Paris, avant que le suivi ne soit marqué "
        "en retard ; « en retard » : réponse reçue après ce délai ou après ce marquage ; "
        f"« sans réponse » : suivi marqué en retard, sans réponse {OVERDUE_DAYS} jours après "
        "l'envoi et deux relances ; « en attente » : suivi pas encore envoyé ou dont le délai "
        "de réponse court encore."
    ),
    chart="stacked",
    sheet="Suivis — réponses",
)
def followup_answers(scope: Scope) -> Table:
    keys = ("on_time", "late", "missing", "pending")
    rows = [
        Row(str(line["offset_months"]), offset_label(line["offset_months"]),
            {key: line[key] for key in keys})
        for line in answer_lines(scope)
    ]  # fmt: skip
    total = Row("total", "Ensemble", {key: sum(row.values[key] for row in rows) for key in keys})
    return Table(
        columns=[
            Column("on_time", "À temps"),
            Column("late", "En retard"),
            Column("missing", "Sans réponse"),
            Column("pending", "En attente"),
        ],
        rows=rows,
        category="Échéance du suivi",
        partition=True,
        total=total if len(rows) > 1 else None,
    )


# --- Outcomes: stage, form, jobs, effects -------------------------------------------------------


def stage_codes(scope: Scope) -> tuple[dict[tuple[int, str], str], list[str]]:
    """The maturity stages of the calls in scope: (call, code) → label, and the labels in
    order (stages of several calls merged by label, as in the report's other tables)."""

    def compute():
        from coopess.calls.models import MaturityStage

        lines = list(
            MaturityStage.objects.filter(call_id__in=scope.call_ids())
            .order_by("position", "label")
            .values_list("call_id", "code", "label")
        )
        labels = list(dict.fromkeys(label for _, _, label in lines))
        return {(call, code): label for call, code, label in lines}, labels

    return scope.remember("followup_stage_codes", compute)


def stage_form_lines(scope: Scope) -> list[dict]:
    """Answered follow-ups per offset, call, stage code and form code (a few dozen lines)."""

    def compute() -> list[dict]:
        return list(
            _answered(scope)
            .annotate(stage=_answer("stage"), form=_answer("form"))
            .values("offset_months", "cohort__call_id", "stage", "form")
            .annotate(n=Count("pk"))
            .order_by()
        )

    return scope.remember("followup_stage_form_lines", compute)


def outcome_lines(scope: Scope) -> list[dict]:
    """Per offset, the answered follow-ups: jobs and FTE declared (and those of the same
    structures at application), and how many wrote something for each effect and for needs."""

    def compute() -> list[dict]:
        texts = {f"t_{code}": _answer(code) for code, _ in (*EFFECTS, NEEDS)}
        aggregates = {
            "answered": Count("pk"),
            "jobs_n": Count("pk", filter=Q(jobs_text__regex=NUMBER)),
            "jobs": Sum("jobs_value"),
            "jobs_before": Sum("structure__employees", filter=Q(jobs_text__regex=NUMBER)),
            "fte_n": Count("pk", filter=Q(fte_text__regex=NUMBER)),
            "fte": Sum("fte_value"),
            "fte_before": Sum("structure__fte", filter=Q(fte_text__regex=NUMBER)),
        }
        for code, _ in (*EFFECTS, NEEDS):
            aggregates[code] = Count("pk", filter=Q(**{f"l_{code}__gt": 0}))
        rated = Q(satisfaction_text__in=MARKS)
        aggregates["satisfaction_n"] = Count("pk", filter=rated)
        aggregates["satisfaction_sum"] = Sum(
            Case(When(rated, then=Cast("satisfaction_text", IntegerField())), default=None)
        )
        return list(
            _answered(scope)
            .alias(
                jobs_text=_answer("jobs"),
                fte_text=_answer("fte"),
                satisfaction_text=_answer(SATISFACTION_CODE),
                **texts,
            )
            .alias(
                jobs_value=_number("jobs_text"),
                fte_value=_number("fte_text"),
                **{f"l_{code}": Length(f"t_{code}") for code, _ in (*EFFECTS, NEEDS)},
            )
            .values("offset_months")
            .annotate(**aggregates)
            .order_by("offset_months")
        )

    return scope.remember("followup_outcome_lines", compute)


def _offsets(scope: Scope) -> list[int]:
    return sorted(
        {line["offset_months"] for line in outcome_lines(scope)}
        | {line["offset_months"] for line in stage_form_lines(scope)}
    )


@indicator(
    code="suivis_stades_formes",
    section="suivis",
    label="Stade atteint et forme de coopération retenue lors des suivis",
    definition=(
        "Structures ayant répondu à un suivi dans la période (jour de leur réponse), par "
        "échéance : stade de maturité de la coopération qu'elles déclarent avoir atteint "
        "(stades de l'appel) et forme de coopération retenue. Chaque structure compte une "
        "fois par échéance dans chacune des deux répartitions."
    ),
    chart="bar",
    sheet="Suivis — stades et formes",
)
def followup_stages_and_forms(scope: Scope) -> Table:
    labels_by_code, stage_order = stage_codes(scope)
    form_labels = dict(CooperationForm.choices)
    stages: dict[tuple[int, str], int] = {}
    forms: dict[tuple[int, str], int] = {}
    for line in stage_form_lines(scope):  # one line per offset, call, stage and form
        offset, n = line["offset_months"], line["n"]
        stage = labels_by_code.get((line["cohort__call_id"], line["stage"] or ""), UNKNOWN)
        form = form_labels.get(line["form"] or "", UNKNOWN)
        stages[offset, stage] = stages.get((offset, stage), 0) + n
        forms[offset, form] = forms.get((offset, form), 0) + n
    rows = []
    for offset in _offsets(scope):
        when = offset_label(offset)
        for index, label in enumerate([*stage_order, UNKNOWN]):
            if stages.get((offset, label)):
                rows.append(
                    Row(f"{offset}-stade-{index}", f"{when} — stade : {label}",
                        {"structures": stages[offset, label]})
                )  # fmt: skip
        for value, label in [*CooperationForm.choices, ("unknown", UNKNOWN)]:
            if forms.get((offset, label)):
                rows.append(
                    Row(f"{offset}-forme-{value}", f"{when} — forme : {label}",
                        {"structures": forms[offset, label]})
                )  # fmt: skip
    return Table(
        columns=[Column("structures", "Structures")],
        rows=rows,
        category="Échéance et réponse",
        # each offset's stages (and forms) add up to the structures that answered
        partition=True,
    )


@indicator(
    code="emplois_suivis",
    section="emplois",
    label="Emplois déclarés lors des suivis, comparés à la candidature",
    definition=(
        "Structures ayant répondu à un suivi dans la période (jour de leur réponse) en "
        "indiquant leur nombre de salarié·es, par échéance : salarié·es et équivalents temps "
        "plein (ETP) déclarés au suivi, et ceux déclarés par les mêmes structures dans leur "
        "candidature."
    ),
    chart="bar",
    chart_column=2,
    sheet="Emplois aux suivis",
)
def followup_jobs(scope: Scope) -> Table:
    rows = [
        Row(
            str(line["offset_months"]),
            offset_label(line["offset_months"]),
            {
                "structures": line["jobs_n"],
                "employees_before": line["jobs_before"] or 0,
                "employees": line["jobs"] or 0,
                "fte_structures": line["fte_n"],
                "fte_before": line["fte_before"] or 0,
                "fte": line["fte"] or 0,
            },
        )
        for line in outcome_lines(scope)
    ]
    return Table(
        columns=[
            Column("structures", "Structures"),
            Column("employees_before", "Salarié·es à la candidature", basis="structures"),
            Column("employees", "Salarié·es au suivi", basis="structures"),
            Column("fte_structures", "Structures (ETP)"),
            Column("fte_before", "ETP à la candidature", Kind.DECIMAL, basis="fte_structures"),
            Column("fte", "ETP au suivi", Kind.DECIMAL, basis="fte_structures"),
        ],
        rows=rows,
        category="Échéance du suivi",
    )


@indicator(
    code="suivis_effets",
    section="suivis",
    label="Effets déclarés et nouveaux besoins lors des suivis",
    definition=(
        "Structures ayant répondu à un suivi dans la période (jour de leur réponse), par "
        "échéance, et parmi elles celles qui déclarent de nouveaux services ou activités, de "
        "nouveaux partenariats, des effets sur leurs finances, de nouveaux besoins "
        "d'accompagnement (réponse écrite à la question). Une structure peut déclarer "
        "plusieurs effets ; le texte des réponses n'est jamais repris ici."
    ),
    chart="bar",
    sheet="Suivis — effets et besoins",
)
def followup_effects(scope: Scope) -> Table:
    rows = []
    for line in outcome_lines(scope):
        offset = line["offset_months"]
        when = offset_label(offset)
        rows.append(
            Row(f"{offset}-answered", f"{when} — structures ayant répondu",
                {"structures": line["answered"]})
        )  # fmt: skip
        for code, label in (*EFFECTS, NEEDS):
            rows.append(Row(f"{offset}-{code}", f"{when} — {label}", {"structures": line[code]}))
    return Table(
        columns=[Column("structures", "Structures")],
        rows=rows,
        category="Échéance et effet",
    )


@indicator(
    code="suivis_satisfaction",
    section="suivis",
    label="Satisfaction des structures envers le consultant",
    definition=(
        "Structures ayant répondu à un suivi dans la période (jour de leur réponse) et noté "
        "l'accompagnement collectif apporté par le consultant, par échéance, et leur note "
        "moyenne de 1 (pas du tout satisfait) à 5 (très satisfait). La question est "
        "facultative ; la moyenne n'est pas communiquée sous trois structures et aucune "
        "réponse individuelle ni commentaire n'est repris ici."
    ),
    chart="bar",
    sheet="Suivis — satisfaction",
)
def followup_satisfaction(scope: Scope) -> Table:
    rows = []
    for line in outcome_lines(scope):
        n = line["satisfaction_n"]
        mean = Decimal(line["satisfaction_sum"]) / n if n else None
        rows.append(
            Row(str(line["offset_months"]), offset_label(line["offset_months"]),
                {"structures": n, "mean": mean})
        )  # fmt: skip
    return Table(
        columns=[
            Column("structures", "Structures ayant noté le consultant"),
            Column("mean", "Note moyenne (sur 5)", Kind.DECIMAL, basis="structures"),
        ],
        rows=rows,
        category="Échéance du suivi",
    )


key_figure("suivis répondus à temps", indicator="suivis_reponses", row="total", column="on_time")
