"""The comité d'appui's part in the comparison, when the consultation says it marks the
proposals: the officer turns it on and assigns members (reviewers of the cohort's DLA); each
member is told by email once the answers are closed, declares for each proposal whether they
have a conflict of interest with its provider (as the selection committee's reviewers do), then
marks it once on the announced criteria — a declared conflict forbids marking it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.common.declarations import record_declaration
from coopess.common.mail import queue_email_message
from coopess.competition.models import (
    CommitteeMember,
    Consultation,
    ConsultationStatus,
    ConsultationTransition,
    Proposal,
    Score,
)
from coopess.competition.services import CompetitionError, competition_settings_for

S = ConsultationStatus
#: while the comparison is still to come or under way
OPEN_STATES = (S.DRAFT, S.CONSULTING, S.CLOSED)


def eligible_members(consultation: Consultation):
    """The reviewers of the cohort's DLA (its committee members), officers of it excepted: they
    mark from the comparison itself."""
    operator_id = consultation.cohort.call.operator_id
    officers = RoleAssignment.objects.filter(role=Role.OFFICER, organisation_id=operator_id)
    return (
        User.objects.filter(
            is_active=True,
            roles_held__role=Role.REVIEWER,
            roles_held__organisation_id=operator_id,
        )
        .exclude(pk__in=officers.values("user_id"))
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def committee_configure(
    *, consultation: Consultation, by: User, committee_scores: bool
) -> Consultation:
    """Say whether the comité d'appui marks this consultation's proposals."""
    if consultation.status not in OPEN_STATES:
        raise CompetitionError("La comparaison est terminée.", field="committee_scores")
    if not committee_scores and consultation.committee.exists():
        raise CompetitionError(
            "Des membres du comité d'appui sont déjà désignés : la notation par le comité "
            "reste active.",
            field="committee_scores",
        )
    if consultation.committee_scores == committee_scores:
        return consultation
    consultation.committee_scores = committee_scores
    consultation.save(update_fields=["committee_scores"])
    ConsultationTransition.objects.create(
        consultation=consultation,
        from_status=consultation.status,
        to_status=consultation.status,
        by=by,
        comment="Notation par le comité d'appui "
        + ("activée" if committee_scores else "désactivée")
        + f" (réglage de l'appel : {'oui' if _call_says(consultation) else 'non'})",
    )
    return consultation


def _call_says(consultation: Consultation) -> bool:
    return competition_settings_for(consultation.cohort.call).committee_scores


def committee_member_assign(
    *, consultation: Consultation, member: User, by: User
) -> CommitteeMember:
    if not consultation.committee_scores:
        raise CompetitionError(
            "Indiquez d'abord que le comité d'appui note les propositions.", field="member"
        )
    if consultation.status not in OPEN_STATES:
        raise CompetitionError("La comparaison est terminée.", field="member")
    if not eligible_members(consultation).filter(pk=member.pk).exists():
        raise CompetitionError(f"{member} n'est pas membre du comité de votre DLA.", field="member")
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        assigned, _ = CommitteeMember.objects.get_or_create(
            consultation=consultation, member=member, defaults={"assigned_by": by}
        )
        if consultation.status == S.CLOSED:
            committee_notify(consultation=consultation)
    return assigned


def committee_notify(*, consultation: Consultation) -> int:
    """Tell each assigned member not told yet that the proposals are ready to be marked (once
    the answers are closed); through the outbox, once per member."""
    consultation = Consultation.objects.select_related("cohort").get(pk=consultation.pk)
    if consultation.status != S.CLOSED or not consultation.committee_scores:
        return 0
    link = settings.COOPESS_BASE_URL + reverse(
        "competition:committee_consultation", args=[consultation.pk]
    )
    told = 0
    for item in consultation.committee.filter(notified_at__isnull=True).select_related("member"):
        queue_email_message(
            EmailMessage(
                subject="Comité d'appui : des propositions de prestataires à noter",
                body=(
                    f"Bonjour {item.member.get_full_name() or item.member.email},\n\n"
                    f"Les réponses à la mise en concurrence « {consultation.cohort} » sont "
                    "closes. Le DLA vous demande de noter les propositions reçues sur les "
                    "critères annoncés, après avoir déclaré vos éventuels liens d'intérêt :\n"
                    f"{link}\n"
                ),
                to=[item.member.email],
            ),
            key=f"competition-committee:{item.pk}",
        )
        item.notified_at = timezone.now()
        item.save(update_fields=["notified_at"])
        told += 1
    return told


def _score_row(*, proposal: Proposal, by: User) -> Score:
    score, _ = Score.objects.select_for_update().get_or_create(proposal=proposal, by=by)
    return score


def member_declare(
    *, assigned: CommitteeMember, proposal: Proposal, has_conflict: bool, note: str = ""
) -> Score:
    """The member's declaration about one proposal's provider (before seeing it in full)."""
    with transaction.atomic():
        score = _score_row(proposal=proposal, by=assigned.member)
        if score.is_marked:
            raise CompetitionError("Vos notes de cette proposition sont déjà enregistrées.")
        record_declaration(score, has_conflict=has_conflict, note=note, at=timezone.now())
        score.save()
    return score


def member_score(
    *,
    assigned: CommitteeMember,
    proposal: Proposal,
    marks: dict[str, Decimal],
    comment: str = "",
) -> Score:
    """The member's marks of one proposal, once, after a declaration of no conflict."""
    consultation = assigned.consultation
    if consultation.status != S.CLOSED:
        raise CompetitionError("Les propositions se notent une fois les réponses closes.")
    with transaction.atomic():
        score = _score_row(proposal=proposal, by=assigned.member)
        if score.has_conflict:
            raise CompetitionError(
                "Vous avez déclaré un lien d'intérêt avec ce prestataire : vous ne notez pas "
                "sa proposition."
            )
        if score.no_conflict_declared_at is None:
            raise CompetitionError("Déclarez d'abord vos éventuels liens d'intérêt.")
        if score.is_marked:
            raise CompetitionError("Vos notes de cette proposition sont déjà enregistrées.")
        keys = {c["key"] for c in consultation.criteria}
        for key, value in marks.items():
            if key not in keys or not 0 <= value <= 20:
                raise CompetitionError("Chaque note va de 0 à 20.", field=f"mark_{key}")
        missing = keys - set(marks)
        if missing:
            raise CompetitionError("Notez chaque critère.", field=f"mark_{sorted(missing)[0]}")
        score.marks = {k: float(v) for k, v in marks.items()}
        score.comment = comment.strip()
        score.marked_at = timezone.now()
        try:
            with transaction.atomic():
                score.save()
        except IntegrityError as error:  # the database's own check of the declaration
            raise CompetitionError("Un conflit d'intérêts déclaré interdit de noter.") from error
    return score


def committee_member_remove(*, assigned: CommitteeMember, by: User) -> None:
    """Take back a member's assignment while the comparison is open, as long as they have
    declared or marked nothing on this consultation's proposals (their declarations and marks
    stay, so a member who began cannot be removed)."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=assigned.consultation_id)
        if consultation.status not in OPEN_STATES:
            raise CompetitionError(
                "La comparaison est terminée : le comité d'appui reste tel quel."
            )
        began = Score.objects.filter(
            proposal__consultation=consultation, by_id=assigned.member_id
        ).exists()
        if began:
            raise CompetitionError(
                f"{assigned.member.get_full_name() or assigned.member.email} a déjà déclaré ses "
                "liens d'intérêt ou noté une proposition : ce membre ne peut plus être retiré."
            )
        CommitteeMember.objects.filter(pk=assigned.pk).delete()
