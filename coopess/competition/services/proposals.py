"""What a consulted provider writes through its secret link — its questions and its proposal
(draft kept, submission refused at the deadline to the minute, receipt through the outbox) — and
the marks of the comparison, given after a conflict-of-interest declaration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.common.mail import queue_email_message
from coopess.common.uploads import UploadRejected, inspect_upload, storage_name
from coopess.competition.models import (
    Consultation,
    ConsultationStatus,
    ConsultedProvider,
    Proposal,
    Question,
    Score,
)
from coopess.competition.services import CompetitionError

ALLOWED_KINDS = {"pdf", "docx", "odt"}
MAX_BYTES = 10 * 1024 * 1024
FIELDS = [
    "method",
    "calendar",
    "consultants",
    "half_days",
    "price_per_half_day",
    "total",
    "references",
]


_EMAIL = re.compile(r"[^\s,;<>()]*@[^\s,;<>()]*")
_SEPARATORS = " \t,;:<>()—–-"


@dataclass(frozen=True)
class ProposedConsultant:
    """One line of a proposal's « consultant·es intervenant·es »: a name and, when given, the
    address that gets access to the cohort's support if the proposal is chosen."""

    first_name: str
    last_name: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def consultant_lines(text: str, *, lenient: bool = False) -> list[ProposedConsultant]:
    """The consultants a proposal names, one per line (« Nadia Benali, nadia@exemple.fr »; the
    address is optional). A line whose address is not one raises a French message for the field;
    ``lenient`` (text written before the addresses were checked) keeps such a line as a name
    without an address instead."""
    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            people.append(_consultant_line(number, line))
        except CompetitionError:
            if not lenient:
                raise
            first, _, last = " ".join(line.split()).partition(" ")
            people.append(ProposedConsultant(first, last, ""))
    return people


def _consultant_line(number: int, line: str) -> ProposedConsultant:
    emails = _EMAIL.findall(line)
    if len(emails) > 1:
        raise CompetitionError(
            f"Ligne {number} : une seule adresse électronique par personne.", field="consultants"
        )
    email = emails[0] if emails else ""
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise CompetitionError(
                f"Ligne {number} : « {email} » n'est pas une adresse électronique valide.",
                field="consultants",
            ) from error
    name = " ".join(line.replace(email, " ").strip(_SEPARATORS).split() if email else line.split())
    if not name:
        raise CompetitionError(
            f"Ligne {number} : indiquez le prénom et le nom avant l'adresse.", field="consultants"
        )
    first, _, last = name.partition(" ")
    return ProposedConsultant(first, last, email.lower())


def proposal_for(consulted: ConsultedProvider) -> Proposal:
    consultation = consulted.consultation
    proposal, _ = Proposal.objects.get_or_create(
        consulted=consulted,
        defaults={
            "consultation": consultation,
            "deadline": consultation.deadline,
            "ceiling": consultation.budget_ceiling,
        },
    )
    return proposal


def _check_open(consultation: Consultation) -> None:
    if not consultation.is_open(at=timezone.now()):
        raise CompetitionError(
            "La date limite de réception des propositions est passée : votre brouillon est "
            "conservé mais ne peut plus être déposé."
        )


def proposal_save(
    *, consulted: ConsultedProvider, attachment: UploadedFile | None = None, **fields
) -> Proposal:
    """Keep the draft (whatever the deadline: nothing typed is lost)."""
    proposal = proposal_for(consulted)
    if proposal.submitted_at is not None:
        raise CompetitionError("Votre proposition est déjà déposée.")
    for name in FIELDS:
        if name in fields:
            setattr(proposal, name, fields[name])
    if attachment is not None:
        try:
            info = inspect_upload(attachment, allowed_kinds=ALLOWED_KINDS, max_bytes=MAX_BYTES)
        except UploadRejected as error:
            proposal.updated_at = timezone.now()
            proposal.save()
            raise CompetitionError(error.messages[0], field="attachment") from error
        attachment.seek(0)
        proposal.attachment.save(storage_name(info.kind), attachment, save=False)
        proposal.attachment_name = attachment.name[:200]
    proposal.updated_at = timezone.now()
    proposal.save()
    return proposal


def proposal_submit(*, consulted: ConsultedProvider) -> Proposal:
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consulted.consultation_id)
        _check_open(consultation)
        proposal = proposal_for(consulted)
        missing = [
            label
            for name, label in (
                ("method", "la méthode"),
                ("consultants", "les consultant·es"),
                ("price_per_half_day", "le prix par demi-journée"),
                ("total", "le prix total"),
                ("half_days", "le nombre de demi-journées"),
            )
            if getattr(proposal, name) in (None, "")
        ]
        if missing:
            raise CompetitionError("Complétez " + ", ".join(missing) + " avant de déposer.")
        proposal.submitted_at = timezone.now()
        proposal.deadline = consultation.deadline
        proposal.ceiling = consultation.budget_ceiling
        try:
            with transaction.atomic():
                proposal.save()
        except IntegrityError as error:  # the database's own check of the deadline
            raise CompetitionError("La date limite de réception est passée.") from error
        at = timezone.localtime(proposal.submitted_at, PARIS).strftime("%d/%m/%Y à %H:%M")
        queue_email_message(
            EmailMessage(
                subject="Accusé de réception de votre proposition",
                body=(
                    f"Bonjour {consulted.provider.contact_name},\n\n"
                    f"Votre proposition a été reçue le {at} (heure de Paris).\n"
                    f"Prix total : {proposal.total} € TTC.\n"
                ),
                to=[consulted.provider.email],
            ),
            key=f"competition-receipt:{proposal.pk}",
        )
    return proposal


def question_ask(*, consulted: ConsultedProvider, text: str) -> Question:
    if not text.strip():
        raise CompetitionError("Écrivez votre question.", field="text")
    _check_open(consulted.consultation)
    return Question.objects.create(
        consultation=consulted.consultation, asked_by=consulted, text=text.strip()
    )


def question_answer(*, question: Question, by: User, answer: str) -> Question:
    """The answer is published to every consulted provider, without saying who asked."""
    if not answer.strip():
        raise CompetitionError("Écrivez la réponse.", field="answer")
    question.answer = answer.strip()
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_at"])
    return question


def score_save(
    *, proposal: Proposal, by: User, marks: dict[str, Decimal], no_conflict: bool, comment: str = ""
) -> Score:
    if not no_conflict:
        raise CompetitionError(
            "Déclarez n'avoir aucun lien d'intérêt avec ce prestataire avant de noter.",
            field="no_conflict",
        )
    if proposal.consultation.status not in (
        ConsultationStatus.CLOSED,
        ConsultationStatus.CONSULTING,
    ):
        raise CompetitionError("La comparaison est terminée.")
    for key, value in marks.items():
        if not 0 <= value <= 20:
            raise CompetitionError("Chaque note va de 0 à 20.", field=f"mark_{key}")
    now = timezone.now()
    score, _ = Score.objects.update_or_create(
        proposal=proposal,
        by=by,
        defaults={
            "marks": {k: float(v) for k, v in marks.items()},
            "comment": comment,
            "no_conflict_declared_at": now,
            "conflict_declared_at": None,
            "conflict_note": "",
            "marked_at": now,
        },
    )
    return score


def submitted_with_scores(consultation: Consultation) -> list[Proposal]:
    """The consultation's submitted proposals with their providers and every mark (authors
    read along): the comparison's rows, in the order they came."""
    return list(
        Proposal.objects.filter(consultation=consultation, submitted_at__isnull=False)
        .select_related("consulted__provider")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("by").order_by("pk"))
        )
        .order_by("pk")
    )


def average_marks(proposal: Proposal, criteria: list[dict]) -> float | None:
    """The average weighted mark of everyone who marked (the officer and the comité d'appui's
    members); declarations without marks do not count. Reads the prefetched ``scores``."""
    scores = [s for s in proposal.scores.all() if s.is_marked]
    if not scores:
        return None
    return round(sum(s.weighted(criteria) for s in scores) / len(scores), 2)
