"""Screening, committee review, decisions and the cohort.

Per call: eligibility rules and a scoring grid (data, edited in « Gestion des appels »).
Per application: the result of each rule (with the officer's overrides), the reviewers and their
scores, the message thread, and the decision with its letter.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Application
from coopess.calls.models import Call, CallPart
from coopess.common.models import TransitionLog


class Outcome(models.TextChoices):
    PASS = "pass", "Conforme"
    FAIL = "fail", "Non conforme"
    WARNING = "warning", "À vérifier"


class EligibilityRule(CallPart):
    """A rule the call applies to every submitted application (see ``eligibility.RULES``)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="eligibility_rules")
    code = models.SlugField("règle", max_length=40)
    params = models.JSONField("paramètres", default=dict, blank=True)
    enabled = models.BooleanField("active", default=True)

    class Meta(CallPart.Meta):
        verbose_name = "règle d'éligibilité"
        verbose_name_plural = "règles d'éligibilité"
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="eligibility_rule_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class ScoringCriterion(CallPart):
    """One line of the call's scoring grid."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    label = models.CharField("critère", max_length=200)
    description = models.CharField("ce qui est apprécié", max_length=500, blank=True)
    weight = models.PositiveSmallIntegerField("coefficient", default=1)
    scale_max = models.PositiveSmallIntegerField("note maximale", default=5)

    class Meta(CallPart.Meta):
        verbose_name = "critère de notation"
        verbose_name_plural = "grille de notation"
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
            models.CheckConstraint(
                condition=Q(scale_max__gte=1, scale_max__lte=100), name="criterion_scale_sensible"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class EligibilityResult(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="eligibility_results"
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=40)
    label = models.CharField("règle", max_length=200)
    outcome = models.CharField("résultat automatique", max_length=10, choices=Outcome.choices)
    reason = models.TextField("motif")
    computed_at = models.DateTimeField(default=timezone.now)
    override_outcome = models.CharField(
        "résultat retenu par le DLA", max_length=10, choices=Outcome.choices, blank=True
    )
    override_reason = models.TextField("motif de la correction", blank=True)
    overridden_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="one_result_per_rule"),
            models.CheckConstraint(
                condition=Q(override_outcome="") | ~Q(override_reason=""),
                name="override_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_outcome_display()}"

    @property
    def effective_outcome(self) -> str:
        return self.override_outcome or self.outcome


class EligibilityOverride(models.Model):
    """Every correction of a rule's result: who, when, from, to, why (append-only)."""

    result = models.ForeignKey(
        EligibilityResult, on_delete=models.CASCADE, related_name="overrides"
    )
    from_outcome = models.CharField(max_length=10, choices=Outcome.choices)
    to_outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField()
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_outcome} → {self.to_outcome}"


class ReviewerAssignment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviewer_assignments"
    )
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_assignments")
    assigned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    no_conflict_declared_at = models.DateTimeField(
        "absence de conflit déclarée le", null=True, blank=True
    )
    conflict_declared_at = models.DateTimeField(
        "conflit d'intérêts déclaré le", null=True, blank=True
    )
    conflict_note = models.TextField("précision sur le conflit", blank=True)
    submitted_at = models.DateTimeField("évaluation envoyée le", null=True, blank=True)
    overall_comment = models.TextField("avis général", blank=True)
    weighted = models.DecimalField(
        "note pondérée (sur 20)", max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="one_assignment_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(no_conflict_declared_at__isnull=False),
                name="review_needs_no_conflict_declaration",
            ),
            models.CheckConstraint(
                condition=Q(conflict_declared_at__isnull=True) | Q(submitted_at__isnull=True),
                name="conflicted_reviewer_does_not_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"

    @property
    def can_see_application(self) -> bool:
        return self.no_conflict_declared_at is not None and self.conflict_declared_at is None


class Score(models.Model):
    assignment = models.ForeignKey(
        ReviewerAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField("note")
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(condition=Q(value__lte=100), name="score_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class Message(models.Model):
    """The thread between the DLA and the representatives of an application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    from_dla = models.BooleanField(default=False)
    body = models.TextField("message")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class DecisionReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "Critères d'éligibilité non remplis"
    OUTSIDE_REGION = "outside_region", "Structure(s) hors du territoire de l'appel"
    NOT_EMPLOYER = "not_employer", "Structure(s) non employeuse(s)"
    CAP = "cap", "Plafond de structures atteint"
    RANKING = "ranking", "Classement du comité insuffisant au regard des places disponibles"
    MATURITY = "maturity", "Projet pas assez avancé pour cet accompagnement"
    OTHER_SUPPORT = "other_support", "Un autre accompagnement paraît plus adapté"
    OTHER = "other", "Autre motif"


DECISION_OUTCOMES = (
    (ApplicationStatus.SELECTED, "Retenue"),
    (ApplicationStatus.WAITLISTED, "Sur liste d'attente"),
    (ApplicationStatus.REJECTED, "Non retenue"),
)


class Decision(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    #: the application's call and number of structures when the decision was taken, copied on
    #: creation (``save``): the funders' indicators count decisions per call and their structures
    #: without joining the call's applications (100,000 in the benchmark)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+", editable=False)
    structure_count = models.PositiveSmallIntegerField(
        "nombre de structures", default=1, editable=False
    )
    outcome = models.CharField("décision", max_length=20, choices=DECISION_OUTCOMES)
    reasons = models.JSONField("motifs", default=list, blank=True)
    comment = models.TextField("précisions", blank=True)
    against_ranking_reason = models.TextField(
        "justification d'un choix contraire au classement", blank=True
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)
    letter_subject = models.CharField(max_length=300, blank=True)
    letter_body = models.TextField(blank=True)
    letter_pdf = models.FileField(upload_to="letters/", blank=True, max_length=200)
    letter_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(is_current=True), name="one_current_decision"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reasons=[]), name="rejection_has_reasons"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.call_id = self.application.call_id
            self.structure_count = self.application.structure_count
        super().save(*args, **kwargs)


class LetterTemplate(models.Model):
    """The decision letter of a call for one outcome; variables between {{ }} (see the help)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="letter_templates")
    outcome = models.CharField("décision", max_length=20, choices=DECISION_OUTCOMES)
    subject = models.CharField("objet", max_length=300)
    body = models.TextField(
        "texte",
        help_text=(
            "Variables : {{ structure }}, {{ projet }}, {{ recepisse }}, {{ appel }}, {{ operateur }}, "
            "{{ motifs }}, {{ precisions }}, {{ contact }}, {{ date }}."
        ),
    )

    class Meta:
        verbose_name = "modèle de lettre de décision"
        verbose_name_plural = "modèles de lettres de décision"
        constraints = [
            models.UniqueConstraint(
                fields=["call", "outcome"], name="one_letter_template_per_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call}: {self.get_outcome_display()}"


class CohortStatus(models.TextChoices):
    FORMING = "forming", "En constitution"
    DIAGNOSTIC = "diagnostic", "Diagnostic partagé"
    SUPPORT = "support", "Accompagnement"
    FOLLOW_UP = "follow_up", "Suivi"
    CLOSED = "closed", "Terminée"


class Cohort(models.Model):
    """The structures a call accompanies together (created by the first « retained » decision)."""

    #: the cohort's stable identifier outside CoopESS (the API), never its row id
    public_id = models.UUIDField(
        "identifiant public", default=uuid.uuid4, unique=True, editable=False
    )
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField("nom", max_length=200)
    status = models.CharField(
        max_length=20, choices=CohortStatus.choices, default=CohortStatus.FORMING
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "cohorte"

    def __str__(self) -> str:
        return self.name


class CohortMember(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="members")
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="cohort_membership"
    )
    added_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.cohort}: {self.application}"


class CohortTransition(TransitionLog):
    """One move of a cohort along ``forming → diagnostic → support → follow_up → closed``."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=CohortStatus.choices)
    to_status = models.CharField(max_length=20, choices=CohortStatus.choices)

    def __str__(self) -> str:
        return f"{self.cohort}: {self.from_status} → {self.to_status}"
