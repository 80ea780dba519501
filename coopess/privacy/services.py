"""Every write about personal data: retention, erasure requests, the export log."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from coopess.accounts.models import STAFF_ROLES, Role, RoleAssignment, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application, ApplicationAccess, Representative
from coopess.calls.models import Call
from coopess.common.mail import queue_email_message
from coopess.privacy.models import (
    AnonymisationRecord,
    AnonymisationRule,
    ErasureRequest,
    ErasureStatus,
    PersonalDataExportLog,
)
from coopess.privacy.registry import sources
from coopess.privacy.retention import (
    IN_PROGRESS,
    Retention,
    expired_applications,
    retention_of,
    with_retention_dates,
)
from coopess.privacy.sources import person_emails

logger = logging.getLogger("coopess")

ANONYMOUS_DOMAIN = "anonyme.invalid"


class PrivacyError(Exception):
    """A refusal with a French message for the person who asked."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# --- Anonymising applications and accounts --------------------------------------------------------


def _people_of(application_ids: list[int]) -> set[int]:
    """Accounts linked to these applications (before their accesses go)."""
    people = set(
        ApplicationAccess.objects.filter(application_id__in=application_ids).values_list(
            "user_id", flat=True
        )
    )
    people.update(
        Application.objects.filter(pk__in=application_ids).values_list("created_by_id", flat=True)
    )
    return people


@transaction.atomic
def application_anonymise(
    *,
    application: Application,
    rule: str,
    reference: dt.datetime | None = None,
    by: User | None = None,
) -> AnonymisationRecord | None:
    """Remove the personal data of one application, keep its aggregate facts.

    Returns None when it was already anonymised (nothing changes the second time).
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if AnonymisationRecord.objects.filter(application=application).exists():
        return None
    files = application.attachments.count() + application.decisions.exclude(letter_pdf="").count()
    queryset = Application.objects.filter(pk=application.pk)
    for source in sources():
        if source.anonymise:
            source.anonymise(queryset)
    return AnonymisationRecord.objects.create(
        application=application, rule=rule, reference_date=reference, by=by, files_deleted=files
    )


def has_live_data(user: User) -> bool:
    """Whether this account still serves something: a staff role, an application not
    anonymised, a pending erasure request."""
    if not user.roles.isdisjoint(STAFF_ROLES):
        return True
    live = Application.objects.filter(anonymisation__isnull=True)
    return (
        live.filter(Q(accesses__user=user) | Q(created_by=user)).exists()
        or user.erasure_requests.filter(status=ErasureStatus.PENDING).exists()
    )


def is_scrubbed(user: User) -> bool:
    return user.email.endswith(f"@{ANONYMOUS_DOMAIN}")


@transaction.atomic
def user_scrub(*, user: User) -> bool:
    """Deactivate an account and forget who it was. Returns False if already done."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    user = User.objects.select_for_update().get(pk=user.pk)
    if is_scrubbed(user):
        return False
    user.email = f"anonyme-{user.pk}@{ANONYMOUS_DOMAIN}"
    user.first_name = user.last_name = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    RoleAssignment.objects.filter(user=user, role=Role.APPLICANT).delete()
    return True


@dataclass
class RetentionReport:
    expired: list[tuple[Application, Retention]] = field(default_factory=list)
    anonymised: int = 0
    accounts: int = 0
    dry_run: bool = False


def retention_apply(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Anonymise every application whose retention period is over, then the accounts left
    with nothing live. Idempotent: a second run finds nothing to do."""
    now = now or timezone.now()
    report = RetentionReport(expired=expired_applications(now), dry_run=dry_run)
    if dry_run:
        return report
    people: set[int] = set()
    for application, retention in report.expired:
        people |= _people_of([application.pk])
        if application_anonymise(
            application=application, rule=retention.rule, reference=retention.reference
        ):
            report.anonymised += 1
    for user in User.objects.filter(pk__in=people).order_by("pk"):
        if not is_scrubbed(user) and not has_live_data(user) and user_scrub(user=user):
            report.accounts += 1
    return report


# --- What a person's data is, for the download --------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def person_data(user: User) -> dict[str, Any]:
    """Everything CoopESS holds about this person, and nothing about anyone else."""
    sections: dict[str, list] = {}
    for source in sources():
        if source.export_person:
            for title, rows in source.export_person(user).items():
                sections.setdefault(title, []).extend(rows)
    return {
        "service": settings.COOPESS_SITE_NAME,
        "exporte_le": timezone.now().isoformat(),
        "compte": {
            "adresse_electronique": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "telephone": user.phone,
            "inscrit_le": _when(user.date_joined),
            "derniere_connexion": _when(user.last_login),
            "roles": [str(assignment) for assignment in user.role_assignments],
        },
        **sections,
        "Demandes d'effacement": [
            {
                "recue_le": _when(request.created_at),
                "motif": request.reason,
                "etat": request.get_status_display(),
                "traitee_le": _when(request.decided_at),
                "reponse": request.response,
            }
            for request in user.erasure_requests.all()
        ],
    }


def row_count(data: dict[str, Any]) -> int:
    """How many records a download holds (the account counts for one)."""
    return 1 + sum(len(value) for value in data.values() if isinstance(value, list))


# --- The export log -----------------------------------------------------------------------------


def personal_data_export_log(
    *,
    by: User,
    what: str,
    fmt: str,
    rows: int,
    call: Call | None = None,
    subject: User | None = None,
    filters: str = "",
) -> PersonalDataExportLog:
    """Record one export of personal data by a member of staff."""
    return PersonalDataExportLog.objects.create(
        by=by,
        by_email=by.email,
        what=what[:300],
        fmt=fmt[:10],
        rows=rows,
        call=call,
        subject=subject,
        filters=filters[:500],
    )


# --- Erasure requests ---------------------------------------------------------------------------


def applications_of(user: User):
    """Applications this person works on or is named in (not yet anonymised)."""
    named = Representative.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=person_emails(user)
    )
    return Application.objects.filter(
        Q(accesses__user=user)
        | Q(created_by=user)
        | Q(pk__in=named.values("structure__application_id"))
    ).filter(anonymisation__isnull=True)


@dataclass(frozen=True)
class PlanItem:
    application: Application
    action: str  # "erase", "anonymise" (the whole draft), "keep"
    explanation: str


@dataclass
class ErasurePlan:
    items: list[PlanItem]
    account_kept: str  # why the account stays; empty when it goes

    @property
    def erased(self) -> list[PlanItem]:
        return [i for i in self.items if i.action != "keep"]

    @property
    def kept(self) -> list[PlanItem]:
        return [i for i in self.items if i.action == "keep"]


def _kept_until(retention: Retention) -> str:
    if retention.expires_at is None:
        return ""
    if retention.expires_at <= timezone.now():
        return (
            " Leur durée de conservation est écoulée : elles seront anonymisées lors du "
            "prochain traitement, dans la nuit."
        )
    day = date_format(timezone.localtime(retention.expires_at), "j F Y")
    return f" Elles seront anonymisées le {day}."


def erasure_plan(user: User) -> ErasurePlan:
    """What accepting an erasure request would erase, and what must stay (and why)."""
    applications = with_retention_dates(applications_of(user).distinct()).select_related(
        "cohort_membership__cohort"
    )
    items = []
    for application in applications.order_by("created_at", "pk"):
        retention = retention_of(application)
        others = application.accesses.exclude(user=user).exists()
        if application.status == ApplicationStatus.DRAFT and not others:
            items.append(
                PlanItem(
                    application,
                    "anonymise",
                    "Brouillon jamais déposé dont vous êtes la seule personne : il est "
                    "entièrement anonymisé.",
                )
            )
        elif application.status in IN_PROGRESS:
            items.append(
                PlanItem(
                    application,
                    "keep",
                    "Candidature en cours d'instruction : le DLA a besoin d'un contact pour "
                    "l'examiner. Retirez-la, ou faites désigner une autre personne, puis "
                    "renouvelez votre demande.",
                )
            )
        elif application.status == ApplicationStatus.SELECTED:
            items.append(
                PlanItem(
                    application,
                    "keep",
                    "Structure accompagnée : le DLA, financé sur fonds publics (article 61 de la "
                    "loi du 31 juillet 2014, décret n° 2015-1103), doit pouvoir justifier "
                    "l'accompagnement et son suivi auprès de l'État et des autres financeurs "
                    "pendant la durée de conservation fixée pour l'appel." + _kept_until(retention),
                )
            )
        else:
            items.append(
                PlanItem(
                    application,
                    "erase",
                    "Vos nom, coordonnées, messages et accès sont effacés ; les informations sur "
                    "la structure et la décision sont conservées jusqu'à la fin de la durée de "
                    "conservation." + _kept_until(retention),
                )
            )
    if not user.roles.isdisjoint(STAFF_ROLES):
        account_kept = (
            "Vous avez un rôle dans l'équipe (DLA, comité, consultant·e, financeur ou "
            "administration) : votre compte est conservé tant que ce rôle vous est attribué."
        )
    elif any(item.action == "keep" for item in items):
        account_kept = (
            "Votre compte est conservé tant que des candidatures ci-dessus le sont : il vous "
            "permet d'y accéder."
        )
    else:
        account_kept = ""
    return ErasurePlan(items=items, account_kept=account_kept)


def _operators_of(user: User) -> list[int]:
    return list(
        applications_of(user).values_list("call__operator_id", flat=True).distinct().order_by()
    )


def _handlers(request: ErasureRequest) -> list[str]:
    """The officers of the DLAs concerned, or the administrators when no DLA is."""
    operators = list(request.operators.values_list("pk", flat=True))
    if operators:
        people = User.objects.filter(
            roles_held__role=Role.OFFICER, roles_held__organisation_id__in=operators
        )
    else:
        people = User.objects.filter(roles_held__role=Role.ADMIN)
    return sorted(set(people.filter(is_active=True).values_list("email", flat=True)))


def _link(name: str, *args) -> str:
    return settings.COOPESS_BASE_URL + reverse(name, args=args)


@transaction.atomic
def erasure_request_create(*, user: User, reason: str) -> ErasureRequest:
    if not reason.strip():
        raise PrivacyError("Dites en quelques mots pourquoi vous demandez l'effacement.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erasure_requests.filter(status=ErasureStatus.PENDING).exists():
        raise PrivacyError(
            "Vous avez déjà une demande en attente : le DLA vous répondra par courriel."
        )
    request = ErasureRequest.objects.create(user=user, reason=reason.strip())
    request.operators.set(_operators_of(user))
    handlers = _handlers(request)
    if handlers:
        queue_email_message(
            EmailMessage(
                subject="[CoopESS] Demande d'effacement de données personnelles",
                body=render_to_string(
                    "privacy/email/request_received.txt",
                    {"request": request, "link": _link("privacy:request", request.public_id)},
                ),
                to=handlers,
            )
        )
    return request


def _lock_pending(request: ErasureRequest) -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureStatus.PENDING:
        raise PrivacyError(
            f"Cette demande est déjà traitée ({request.get_status_display().lower()})."
        )
    return request


def _plan_text(plan: ErasurePlan) -> str:
    lines = []
    for item in plan.items:
        label = item.application.receipt_number or "brouillon"
        title = f"{item.application.call.title} ({label})"
        verdict = "conservée" if item.action == "keep" else "effacée"
        lines.append(f"- {title} : {verdict}. {item.explanation}")
    if plan.account_kept:
        lines.append(f"- Votre compte : conservé. {plan.account_kept}")
    else:
        lines.append("- Votre compte : supprimé (désactivé et anonymisé).")
    return "\n".join(lines)


@transaction.atomic
def erasure_accept(*, request: ErasureRequest, by: User, note: str = "") -> ErasureRequest:
    """Erase what can be erased, explain what stays, tell the person."""
    request = _lock_pending(request)
    user = request.user
    plan = erasure_plan(user)
    response = _plan_text(plan)
    if note.strip():
        response += f"\n\nPrécisions du DLA : {note.strip()}"
    request.status = ErasureStatus.ACCEPTED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.response = response
    request.save()
    # tell the person while their address is still known
    queue_email_message(
        EmailMessage(
            subject="[CoopESS] Votre demande d'effacement de données personnelles",
            body=render_to_string(
                "privacy/email/request_accepted.txt", {"request": request, "plan": plan}
            ),
            to=[user.email],
        )
    )
    to_erase = [item.application.pk for item in plan.items if item.action == "erase"]
    for item in plan.items:
        if item.action == "anonymise":
            application_anonymise(
                application=item.application, rule=AnonymisationRule.ERASURE, by=by
            )
    queryset = Application.objects.filter(pk__in=to_erase)
    for source in sources():
        if source.erase_person:
            source.erase_person(user, queryset)
    if not plan.account_kept:
        user_scrub(user=user)
    return request


@transaction.atomic
def erasure_refuse(*, request: ErasureRequest, by: User, reason: str) -> ErasureRequest:
    if not reason.strip():
        raise PrivacyError("Écrivez le motif du refus : il est envoyé à la personne.")
    request = _lock_pending(request)
    request.status = ErasureStatus.REFUSED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.response = reason.strip()
    request.save()
    queue_email_message(
        EmailMessage(
            subject="[CoopESS] Votre demande d'effacement de données personnelles",
            body=render_to_string("privacy/email/request_refused.txt", {"request": request}),
            to=[request.user.email],
        )
    )
    return request
