"""The notifications the other apps' events call for (``coopess.common.events``): each hook
subscribes to an event, runs after the announcing transaction commits, only reads ids (the
follow-ups scheduler's batches: plain rows) and defers its work once more through
``notify_on_commit``: a rolled-back action notifies nobody, and a failure here never breaks the
action. The services already send their own emails (receipts, letters, invitations), so these
notifications are in-app only, except the officers' « new application » and « new message »,
which follow each officer's choice (immediate email or daily digest). One exception: the
partner finder's contact requests are notified inside the announcing transaction, as they
always were. No app calls ``services.notify`` directly: it announces an event instead.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.common import events as E
from coopess.notifications.models import NotificationKind as K
from coopess.notifications.services import notify, notify_on_commit


def _structure_users(structure_ids) -> dict[int, list[User]]:
    from coopess.applications.models import ApplicationAccess

    users: dict[int, list[User]] = {}
    for access in ApplicationAccess.objects.filter(
        structure_id__in=list(structure_ids)
    ).select_related("user"):
        users.setdefault(access.structure_id, []).append(access.user)
    return users


def _operator_officers(operator_id: int):
    return User.objects.filter(
        roles_held__role=Role.OFFICER, roles_held__organisation_id=operator_id, is_active=True
    ).distinct()


# --- applications and selection ---------------------------------------------------------------


@E.subscribe(E.APPLICATION_SUBMITTED)
def application_submitted(application, *, first: bool = True) -> None:
    notify_on_commit(_application_submitted, application.pk, first)


def _application_submitted(application_id: int, first: bool) -> None:
    from coopess.applications.models import Application

    application = Application.objects.select_related("call").get(pk=application_id)
    title = application.project_title or "sans titre"
    users = [a.user for a in application.accesses.select_related("user")]
    if first:
        text = f"Candidature « {title} » déposée (récépissé {application.receipt_number})"
    else:
        text = f"Compléments envoyés pour la candidature « {title} »"
    notify(
        users,
        K.APPLICATION_SUBMITTED,
        text,
        reverse("applications:detail", args=[application.public_id]),
        email=False,
        application=application,
    )
    notify(
        _operator_officers(application.call.operator_id),
        K.APPLICATION_RECEIVED,
        ("Nouvelle candidature" if first else "Compléments reçus")
        + f" : « {title} » ({application.call})",
        reverse("selection:application", kwargs={"public_id": application.public_id}),
        email=True,
        application=application,
    )


@E.subscribe(E.DECISIONS_SENT)
def decisions_sent(decision_ids) -> None:
    decision_ids = list(decision_ids)
    if decision_ids:  # nothing left to send: nothing to wait for either
        notify_on_commit(_decisions_sent, decision_ids)


def _decisions_sent(decision_ids: list[int]) -> None:
    from coopess.selection.models import Decision

    for decision in Decision.objects.filter(pk__in=decision_ids).select_related("application"):
        application = decision.application
        notify(
            [a.user for a in application.accesses.select_related("user")],
            K.DECISION,
            f"Décision sur la candidature « {application.project_title or 'sans titre'} » : "
            f"{decision.get_outcome_display().lower()}",
            reverse("applications:detail", args=[application.public_id]),
            email=False,
            application=application,
        )


def _application_accounts(application) -> list[User]:
    return [access.user for access in application.accesses.select_related("user")]


@E.subscribe(E.MESSAGE_POSTED)
def message_posted(message) -> None:
    notify_on_commit(_message_posted, message.pk)


def _message_posted(message_id: int) -> None:
    """The DLA wrote: the application's accounts, in-app (they had the email). A representative
    wrote: the call's officers, by email now or in their daily digest, as each chose (when
    the DLA has no officer account, selection emails the call's contact instead)."""
    from coopess.selection.models import Message

    message = Message.objects.select_related("application__call").get(pk=message_id)
    application = message.application
    title = application.project_title or "sans titre"
    if message.from_dla:
        notify(
            _application_accounts(application),
            K.OTHER,
            f"Nouveau message sur la candidature « {title} » : le DLA vous a écrit",
            reverse("applications:detail", args=[application.public_id]),
            email=False,
            application=application,
        )
        return
    notify(
        list(_operator_officers(application.call.operator_id)),
        K.OTHER,
        f"Nouveau message sur la candidature {application.receipt_number or ''} "
        f"« {title} »".replace("  ", " "),
        reverse("selection:application", args=[application.public_id]),
        email=True,
        body="Une structure a écrit au sujet de sa candidature : le message se lit sur "
        "CoopESS, en suivant le lien ci-dessous.",
        application=application,
    )


@E.subscribe(E.COMPLEMENTS_REQUESTED)
def complements_requested(application) -> None:
    notify_on_commit(_complements_requested, application.pk)


def _complements_requested(application_id: int) -> None:
    from coopess.applications.models import Application

    application = Application.objects.get(pk=application_id)
    notify(
        _application_accounts(application),
        K.OTHER,
        f"Compléments demandés pour la candidature « {application.project_title or 'sans titre'} »",
        reverse("applications:detail", args=[application.public_id]),
        email=False,
        application=application,
    )


# --- diagnostic --------------------------------------------------------------------------------

INTERVIEW_TITLES = {
    "booked": "Entretien de diagnostic réservé",
    "moved": "Entretien de diagnostic déplacé",
    "cancelled": "Entretien de diagnostic annulé",
}


@E.subscribe(E.INTERVIEW_CHANGED)
def interview_changed(interview, *, kind: str) -> None:
    if kind in INTERVIEW_TITLES:
        notify_on_commit(_interview_changed, interview.pk, kind)


def _interview_changed(interview_id: int, kind: str) -> None:
    from django.utils import timezone
    from django.utils.formats import date_format

    from coopess.calls.calendar import PARIS
    from coopess.diagnostic.models import Interview

    interview = Interview.objects.select_related("structure__application", "officer").get(
        pk=interview_id
    )
    if interview.structure_id is None:
        return
    when = date_format(timezone.localtime(interview.starts_at, PARIS), "j F Y à H \\h i")
    title = f"{INTERVIEW_TITLES[kind]} : {interview.structure.name}, le {when}"
    notify(
        _structure_users([interview.structure_id]).get(interview.structure_id, []),
        K.INTERVIEW,
        title,
        reverse("diagnostic:structure", kwargs={"structure_id": interview.structure_id}),
        email=False,
        application=interview.structure.application,
    )
    notify(
        [interview.officer],
        K.INTERVIEW,
        title,
        reverse("diagnostic:interviews", kwargs={"cohort_id": interview.cohort_id}),
        email=False,
        application=interview.structure.application,
    )


@E.subscribe(E.WORKSHOP_CHANGED)
def workshop_changed(workshop, *, kind: str) -> None:
    notify_on_commit(_workshop_changed, workshop.pk, kind)


def _workshop_changed(workshop_id: int, kind: str) -> None:
    """In-app notifications (the invitations are already emailed): the accounts acting for
    every structure of the cohort, each on its structure's workshop page, and the organiser."""
    from coopess.diagnostic.models import Workshop
    from coopess.diagnostic.permissions import cohort_structures
    from coopess.diagnostic.services.workshop import NOTIFICATION_TITLES, _when

    workshop = Workshop.objects.select_related("cohort", "organiser").get(pk=workshop_id)
    title = f"{NOTIFICATION_TITLES[kind].format(when=_when(workshop.starts_at))} — " + (
        workshop.cohort.name
    )
    structure_ids = cohort_structures(workshop.cohort).values_list("pk", flat=True)
    for structure_id, users in sorted(_structure_users(structure_ids).items()):
        notify(
            users,
            K.WORKSHOP,
            title,
            reverse("diagnostic:structure_workshop", kwargs={"structure_id": structure_id}),
            email=False,
        )
    if workshop.organiser is not None:
        notify(
            [workshop.organiser],
            K.WORKSHOP,
            title,
            reverse("diagnostic:workshop", kwargs={"cohort_id": workshop.cohort_id}),
            email=False,
        )


@E.subscribe(E.SYNTHESIS_CIRCULATED)
def synthesis_circulated(version) -> None:
    notify_on_commit(_synthesis_circulated, version.pk)


def _synthesis_circulated(version_id: int) -> None:
    from coopess.diagnostic.models import SynthesisVersion
    from coopess.diagnostic.permissions import cohort_structures

    version = SynthesisVersion.objects.select_related("cohort").get(pk=version_id)
    structures = list(cohort_structures(version.cohort))
    users = _structure_users([s.pk for s in structures])
    for structure in structures:
        notify(
            users.get(structure.pk, []),
            K.SYNTHESIS,
            f"Synthèse du diagnostic partagé à relire (version {version.number})",
            reverse("diagnostic:structure", kwargs={"structure_id": structure.pk}),
            email=False,
        )


# --- collective support ------------------------------------------------------------------------

SESSION_TITLES = {
    "planned": "Séance d'accompagnement prévue",
    "updated": "Séance d'accompagnement modifiée",
    "cancelled": "Séance d'accompagnement annulée",
}


@E.subscribe(E.SESSION_CHANGED)
def session_changed(session, *, kind: str) -> None:
    if kind in SESSION_TITLES:
        notify_on_commit(_session_changed, session.pk, kind)


def _session_changed(session_id: int, kind: str) -> None:
    from django.utils import timezone
    from django.utils.formats import date_format

    from coopess.calls.calendar import PARIS
    from coopess.diagnostic.permissions import cohort_structures
    from coopess.support.models import Session

    session = Session.objects.select_related("engagement", "created_by").get(pk=session_id)
    when = date_format(timezone.localtime(session.starts_at, PARIS), "j F Y à H \\h i")
    title = f"{SESSION_TITLES[kind]} : « {session.title} », le {when}"
    if session.structure_id:
        structure_ids = [session.structure_id]
    else:
        structure_ids = list(cohort_structures(session.cohort).values_list("pk", flat=True))
    users = _structure_users(structure_ids)
    for structure_id in structure_ids:
        notify(
            users.get(structure_id, []),
            K.SESSION,
            title,
            reverse("support:structure", kwargs={"structure_id": structure_id}),
            email=False,
        )
    staff = list(session.engagement.consultants.all())
    if session.created_by:
        staff.append(session.created_by)
    notify(
        staff,
        K.SESSION,
        title,
        reverse(
            "support:session", kwargs={"cohort_id": session.cohort_id, "session_id": session.pk}
        ),
        email=False,
    )


# --- partner finder ------------------------------------------------------------------------------


@E.subscribe(E.CONTACT_REQUEST_CHANGED, during_transaction=True)
def contact_request_changed(request, *, structure_id: int, title: str, body: str) -> None:
    """A contact request or an introduction the structure's users must hear of (its email
    follows each person's choice), written with the action itself."""
    from coopess.finder.services.contacts import structure_users

    notify(
        structure_users(structure_id),
        K.OTHER,
        title,
        link=reverse("finder:request", args=[request.pk]),
        body=body,
    )


# --- follow-ups (the scheduler's batches: two queries per batch) ------------------------------
# The scheduler's emails already carry the news, so these notifications send none (``email=False``
# in ``notifications.services.notify`` terms); they are created in bulk rather than through
# ``notify``, one row per person, so that the scheduler's query count stays flat.


@E.subscribe(E.FOLLOWUPS_SENT)
def followups_sent(rows) -> None:
    notify_on_commit(_followups_sent, rows)


def _followups_sent(rows) -> None:
    """Each active account acting for a structure: « its follow-up questionnaire is open »."""
    from coopess.applications.models import ApplicationAccess
    from coopess.notifications.models import Notification

    accesses = ApplicationAccess.objects.filter(
        structure_id__in=sorted({row.structure_id for row in rows}), user__is_active=True
    ).values_list("structure_id", "user_id", "structure__application_id")
    by_structure: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for structure_id, user_id, application_id in accesses:
        by_structure[structure_id].append((user_id, application_id))
    notifications = []
    for row in rows:
        seen = set()
        for user_id, application_id in by_structure.get(row.structure_id, []):
            if user_id in seen:
                continue
            seen.add(user_id)
            notifications.append(
                Notification(
                    user_id=user_id,
                    kind=K.FOLLOWUP,
                    title=f"{row.label} : votre questionnaire est ouvert ({row.structure_name})"[
                        :300
                    ],
                    link=reverse("followups:answer", args=[row.token]),
                    application_id=application_id,
                )
            )
    Notification.objects.bulk_create(notifications, batch_size=1000)


@E.subscribe(E.FOLLOWUPS_OVERDUE)
def followups_overdue(rows) -> None:
    notify_on_commit(_followups_overdue, rows)


def _followups_overdue(rows) -> None:
    """The officers of each cohort's DLA: one notification per cohort and run."""
    from coopess.notifications.models import Notification

    officers: dict[int, set[int]] = defaultdict(set)
    for operator_id, user_id in RoleAssignment.objects.filter(
        role=Role.OFFICER,
        organisation_id__in={row.operator_id for row in rows},
        user__is_active=True,
    ).values_list("organisation_id", "user_id"):
        officers[operator_id].add(user_id)
    by_cohort: dict[int, list] = defaultdict(list)
    for row in rows:
        by_cohort[row.cohort_id].append(row)
    notifications = []
    for cohort_id, cohort_rows in by_cohort.items():
        first, count = cohort_rows[0], len(cohort_rows)
        title = (
            f"{count} suivi{'s' if count > 1 else ''} en retard — {first.cohort_name} "
            "(sans réponse après deux relances)"
        )
        for user_id in sorted(officers.get(first.operator_id, ())):
            notifications.append(
                Notification(
                    user_id=user_id,
                    kind=K.FOLLOWUP,
                    title=title[:300],
                    link=reverse("followups:cohort", args=[cohort_id]),
                )
            )
    Notification.objects.bulk_create(notifications, batch_size=1000)
