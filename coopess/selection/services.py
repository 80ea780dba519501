"""Every write of screening, committee review, decisions and cohort composition."""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Avg
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from coopess.accounts.models import Role, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.errors import ApplicationError
from coopess.applications.models import Application, Eligibility
from coopess.applications.services import application_request_complements
from coopess.applications.workflow import transition
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call, DocumentScope
from coopess.common import events
from coopess.common.jobs import task_named
from coopess.common.mail import queue_email_message
from coopess.selection import eligibility as rules
from coopess.selection.models import (
    Cohort,
    CohortMember,
    CohortStatus,
    CohortTransition,
    Decision,
    DecisionReason,
    EligibilityOverride,
    EligibilityResult,
    EligibilityRule,
    LetterTemplate,
    Message,
    Outcome,
    ReviewerAssignment,
    Score,
    ScoringCriterion,
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


# --- Instruction, messages, complements ----------------------------------------------------------


@transaction.atomic
def review_start(*, application: Application, by: User) -> Application:
    application = _lock(application)
    if application.status != ApplicationStatus.SUBMITTED:
        return application
    transition(
        application,
        to=ApplicationStatus.UNDER_REVIEW,
        by=by,
        actor="officer",
        comment="Instruction commencée.",
    )
    application.save()
    return application


def _application_link(application: Application) -> str:
    return settings.COOPESS_BASE_URL + reverse("applications:detail", args=[application.public_id])


def _representative_emails(application: Application) -> list[str]:
    from coopess.applications.receipts import recipients_of

    return recipients_of(application)


@transaction.atomic
def message_post(*, application: Application, author: User, body: str, from_dla: bool) -> Message:
    """A message in the thread; the other side gets an email with a link, never the content of
    attached documents, and a notification: the application's accounts for a message from the
    DLA (in-app, the email is already sent), the call's officers for a message from a
    representative (their notification email follows their choice: now or in the digest)."""
    message = _message_create(application=application, author=author, body=body, from_dla=from_dla)
    title = f"Nouveau message sur la candidature « {_project_title(application)} »"
    if from_dla:
        _notify_accounts(application, title=f"{title} : le DLA vous a écrit")
    return message


def _message_create(
    *, application: Application, author: User, body: str, from_dla: bool
) -> Message:
    body = body.strip()
    if not body:
        raise SelectionError("Le message est vide.")
    message = Message.objects.create(
        application=application, author=author, body=body, from_dla=from_dla
    )
    call = application.call
    if from_dla:
        recipients = _representative_emails(application)
        link = _application_link(application)
    else:
        officers = list(_call_officers(call))
        if officers:
            # the officers hear of it through their notification (immediate email or digest)
            _notify_officers(application, officers)
            return message
        recipients = [call.contact_email]
        link = settings.COOPESS_BASE_URL + reverse(
            "selection:application", args=[application.public_id]
        )
    text = render_to_string(
        "selection/email/message.txt",
        {"application": application, "message": message, "link": link, "from_dla": from_dla},
    )
    for email in recipients:
        queue_email_message(
            EmailMessage(
                subject=f"[CoopESS] Nouveau message sur la candidature {application.receipt_number or ''}".strip(),
                body=text,
                to=[email],
            )
        )
    return message


def _project_title(application: Application) -> str:
    return application.project_title or "sans titre"


def _call_officers(call: Call):
    return User.objects.filter(
        roles_held__role=Role.OFFICER,
        roles_held__organisation_id=call.operator_id,
        is_active=True,
    ).distinct()


def _notify_accounts(application: Application, *, title: str) -> None:
    """In-app notification of the accounts acting for ``application`` (they had the email)."""
    from coopess.notifications.models import NotificationKind
    from coopess.notifications.services import notify, notify_on_commit

    notify_on_commit(
        notify,
        [access.user for access in application.accesses.select_related("user")],
        NotificationKind.OTHER,
        title,
        reverse("applications:detail", args=[application.public_id]),
        email=False,
        application=application,
    )


def _notify_officers(application: Application, officers: list[User]) -> None:
    """A representative wrote: the call's officers are told, by email now or in their daily
    digest, as each chose."""
    from coopess.notifications.models import NotificationKind
    from coopess.notifications.services import notify, notify_on_commit

    notify_on_commit(
        notify,
        officers,
        NotificationKind.OTHER,
        f"Nouveau message sur la candidature {application.receipt_number or ''} "
        f"« {_project_title(application)} »".replace("  ", " "),
        reverse("selection:application", args=[application.public_id]),
        email=True,
        body="Une structure a écrit au sujet de sa candidature : le message se lit sur "
        "CoopESS, en suivant le lien ci-dessous.",
        application=application,
    )


@transaction.atomic
def complements_request(
    *, application: Application, by: User, sections: list[str], message: str
) -> Application:
    application = application_request_complements(
        application=application, by=by, sections=sections, message=message
    )
    _message_create(application=application, author=by, body=message, from_dla=True)
    _notify_accounts(
        application,
        title=f"Compléments demandés pour la candidature « {_project_title(application)} »",
    )
    return application


# --- Committee -------------------------------------------------------------------------------


@transaction.atomic
def reviewer_assign(*, application: Application, reviewer: User, by: User) -> ReviewerAssignment:
    if not reviewer.has_role(Role.REVIEWER):
        raise SelectionError(f"{reviewer} n'est pas membre du comité de sélection.")
    application = _lock(application)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW):
        raise SelectionError(
            "Seule une candidature déposée ou en cours d'examen peut être confiée au comité."
        )
    assignment, _ = ReviewerAssignment.objects.get_or_create(
        application=application, reviewer=reviewer, defaults={"assigned_by": by}
    )
    if application.status == ApplicationStatus.SUBMITTED:
        transition(
            application,
            to=ApplicationStatus.UNDER_REVIEW,
            by=by,
            actor="officer",
            comment="Confiée au comité de sélection.",
        )
        application.save()
    return assignment


@transaction.atomic
def conflict_declare(
    *, assignment: ReviewerAssignment, has_conflict: bool, note: str = ""
) -> ReviewerAssignment:
    assignment = ReviewerAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.submitted_at:
        raise SelectionError("Votre évaluation est déjà envoyée.")
    now = timezone.now()
    if has_conflict:
        assignment.conflict_declared_at, assignment.no_conflict_declared_at = now, None
        assignment.conflict_note = note.strip()
    else:
        assignment.no_conflict_declared_at, assignment.conflict_declared_at = now, None
        assignment.conflict_note = ""
    assignment.save()
    return assignment


def weighted_score(values: dict[int, int], criteria: list[ScoringCriterion]) -> Decimal:
    """A reviewer's mark out of 20: each criterion brought to its share, weighted."""
    total_weight = sum(c.weight for c in criteria)
    raw = sum(Decimal(values[c.pk]) / c.scale_max * c.weight for c in criteria) / total_weight * 20
    return raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def review_submit(
    *, assignment: ReviewerAssignment, scores: dict[int, tuple[int, str]], overall_comment: str = ""
) -> ReviewerAssignment:
    """Record a complete review on the call's grid (every criterion, each within its scale)."""
    assignment = (
        ReviewerAssignment.objects.select_for_update()
        .select_related("application__call")
        .get(pk=assignment.pk)
    )
    if not assignment.can_see_application:
        raise SelectionError("Déclarez d'abord l'absence de conflit d'intérêts.")
    if assignment.submitted_at:
        raise SelectionError("Votre évaluation est déjà envoyée.")
    application = _lock(assignment.application)
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise SelectionError("Cette candidature n'est plus en cours d'examen.")
    criteria = list(application.call.criteria.all())
    errors = []
    for criterion in criteria:
        if criterion.pk not in scores or scores[criterion.pk][0] is None:
            errors.append(f"Notez le critère « {criterion.label} ».")
        elif not 0 <= scores[criterion.pk][0] <= criterion.scale_max:
            errors.append(f"« {criterion.label} » se note de 0 à {criterion.scale_max}.")
    if errors:
        raise SelectionError(" ".join(errors))
    for criterion in criteria:
        value, comment = scores[criterion.pk]
        Score.objects.update_or_create(
            assignment=assignment,
            criterion=criterion,
            defaults={"value": value, "comment": comment.strip()},
        )
    assignment.overall_comment = overall_comment.strip()
    assignment.submitted_at = timezone.now()
    assignment.weighted = weighted_score({c.pk: scores[c.pk][0] for c in criteria}, criteria)
    assignment.save()
    _refresh_average(application)
    return assignment


def _refresh_average(application: Application) -> None:
    average = ReviewerAssignment.objects.filter(
        application=application, submitted_at__isnull=False
    ).aggregate(value=Avg("weighted"))["value"]
    Application.objects.filter(pk=application.pk).update(
        average_score=Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if average is not None
        else None
    )


# --- Decisions and the cohort ---------------------------------------------------------------------

DECIDABLE = (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WAITLISTED)


@transaction.atomic
def decision_record(
    *,
    application: Application,
    outcome: str,
    by: User,
    reasons: list[str] | None = None,
    comment: str = "",
    against_ranking_reason: str = "",
    version: int | None = None,
) -> Decision:
    """Decide on one application. Final in the workflow: changing it needs ``decision_reopen``."""
    application = _lock(application)
    _check_version(application, version)
    if application.status not in DECIDABLE:
        raise SelectionError(
            f"La candidature est « {application.get_status_display()} » : on ne décide que sur une "
            "candidature en cours d'examen (ou sur liste d'attente)."
        )
    reasons = [r for r in (reasons or []) if r in DecisionReason.values]
    if outcome == ApplicationStatus.REJECTED and not reasons:
        raise SelectionError("Choisissez au moins un motif pour une candidature non retenue.")
    if outcome not in (
        ApplicationStatus.SELECTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.REJECTED,
    ):
        raise SelectionError("Décision inconnue.")
    if outcome == ApplicationStatus.SELECTED:
        passed_over = higher_ranked_not_selected(application)
        if passed_over and not against_ranking_reason.strip():
            raise SelectionError(
                "Cette candidature est moins bien classée que "
                + ", ".join(a.receipt_number for a in passed_over)
                + ", qui n'est pas retenue : écrivez pourquoi vous la retenez."
            )
        _add_to_cohort(application, by=by)
    Decision.objects.filter(application=application, is_current=True).update(is_current=False)
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        reasons=reasons,
        comment=comment.strip(),
        against_ranking_reason=against_ranking_reason.strip(),
        decided_by=by,
    )
    transition(
        application,
        to=outcome,
        by=by,
        actor="officer",
        comment=" ; ".join(
            [DecisionReason(r).label for r in reasons]
            + ([comment.strip()] if comment.strip() else [])
        ),
    )
    application.save()
    events.announce(events.DECISION_TAKEN, decision=decision)
    return decision


def higher_ranked_not_selected(application: Application) -> list[Application]:
    """Eligible applications of the call with a better average that are not retained."""
    if application.average_score is None:
        return []
    return list(
        Application.objects.filter(
            call_id=application.call_id,
            status__in=(ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WAITLISTED),
            average_score__gt=application.average_score,
        )
        .exclude(eligibility=Eligibility.INELIGIBLE)
        .exclude(pk=application.pk)
        .order_by("-average_score")
    )


def _add_to_cohort(application: Application, *, by: User) -> CohortMember:
    call = application.call
    cohort = Cohort.objects.select_for_update().filter(call=call).order_by("pk").first()
    if cohort is None:
        cohort = Cohort.objects.create(call=call, name=f"{call.title} — {call.edition}")
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    used = sum(
        member.application.structure_count
        for member in cohort.members.select_related("application")
    )
    if used + application.structure_count > call.max_structures:
        raise SelectionError(
            f"La cohorte compte déjà {used} structure(s) : retenir cette candidature "
            f"({application.structure_count} structure(s)) dépasserait le plafond de {call.max_structures}."
        )
    return CohortMember.objects.create(cohort=cohort, application=application)


@transaction.atomic
def decision_reopen(*, application: Application, by: User, reason: str) -> Application:
    """Undo a decision explicitly: logged, and the application goes back under review."""
    if not reason.strip():
        raise SelectionError("Expliquez pourquoi la décision est rouverte.")
    application = _lock(application)
    if application.status not in (
        ApplicationStatus.SELECTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.REJECTED,
    ):
        raise SelectionError("Il n'y a pas de décision à rouvrir.")
    from coopess.applications.models import ApplicationTransition

    ApplicationTransition.objects.create(
        application=application,
        from_status=application.status,
        to_status=ApplicationStatus.UNDER_REVIEW,
        by=by,
        comment=f"Décision rouverte : {reason.strip()}",
    )
    application.status = ApplicationStatus.UNDER_REVIEW
    application.version += 1
    application.save()
    Decision.objects.filter(application=application, is_current=True).update(is_current=False)
    CohortMember.objects.filter(application=application).delete()
    return application


# --- Letters -------------------------------------------------------------------------------------

LETTER_VARIABLES = frozenset(
    {
        "structure",
        "projet",
        "recepisse",
        "appel",
        "operateur",
        "motifs",
        "precisions",
        "contact",
        "date",
    }
)


def check_letter_template(text: str) -> None:
    """Refuse a template that would not render: bad syntax or a variable we do not provide."""
    try:
        template = Template(text)
    except TemplateSyntaxError as error:
        raise SelectionError(f"Le modèle de lettre est mal formé : {error}") from None
    unknown = sorted(_variables(template.nodelist) - LETTER_VARIABLES)
    if unknown:
        raise SelectionError(
            "Variable(s) inconnue(s) dans le modèle : "
            + ", ".join("{{ " + name + " }}" for name in unknown)
            + ". Variables possibles : "
            + ", ".join(sorted(LETTER_VARIABLES))
            + "."
        )


def _variables(nodelist, bound: frozenset[str] = frozenset()) -> set[str]:
    """Every variable a template reads: in {{ }}, in filter arguments, in tag conditions and loops
    (loop variables excepted)."""
    from django.template.defaulttags import ForNode, IfNode

    names: set[str] = set()
    for node in nodelist or []:
        if isinstance(node, ForNode):
            names |= _expression_variables(node.sequence)
            names |= _variables(node.nodelist_loop, bound | set(node.loopvars) | {"forloop"})
            names |= _variables(node.nodelist_empty, bound)
            continue
        if isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                names |= _condition_variables(condition)
                names |= _variables(branch, bound)
            continue
        expression = getattr(node, "filter_expression", None)
        if expression is not None:
            names |= _expression_variables(expression)
        for attribute in getattr(node, "child_nodelists", ()):
            names |= _variables(getattr(node, attribute, None), bound)
    return names - bound


def _expression_variables(expression) -> set[str]:
    from django.template.base import Variable

    names = set()
    if isinstance(expression.var, Variable) and expression.var.lookups:
        names.add(expression.var.lookups[0])
    for _function, arguments in expression.filters:
        for is_lookup, argument in arguments:
            if is_lookup and argument.lookups:
                names.add(argument.lookups[0])
    return names


def _condition_variables(condition) -> set[str]:
    if condition is None:
        return set()
    if hasattr(condition, "value"):  # a literal of the condition: a filter expression
        return _expression_variables(condition.value)
    return _condition_variables(getattr(condition, "first", None)) | _condition_variables(
        getattr(condition, "second", None)
    )


def letter_context(decision: Decision) -> dict:
    application = decision.application
    call = application.call
    return {
        "structure": application.lead_name,
        "projet": application.project_title,
        "recepisse": application.receipt_number,
        "appel": call.title,
        "operateur": str(call.operator),
        "motifs": ", ".join(DecisionReason(r).label.lower() for r in decision.reasons),
        "precisions": decision.comment,
        "contact": f"{call.contact_name} ({call.contact_email})",
        "date": date_format(timezone.localtime(decision.decided_at, PARIS), "j F Y"),
    }


def render_letter(decision: Decision) -> tuple[str, str]:
    template = LetterTemplate.objects.filter(
        call=decision.application.call, outcome=decision.outcome
    ).first()
    if template is None:
        template = LetterTemplate(outcome=decision.outcome, **DEFAULT_LETTERS[decision.outcome])
    check_letter_template(template.subject + "\n" + template.body)
    context = Context(letter_context(decision), autoescape=False)
    return Template(template.subject).render(context).strip(), Template(template.body).render(
        context
    ).strip()


@transaction.atomic
def decisions_send(*, call: Call, by: User) -> int:
    """Send every decision letter not yet sent, from the worker, in one action."""
    send_decision_letter = task_named("coopess.selection.tasks.send_decision_letter")
    pending = list(
        Decision.objects.filter(
            application__call=call, is_current=True, letter_sent_at__isnull=True
        ).select_related("application", "application__call")
    )
    for decision in pending:
        render_letter(decision)  # refuse now, in the officer's request, a template that would fail
    for decision in pending:
        decision_id = decision.pk
        transaction.on_commit(
            lambda decision_id=decision_id: send_decision_letter.enqueue(decision_id)
        )
    if pending:  # nothing left to send: nothing to wait for either
        events.announce(events.DECISIONS_SENT, decision_ids=[decision.pk for decision in pending])
    return len(pending)


DEFAULT_LETTERS = {
    ApplicationStatus.SELECTED: {
        "subject": "Votre candidature à l'appel « {{ appel }} » est retenue",
        "body": (
            "Madame, Monsieur,\n\nNous avons le plaisir de vous informer que la candidature « {{ projet }} » "
            "(récépissé {{ recepisse }}), portée par {{ structure }}, est retenue pour l'accompagnement "
            "collectif « {{ appel }} ».\n\nLa chargée d'accompagnement vous contactera prochainement pour "
            "organiser le diagnostic partagé : un entretien par structure, puis un atelier collectif.\n\n"
            "{{ precisions }}\n\nContact : {{ contact }}\n\n{{ operateur }}, le {{ date }}"
        ),
    },
    ApplicationStatus.WAITLISTED: {
        "subject": "Votre candidature à l'appel « {{ appel }} » est sur liste d'attente",
        "body": (
            "Madame, Monsieur,\n\nLa candidature « {{ projet }} » (récépissé {{ recepisse }}), portée par "
            "{{ structure }}, est placée sur liste d'attente : si une place se libère dans la cohorte, "
            "nous reviendrons vers vous.\n\n{{ precisions }}\n\nContact : {{ contact }}\n\n{{ operateur }}, le {{ date }}"
        ),
    },
    ApplicationStatus.REJECTED: {
        "subject": "Votre candidature à l'appel « {{ appel }} »",
        "body": (
            "Madame, Monsieur,\n\nNous avons étudié avec attention la candidature « {{ projet }} » "
            "(récépissé {{ recepisse }}), portée par {{ structure }}. Elle n'est pas retenue pour "
            "l'accompagnement collectif « {{ appel }} ».\n\nMotif(s) : {{ motifs }}.\n\n{{ precisions }}\n\n"
            "La participation à cet appel n'affecte pas votre droit à un accompagnement DLA individuel "
            "au niveau local : n'hésitez pas à contacter le DLA de votre département.\n\nContact : {{ contact }}\n\n"
            "{{ operateur }}, le {{ date }}"
        ),
    },
}


def default_grid() -> list[dict]:
    """The seed call's scoring grid."""
    return [
        {
            "label": "Pertinence du projet de coopération",
            "description": "Clarté du projet, partage de moyens ou d'activités, logique d'efficacité.",
            "weight": 3,
        },
        {
            "label": "Engagement et capacité des structures",
            "description": "Implication des instances, disponibilité des représentant·es.",
            "weight": 2,
        },
        {
            "label": "Effet attendu sur le modèle socio-économique et l'emploi",
            "description": "Consolidation des emplois, diversification des ressources.",
            "weight": 3,
        },
        {
            "label": "Dimension régionale",
            "description": "Envergure régionale, tête de réseau ou structures de plusieurs départements.",
            "weight": 2,
        },
        {
            "label": "Maturité et calendrier",
            "description": "Adéquation du stade du projet et du calendrier de l'accompagnement.",
            "weight": 1,
        },
    ]


def call_setup_selection(*, call: Call) -> None:
    """Give a call the default eligibility rules and scoring grid if it has none."""
    if not call.eligibility_rules.exists():
        for position, config in enumerate(
            rules.default_rules(
                eligible_departements=list(call.eligible_departements), cap=call.max_structures
            )
        ):
            EligibilityRule.objects.create(
                call=call, position=position, code=config.code, params=config.params
            )
    if not call.criteria.exists():
        for position, row in enumerate(default_grid()):
            ScoringCriterion.objects.create(call=call, position=position, **row)


# --- Cohort workflow ---------------------------------------------------------------------------

#: The only moves a cohort makes, each by one service call that logs it.
COHORT_TRANSITIONS: dict[str, frozenset[str]] = {
    CohortStatus.FORMING: frozenset({CohortStatus.DIAGNOSTIC}),
    CohortStatus.DIAGNOSTIC: frozenset({CohortStatus.SUPPORT}),
    CohortStatus.SUPPORT: frozenset({CohortStatus.FOLLOW_UP}),
    CohortStatus.FOLLOW_UP: frozenset({CohortStatus.CLOSED}),
    CohortStatus.CLOSED: frozenset(),
}


class CohortTransitionRefused(SelectionError):
    pass


@transaction.atomic
def cohort_transition(*, cohort: Cohort, to: str, by: User | None, comment: str = "") -> Cohort:
    """Move a cohort one step along its workflow, with a log row."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if to not in COHORT_TRANSITIONS[cohort.status]:
        raise CohortTransitionRefused(
            f"La cohorte est à l'étape « {cohort.get_status_display()} » : elle ne peut pas "
            f"passer à « {CohortStatus(to).label} »."
        )
    CohortTransition.objects.create(
        cohort=cohort, from_status=cohort.status, to_status=to, by=by, comment=comment
    )
    from_status = cohort.status
    cohort.status = to
    cohort.save(update_fields=["status"])
    if from_status == CohortStatus.FORMING:
        events.announce(events.COHORT_FORMED, cohort=cohort)
    return cohort
