"""Decision letters: template checks, rendering, sending every pending letter from the worker,
and the default letters and scoring grid a new call starts with.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.formats import date_format

from coopess.accounts.models import User
from coopess.applications.choices import ApplicationStatus
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common import events
from coopess.common.jobs import task_named
from coopess.selection import eligibility as rules
from coopess.selection.models import (
    Decision,
    DecisionReason,
    EligibilityRule,
    LetterTemplate,
    ScoringCriterion,
)
from coopess.selection.services.screening import SelectionError

logger = logging.getLogger("coopess")


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
