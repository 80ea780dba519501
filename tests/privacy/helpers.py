"""Building applications whose people have names no other row shares, and measuring what
retention must keep (aggregate indicators) and what it must remove (names, addresses)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import Count, Sum

from coopess.accounts.models import Role, User
from coopess.applications import services as application_services
from coopess.applications.forms import StructureForm
from coopess.applications.models import Answer, Application, ApplicationStructure, Representative
from coopess.calls.models import Call
from coopess.privacy.retention import add_months
from coopess.selection import services as selection_services
from coopess.selection.models import Decision, Message, Score
from tests.applications.helpers import complete_application, structure_data
from tests.factories import make_user


def person(seed: int) -> User:
    """A representative with a name found nowhere else."""
    return make_user(
        Role.APPLICANT,
        first_name=f"Prénom{seed}x",
        last_name=f"Nom{seed}x",
        email=f"personne.{seed}x@example.org",
    )


def needles(seed: int) -> list[str]:
    """What identifies the people of the application built with ``seed``."""
    return [
        f"Prénom{seed}x",
        f"Nom{seed}x",
        f"personne.{seed}x@example.org",
        f"Fictif{seed}x",
        f"lea.{seed}x@example.org",
        f"marc.{seed}x@example.org",
        f"Association {seed}x",
        f"Texte libre {seed}x",
        f"Message {seed}x",
        f"Avis {seed}x",
    ]


def unique_structure(seed: int, **overrides) -> dict:
    data = structure_data(seed)
    data.update(
        {
            "name": f"Association {seed}x",
            "rep1_last_name": f"Fictif{seed}x",
            "rep1_email": f"lea.{seed}x@example.org",
            "rep2_last_name": f"Fictif{seed}x-bis",
            "rep2_email": f"marc.{seed}x@example.org",
        }
    )
    data.update(overrides)
    return data


def draft(call: Call, seed: int, *, lead: User | None = None, partners: int = 0) -> Application:
    """A complete draft whose lead structure and representatives carry ``seed``."""
    lead = lead or person(seed)
    application = complete_application(call, lead=lead, partners=partners)
    lead_structure = application.structures.get(is_lead=True)
    application_services.structure_save(
        structure=lead_structure,
        form=StructureForm(
            data=unique_structure(
                seed,
                departement=["44", "49", "85"][seed % 3],
                # the lead declares themselves as first representative
                rep1_first_name=lead.first_name,
                rep1_last_name=lead.last_name,
                rep1_email=lead.email,
            )
        ),
    )
    ApplicationStructure.objects.filter(pk=lead_structure.pk).update(naf_code="88.99B")
    text_question = call.questions.filter(kind="text").first()
    Answer.objects.update_or_create(
        application=application, question=text_question, defaults={"value": f"Texte libre {seed}x"}
    )
    choice = call.questions.filter(kind="single_choice").first()
    Answer.objects.update_or_create(
        application=application, question=choice, defaults={"value": choice.choices[0]}
    )
    application.refresh_from_db()
    return application


def submitted(call: Call, seed: int, *, officer: User, **kwargs) -> Application:
    """Submitted, screened, under review, with a message each way and a reviewer's opinion."""
    application = draft(call, seed, **kwargs)
    application_services.application_submit(application=application, by=application.created_by)
    selection_services.application_screen(application=application)
    selection_services.review_start(application=application, by=officer)
    selection_services.message_post(
        application=application, author=officer, body=f"Message {seed}x du DLA", from_dla=True
    )
    selection_services.message_post(
        application=application,
        author=application.created_by,
        body=f"Message {seed}x de la structure",
        from_dla=False,
    )
    from tests.selection.helpers import full_marks, scored

    scored(
        application, by=officer, marks=full_marks(call, 3, f"Avis {seed}x"), comment=f"Avis {seed}x"
    )
    application.refresh_from_db()
    return application


def decided(
    application: Application, outcome: str, *, officer: User, months_ago: int, now: dt.datetime
) -> Application:
    reasons = ["ranking"] if outcome == "rejected" else []
    decision = selection_services.decision_record(
        application=application,
        outcome=outcome,
        by=officer,
        reasons=reasons,
        comment=f"Précisions pour {application.lead_name}",
    )
    Decision.objects.filter(pk=decision.pk).update(decided_at=add_months(now, -months_ago))
    application.transitions.filter(to_status=outcome).update(at=add_months(now, -months_ago))
    application.refresh_from_db()
    return application


# --- What retention keeps, what it removes --------------------------------------------------------


def indicators() -> dict:
    """Aggregate facts a DLA reports: they must not move when personal data goes."""
    structures = ApplicationStructure.objects.all()

    def by(queryset, field):
        return dict(Counter(queryset.values_list(field, flat=True)))

    return {
        "applications": Application.objects.count(),
        "by_status": by(Application.objects.all(), "status"),
        "by_kind": by(Application.objects.all(), "kind"),
        "by_eligibility": by(Application.objects.all(), "eligibility"),
        "by_stage": by(Application.objects.all(), "maturity_stage__code"),
        "by_call": by(Application.objects.all(), "call_id"),
        "domains": sorted(map(str, Application.objects.values_list("shared_domains", flat=True))),
        "structures": structures.count(),
        "structure_count_sum": Application.objects.aggregate(s=Sum("structure_count"))["s"],
        "by_legal_form": by(structures, "legal_form"),
        "by_departement": by(structures, "departement"),
        "by_naf": by(structures, "naf_code"),
        "employees": structures.aggregate(s=Sum("employees"))["s"],
        "fte": structures.aggregate(s=Sum("fte"))["s"] or Decimal(0),
        "volunteers": structures.aggregate(s=Sum("volunteers"))["s"],
        "representatives": Representative.objects.count(),
        "decisions": dict(
            Decision.objects.values_list("outcome").annotate(n=Count("pk")).order_by("outcome")
        ),
        "decision_reasons": sorted(map(str, Decision.objects.values_list("reasons", flat=True))),
        "scores": Score.objects.aggregate(s=Sum("value"))["s"],
        "average_scores": sorted(
            str(s) for s in Application.objects.values_list("average_score", flat=True)
        ),
        "choice_answers": by(Answer.objects.filter(question__kind="single_choice"), "value"),
        "submitted": sorted(
            str(d) for d in Application.objects.values_list("submitted_at", flat=True)
        ),
    }


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
#: what was sent or run, kept a short while then purged by its own job (``requeue_emails``,
#: ``prune_db_task_results``), not by retention; the demo mailbox exists only in the demo
TRANSIENT = {"common.OutgoingEmail", "common.DemoEmail", "django_tasks_db.DBTaskResult"}


def text_rows():
    """Every text value of every table but the transient ones: (model label, field, value)."""
    for model in apps.get_models():
        if model._meta.label in TRANSIENT:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for name, value in zip(fields, row, strict=True):
                if value:
                    yield model._meta.label, name, str(value)


def found(strings: list[str]) -> list[tuple[str, str, str]]:
    """Where any of ``strings`` still appears in the database (case-insensitive)."""
    wanted = [s.casefold() for s in strings]
    return [
        (label, name, needle)
        for label, name, value in text_rows()
        for needle in wanted
        if needle in value.casefold()
    ]


def snapshot() -> dict:
    """Every row of every table, to prove a second run changes nothing."""
    return {
        model._meta.label: sorted(
            map(
                repr,
                model._default_manager.values_list(
                    *[f.attname for f in model._meta.concrete_fields]
                ),
            )
        )
        for model in apps.get_models()
        if model._meta.label not in {"sessions.Session"}
    }


def messages_of(application: Application) -> int:
    return Message.objects.filter(application=application).count()
