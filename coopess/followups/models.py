"""Follow-ups of the structures of a cohort, at +N months after the end of its support.

A follow-up moves ``scheduled → sent → answered | overdue`` (and ``overdue → answered`` for a
late answer, ``scheduled → answered`` when the officer fills it during a phone call before the
due date). Each move is logged in ``FollowUpTransition``. The questionnaire is data per call
(``FollowUpQuestion``), like the self-diagnostic; the progress on each action-plan item is asked
for every item of the cohort's plan that involves the structure.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.models import ApplicationStructure
from coopess.calls.models import Call, CallPart
from coopess.common.models import TransitionLog
from coopess.selection.models import Cohort


class QuestionKind(models.TextChoices):
    TEXT = "text", "Texte libre"
    INTEGER = "integer", "Nombre entier"
    DECIMAL = "decimal", "Nombre décimal"
    STAGE = "stage", "Stade de la coopération (stades de l'appel)"
    FORM = "form", "Forme de coopération retenue"
    SCALE = "scale", "Satisfaction de 1 (pas du tout satisfait) à 5 (très satisfait)"


class FollowUpQuestion(CallPart):
    """One question of a call's follow-up questionnaire (created with defaults on first use)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="followup_questions")
    code = models.SlugField("code", max_length=60)
    label = models.CharField("question", max_length=300)
    help_text = models.CharField("aide", max_length=500, blank=True)
    kind = models.CharField("type de réponse", max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField("obligatoire", default=True)

    class Meta(CallPart.Meta):
        verbose_name = "question du suivi"
        verbose_name_plural = "questions du suivi"
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="followup_question_code_unique")
        ]

    def __str__(self) -> str:
        return self.label


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Programmé"
    SENT = "sent", "Envoyé, en attente de réponse"
    ANSWERED = "answered", "Répondu"
    OVERDUE = "overdue", "En retard"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class FollowUp(models.Model):
    """The follow-up of one structure at ``offset_months`` after its cohort's support ended."""

    #: the follow-up's stable identifier outside CoopESS (the API), never its row id
    public_id = models.UUIDField(
        "identifiant public", default=uuid.uuid4, unique=True, editable=False
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="followups")
    structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="followups"
    )
    offset_months = models.PositiveSmallIntegerField("échéance (mois après l'accompagnement)")
    due_on = models.DateField("date d'envoi prévue (heure de Paris)", db_index=True)
    status = models.CharField(
        "état", max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED
    )
    #: identifies the follow-up in the emailed link; the person must still be signed in and act
    #: for the structure
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    sent_on = models.DateField("envoyé le", null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField("relances envoyées", default=0)
    last_reminder_on = models.DateField("dernière relance le", null=True, blank=True)
    overdue_on = models.DateField("en retard depuis le", null=True, blank=True)
    answers = models.JSONField("réponses (ou brouillon)", default=dict, blank=True)
    draft_saved_at = models.DateTimeField("brouillon enregistré le", null=True, blank=True)
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filled_by_officer = models.BooleanField("rempli par la chargée ou le chargé", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "suivi"
        ordering = ["due_on", "structure_id", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="followup_status_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "offset_months"], name="followup_one_per_structure_offset"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FollowUpStatus.values), name="followup_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(offset_months__gte=1), name="followup_offset_at_least_one_month"
            ),
            models.CheckConstraint(
                condition=Q(reminders_sent__lte=2), name="followup_at_most_two_reminders"
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled") | Q(status="answered") | Q(sent_on__isnull=False),
                name="followup_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False),
                name="followup_answered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="overdue") | Q(overdue_on__isnull=False),
                name="followup_overdue_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Suivi à {self.offset_months} mois — {self.structure}"

    @property
    def label(self) -> str:
        if self.offset_months % 12 == 0:
            years = self.offset_months // 12
            return f"Suivi à {years} an{'s' if years > 1 else ''}"
        return f"Suivi à {self.offset_months} mois"

    @property
    def is_open(self) -> bool:
        return self.status != FollowUpStatus.ANSWERED


class FollowUpTransition(TransitionLog):
    """One move of a follow-up (who, when, from, to, comment); ``by`` empty for the scheduler."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=FollowUpStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=FollowUpStatus.choices)

    def __str__(self) -> str:
        return f"{self.followup}: {self.from_status or '—'} → {self.to_status}"
