"""The read endpoints of ``/api/v1/``. Each one reads through the token's DLA (another DLA's
object is not found), pages by cursor and logs the call in the export log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.db import connection
from django.db.models import ExpressionWrapper, F, IntegerField, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from coopess.api import services
from coopess.api.models import ApiToken, Scope
from coopess.api.rest import schemas as s
from coopess.api.rest.api import api
from coopess.api.rest.auth import TokenAuth, optional_token, require_scope
from coopess.api.rest.pagination import DEFAULT_LIMIT, page
from coopess.api.rest.problems import ApiProblem, not_found
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application, ApplicationStructure
from coopess.calls.models import Call
from coopess.diagnostic.models import MeetingStatus, SynthesisStatus
from coopess.followups.models import FollowUp, FollowUpStatus
from coopess.selection.models import Cohort, CohortStatus, Decision
from coopess.support.models import Session

ERRORS = {400: s.Problem, 401: s.Problem, 404: s.Problem, 429: s.Problem}
PUBLIC_ERRORS = {400: s.Problem, 401: s.Problem, 404: s.Problem, 429: s.Problem}
token_auth = TokenAuth()


def _filters_text(**values) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items() if v not in (None, ""))


def _log(request, what: str, rows: int, **filters) -> None:
    token: ApiToken | None = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None:
        services.api_call_log(
            token=token, what=f"GET {request.path} ({what})", rows=rows,
            filters=_filters_text(**filters),
        )  # fmt: skip


def _choice(value: str | None, choices, name: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ApiProblem(400, f"« {name} » vaut l'une de ces valeurs : {allowed}.")
    return value


# --- Calls (public) -------------------------------------------------------------------------


def _one(request, queryset: QuerySet, public_id: uuid.UUID, what: str, out: Callable):
    """The object of ``queryset`` with this public id, written out and logged, or 404."""
    obj = queryset.filter(public_id=public_id).first()
    if obj is None:
        raise not_found()
    _log(request, what, 1)
    return out(obj)


def _page(
    request, queryset: QuerySet, what: str, out: Callable, *, order: str, cursor, limit, **filters
) -> dict:
    """One cursor page of ``queryset``, written out and logged with the filters asked for."""
    rows, next_cursor = page(queryset, cursor=cursor, limit=limit, order=order)
    _log(request, what, len(rows), **filters)
    return {"items": [out(row) for row in rows], "next_cursor": next_cursor}


def _call_out(call: Call, now) -> dict:
    return {
        "id": call.public_id,
        "slug": call.slug,
        "title": call.title,
        "subtitle": call.subtitle,
        "theme": call.theme,
        "summary": call.summary,
        "edition": call.edition,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "is_open": call.is_open(at=now),
        "max_structures": call.max_structures,
        "region_code": call.region_code,
        "url": reverse("calls:detail", args=[call.slug]),
        "updated_at": call.updated_at,
    }


@api.get(
    "/calls", response={200: s.CallPage, **PUBLIC_ERRORS}, tags=["Appels"],
    summary="Appels publiés", auth=None,
    description="Les appels à manifestations d'intérêt publiés (champs publics), sans jeton.",
)  # fmt: skip
def list_calls(
    request,
    updated_since: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    request.auth = optional_token(request)
    calls = Call.objects.published()
    if updated_since:
        calls = calls.filter(updated_at__gte=updated_since)
    now = timezone.now()
    return _page(
        request, calls, "appels", lambda c: _call_out(c, now), order="updated_at",
        cursor=cursor, limit=limit, updated_since=updated_since,
    )  # fmt: skip


@api.get(
    "/calls/{public_id}", response={200: s.CallOut, **PUBLIC_ERRORS}, tags=["Appels"],
    summary="Un appel publié", auth=None,
)  # fmt: skip
def get_call(request, public_id: uuid.UUID):
    request.auth = optional_token(request)
    now = timezone.now()
    return _one(request, Call.objects.published(), public_id, "appel", lambda c: _call_out(c, now))


# --- Applications ---------------------------------------------------------------------------


def _in_calls(queryset: QuerySet[Application], call_ids: list[int]) -> QuerySet[Application]:
    """``call_id IN (…)``, the DLA's calls written as literals. On SQLite (no statistics) the
    planner would read every application of these calls through the call index and sort them
    all for a page; ``call_id + 0`` leaves it the cursor index instead, read in order and
    stopped after one page (10 ms instead of 400 at 100,000 applications). PostgreSQL weighs
    both with its statistics and gets the plain condition."""
    if connection.vendor == "sqlite":
        return queryset.alias(
            api_call=ExpressionWrapper(F("call_id") + 0, output_field=IntegerField())
        ).filter(api_call__in=call_ids)
    return queryset.filter(call_id__in=call_ids)


def _applications(token: ApiToken) -> QuerySet[Application]:
    call_ids = list(Call.objects.filter(operator_id=token.operator_id).values_list("pk", flat=True))
    return (
        _in_calls(Application.objects.all(), call_ids)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("call", "maturity_stage", "cohort_membership__cohort")
        .prefetch_related(
            Prefetch(
                "structures",
                queryset=ApplicationStructure.objects.prefetch_related("representatives"),
            ),
            Prefetch(
                "decisions", queryset=Decision.objects.filter(is_current=True), to_attr="current"
            ),
        )
    )


def _structure_out(structure: ApplicationStructure) -> dict:
    return {
        "id": structure.public_id,
        "is_lead": structure.is_lead,
        "confirmed": structure.is_confirmed,
        **{
            name: getattr(structure, name)
            for name in (
                "name",
                "siret",
                "rna",
                "address",
                "postal_code",
                "commune",
                "commune_code",
                "departement",
                "legal_form",
                "legal_category_code",
                "naf_code",
                "esus_approved",
                "network_affiliation",
                "employees",
                "volunteers",
            )
        },
        "fte": float(structure.fte) if structure.fte is not None else None,
        "representatives": [
            {
                "first_name": r.first_name,
                "last_name": r.last_name,
                "role": r.role,
                "email": r.email,
                "phone": r.phone,
            }
            for r in structure.representatives.all()
        ],
    }


def _application_out(application: Application) -> dict:
    decision = application.current[0] if application.current else None
    membership = getattr(application, "cohort_membership", None)
    return {
        "id": application.public_id,
        "call": application.call.public_id,
        "status": application.status,
        "status_label": application.get_status_display(),
        "kind": application.kind,
        "receipt_number": application.receipt_number,
        "project_title": application.project_title,
        "lead_name": application.lead_name,
        "structure_count": application.structure_count,
        "eligibility": application.eligibility,
        "average_score": float(application.average_score)
        if application.average_score is not None
        else None,
        "maturity_stage": application.maturity_stage.label if application.maturity_stage else None,
        "shared_domains": list(application.shared_domains or []),
        "goals": list(application.goals or []),
        "envisaged_forms": list(application.envisaged_forms or []),
        "submitted_at": application.submitted_at,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
        "structures": [_structure_out(st) for st in application.structures.all()],
        "decision": {
            "outcome": decision.outcome,
            "outcome_label": decision.get_outcome_display(),
            "reasons": list(decision.reasons or []),
            "comment": decision.comment,
            "decided_at": decision.decided_at,
            "letter_sent_at": decision.letter_sent_at,
        }
        if decision
        else None,
        "cohort": membership.cohort.public_id if membership else None,
    }


@api.get(
    "/applications", response={200: s.ApplicationPage, **ERRORS}, auth=token_auth,
    tags=["Candidatures"], summary="Candidatures déposées, avec leurs structures",
    description="Droit « applications ». Données personnelles (représentant·es) : chaque appel "
    "est inscrit au journal des exports. Les brouillons ne sont pas exposés.",
)  # fmt: skip
def list_applications(
    request,
    call: uuid.UUID | None = None,
    status: str | None = None,
    updated_since: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    token = require_scope(request, Scope.APPLICATIONS)
    applications = _applications(token)
    if call:
        applications = applications.filter(call__public_id=call)
    if status := _choice(status, ApplicationStatus, "status"):
        applications = applications.filter(status=status)
    if updated_since:
        applications = applications.filter(updated_at__gte=updated_since)
    return _page(
        request, applications, "candidatures", _application_out, order="updated_at",
        cursor=cursor, limit=limit, call=call, status=status, updated_since=updated_since,
    )  # fmt: skip


@api.get(
    "/applications/{public_id}", response={200: s.ApplicationOut, **ERRORS}, auth=token_auth,
    tags=["Candidatures"], summary="Une candidature",
)  # fmt: skip
def get_application(request, public_id: uuid.UUID):
    token = require_scope(request, Scope.APPLICATIONS)
    return _one(request, _applications(token), public_id, "candidature", _application_out)


# --- Cohorts: diagnostic, consultancy and sessions -------------------------------------------


def _cohorts(token: ApiToken) -> QuerySet[Cohort]:
    return (
        Cohort.objects.filter(call__operator_id=token.operator_id)
        .select_related("call", "diagnostic", "engagement__firm")
        .prefetch_related(
            "members__application",
            "interviews",
            "workshops",
            "syntheses",
            Prefetch("support_sessions", queryset=Session.objects.select_related("structure")),
        )
    )


def _has(obj, name: str):
    try:
        return getattr(obj, name)
    except Exception:  # a missing reverse one-to-one
        return None


def _cohort_out(cohort: Cohort) -> dict:
    diagnostic = _has(cohort, "diagnostic")
    engagement = _has(cohort, "engagement")
    interviews = [i for i in cohort.interviews.all() if i.structure_id]
    workshops = [w for w in cohort.workshops.all() if w.status != MeetingStatus.CANCELLED]
    validated = [v for v in cohort.syntheses.all() if v.status == SynthesisStatus.VALIDATED]
    return {
        "id": cohort.public_id,
        "call": cohort.call.public_id,
        "name": cohort.name,
        "status": cohort.status,
        "status_label": CohortStatus(cohort.status).label,
        "created_at": cohort.created_at,
        "applications": [m.application.public_id for m in cohort.members.all()],
        "diagnostic": {
            "diagnostic_started_at": diagnostic.started_at if diagnostic else None,
            "interviews_held": sum(i.status == MeetingStatus.HELD for i in interviews),
            "interviews_planned": sum(i.status == MeetingStatus.PLANNED for i in interviews),
            "workshop_at": workshops[0].starts_at if workshops else None,
            "synthesis_validated_at": validated[0].validated_at if validated else None,
        },
        "engagement": {
            "firm": str(engagement.firm),
            "budget": float(engagement.budget),
            "planned_half_days": engagement.planned_half_days,
            "starts_on": engagement.starts_on,
            "ends_on": engagement.ends_on,
        }
        if engagement
        else None,
        "sessions": [
            {
                "id": session.uid,
                "title": session.title,
                "kind": session.kind,
                "structure": session.structure.public_id if session.structure else None,
                "half_day": session.half_day,
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "mode": session.mode,
                "status": session.status,
                "held_at": session.held_at,
            }
            for session in cohort.support_sessions.all()
        ],
    }


@api.get(
    "/cohorts", response={200: s.CohortPage, **ERRORS}, auth=token_auth, tags=["Accompagnement"],
    summary="Cohortes : diagnostic, prestation de conseil et séances",
    description="Droit « support ». Pages dans l'ordre de création des cohortes.",
)  # fmt: skip
def list_cohorts(
    request,
    call: uuid.UUID | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    token = require_scope(request, Scope.SUPPORT)
    cohorts = _cohorts(token)
    if call:
        cohorts = cohorts.filter(call__public_id=call)
    if status := _choice(status, CohortStatus, "status"):
        cohorts = cohorts.filter(status=status)
    return _page(
        request, cohorts, "cohortes", _cohort_out, order="created_at",
        cursor=cursor, limit=limit, call=call, status=status,
    )  # fmt: skip


@api.get(
    "/cohorts/{public_id}", response={200: s.CohortOut, **ERRORS}, auth=token_auth,
    tags=["Accompagnement"], summary="Une cohorte",
)  # fmt: skip
def get_cohort(request, public_id: uuid.UUID):
    token = require_scope(request, Scope.SUPPORT)
    return _one(request, _cohorts(token), public_id, "cohorte", _cohort_out)


# --- Follow-ups -----------------------------------------------------------------------------


def _followup_out(followup: FollowUp) -> dict:
    answered = followup.status == FollowUpStatus.ANSWERED
    return {
        "id": followup.public_id,
        "cohort": followup.cohort.public_id,
        "application": followup.structure.application.public_id,
        "structure": followup.structure.public_id,
        "structure_name": followup.structure.name,
        "offset_months": followup.offset_months,
        "due_on": followup.due_on,
        "status": followup.status,
        "sent_on": followup.sent_on,
        "answered_at": followup.answered_at,
        # a draft is the structure's until it answers
        "answers": dict(followup.answers or {}) if answered else {},
    }


@api.get(
    "/followups", response={200: s.FollowUpPage, **ERRORS}, auth=token_auth,
    tags=["Accompagnement"], summary="Suivis à 6 mois et à 1 an",
    description="Droit « support ». Pages dans l'ordre de création des suivis.",
)  # fmt: skip
def list_followups(
    request,
    call: uuid.UUID | None = None,
    cohort: uuid.UUID | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    token = require_scope(request, Scope.SUPPORT)
    followups = FollowUp.objects.filter(cohort__call__operator_id=token.operator_id).select_related(
        "cohort", "structure__application"
    )
    if call:
        followups = followups.filter(cohort__call__public_id=call)
    if cohort:
        followups = followups.filter(cohort__public_id=cohort)
    if status := _choice(status, FollowUpStatus, "status"):
        followups = followups.filter(status=status)
    return _page(
        request, followups, "suivis", _followup_out, order="created_at",
        cursor=cursor, limit=limit, call=call, cohort=cohort, status=status,
    )  # fmt: skip


# --- Indicators -----------------------------------------------------------------------------


@api.get(
    "/indicators", response={200: s.IndicatorsOut, **ERRORS}, auth=token_auth,
    tags=["Indicateurs"], summary="Indicateurs de la page « Indicateurs »",
    description="Droit « indicators ». Les mêmes nombres que la page des indicateurs. Un jeton "
    "de financeur lit les appels publiés que ce financeur finance, toujours sous secret "
    "statistique (effectifs de 1 ou 2 masqués) ; un jeton du DLA lit tout, ou la version "
    "financeur avec « diffusion=true ».",
)  # fmt: skip
def get_indicators(
    request,
    call: uuid.UUID | None = None,
    cohort: uuid.UUID | None = None,
    year: int | None = None,
    diffusion: bool = False,
):
    from coopess.api.indicators import indicators_for

    token = require_scope(request, Scope.INDICATORS)
    data = indicators_for(token, call=call, cohort=cohort, year=year, diffusion=diffusion)
    _log(request, "indicateurs", len(data["indicators"]), call=call, cohort=cohort, year=year)
    return data
