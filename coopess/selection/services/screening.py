"""Screening: the automatic eligibility checks of an application against its call's rules
(with reasons), the officer's override with a written reason, and the errors and row locks the
other selection services share.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.errors import ApplicationError
from coopess.applications.models import Application, Eligibility
from coopess.calls.models import Call, DocumentScope
from coopess.selection import eligibility as rules
from coopess.selection.models import (
    EligibilityOverride,
    EligibilityResult,
    Outcome,
)

logger = logging.getLogger("coopess")


class SelectionError(ApplicationError):
    """A refusal explained to the officer or the reviewer, in French."""


class StaleApplication(SelectionError):
    def __init__(self):
        super().__init__(
            "Une autre personne vient de modifier cette candidature : rechargez la page pour voir "
            "son état actuel. Rien n'a été enregistré."
        )


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call").get(pk=application.pk)


def _check_version(application: Application, version: int | None) -> None:
    if version is not None and version != application.version:
        raise StaleApplication


# --- Screening ---------------------------------------------------------------------------------


def rule_configs(call: Call) -> list[rules.RuleConfig]:
    configured = list(call.eligibility_rules.filter(enabled=True))
    if configured:
        return [rules.RuleConfig(code=rule.code, params=rule.params) for rule in configured]
    return rules.default_rules(
        eligible_departements=list(call.eligible_departements), cap=call.max_structures
    )


def application_facts(application: Application) -> rules.ApplicationFacts:
    structures = list(application.structures.prefetch_related("attachments__document"))
    call = application.call
    documents = list(call.documents.all())
    app_documents = frozenset(
        a.document.code
        for a in application.attachments.select_related("document")
        if a.document_id and a.structure_id is None
    )
    return rules.ApplicationFacts(
        kind=application.kind,
        structures=tuple(
            rules.StructureFacts(
                name=structure.name or str(structure),
                is_lead=structure.is_lead,
                legal_form=structure.legal_form,
                esus_approved=structure.esus_approved,
                employees=structure.employees,
                departement=structure.departement,
                documents=frozenset(
                    a.document.code for a in structure.attachments.all() if a.document_id
                ),
            )
            for structure in structures
        ),
        regional_scope=application.regional_scope,
        documents=app_documents,
        required_documents=tuple(
            (d.code, d.label, "structure" if d.scope == DocumentScope.STRUCTURE else "application")
            for d in documents
            if d.required
        ),
    )


@transaction.atomic
def application_screen(*, application: Application) -> list[EligibilityResult]:
    """Apply the call's rules; keep the officer's corrections of earlier results."""
    application = _lock(application)
    results = rules.evaluate(application_facts(application), rule_configs(application.call))
    stored = []
    for position, result in enumerate(results):
        row, _ = EligibilityResult.objects.update_or_create(
            application=application,
            code=result.code,
            defaults={
                "position": position,
                "label": result.label,
                "outcome": result.outcome.value,
                "reason": result.reason,
                "computed_at": timezone.now(),
            },
        )
        stored.append(row)
    EligibilityResult.objects.filter(application=application).exclude(
        code__in=[r.code for r in results]
    ).delete()
    _refresh_eligibility(application, stored)
    return stored


def _refresh_eligibility(application: Application, results: list[EligibilityResult]) -> None:
    outcomes = {r.effective_outcome for r in results}
    if Outcome.FAIL in outcomes:
        value = Eligibility.INELIGIBLE
    elif Outcome.WARNING in outcomes:
        value = Eligibility.TO_CHECK
    else:
        value = Eligibility.ELIGIBLE
    Application.objects.filter(pk=application.pk).update(eligibility=value)
    application.eligibility = value


@transaction.atomic
def eligibility_override(
    *, result: EligibilityResult, outcome: str, reason: str, by: User
) -> EligibilityResult:
    if outcome not in Outcome.values:
        raise SelectionError("Choisissez un résultat : conforme, non conforme ou à vérifier.")
    if not reason.strip():
        raise SelectionError(
            "Écrivez le motif de la correction : il sera conservé avec votre nom et la date."
        )
    application = _lock(result.application)
    result = EligibilityResult.objects.select_for_update().get(pk=result.pk)
    EligibilityOverride.objects.create(
        result=result,
        from_outcome=result.effective_outcome,
        to_outcome=outcome,
        reason=reason.strip(),
        by=by,
    )
    result.override_outcome = "" if outcome == result.outcome else outcome
    result.override_reason = reason.strip() if result.override_outcome else ""
    result.overridden_by = by
    result.overridden_at = timezone.now()
    result.save()
    _refresh_eligibility(application, list(application.eligibility_results.all()))
    return result
