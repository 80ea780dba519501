"""The « diagnostic partagé » of a cohort: interviews, self-diagnostic, workshop, synthesis.

The unit is a structure of the cohort (an ``ApplicationStructure`` of a retained application):
each structure books one interview, answers the self-diagnostic and approves the synthesis.
What a call asks (the self-diagnostic questions, the interview guide) is data attached to the
call, edited in « Gestion des appels »; the next call changes it without code.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.models import ApplicationStructure, Representative
from coopess.calls.models import Call, CallPart, SupportStep
from coopess.common.models import CalendarInvitation, TransitionLog
from coopess.selection.models import Cohort

# --- What a call asks (data) ------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    DOMAINS = "domains", "Position sur chaque domaine de mutualisation"
    INTEGRATION = "integration", "Degré d'intégration (faire avec / ensemble / corps)"
    YES_NO = "yes_no", "Oui / non"
    CHOICE = "choice", "Choix unique dans une liste"
    TEXT = "text", "Texte libre"


class AidField(models.TextChoices):
    """What an answer feeds in the synergy map and the decision aid (``decision_aid.py``)."""

    NONE = "", "Rien (information pour l'entretien)"
    SHARED_DOMAINS = "shared_domains", "Domaines (carte des synergies)"
    WANTS_INTEGRATION = "wants_integration", "Degré d'intégration souhaité"
    KEEP_AUTONOMY = "keep_autonomy", "Garder son autonomie"
    SHARE_STAFF = "share_staff", "Partager du personnel"
    SECTOR_MEDICO_SOCIAL = "sector_medico_social", "Établissement social ou médico-social"
    COMMERCIAL_ACTIVITY = "commercial_activity", "Activité commerciale"
    MULTI_STAKEHOLDER = "multi_stakeholder", "Associer usagers, salariés, collectivités"
    BLOCKING_POINTS = "blocking_points", "Craintes et points de blocage"


class SelfDiagnosticQuestion(CallPart):
    """One question of a call's cooperation self-diagnostic."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="selfdiag_questions")
    code = models.SlugField("code", max_length=60)
    label = models.CharField("question", max_length=300)
    help_text = models.CharField("aide", max_length=500, blank=True)
    kind = models.CharField("type de réponse", max_length=20, choices=QuestionKind.choices)
    choices = models.JSONField(
        "choix proposés", default=list, blank=True,
        help_text="Pour « choix unique » : la liste des réponses possibles.",
    )  # fmt: skip
    required = models.BooleanField("obligatoire", default=True)
    feeds = models.CharField(
        "alimente", max_length=30, choices=AidField.choices, default=AidField.NONE, blank=True
    )

    class Meta(CallPart.Meta):
        verbose_name = "question de l'autodiagnostic"
        verbose_name_plural = "questions de l'autodiagnostic"
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="selfdiag_question_code_unique")
        ]

    def __str__(self) -> str:
        return self.label


class InterviewGuideItem(CallPart):
    """One heading of the interview guide the officer fills during each interview."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="interview_guide")
    label = models.CharField("rubrique", max_length=200)
    help_text = models.CharField("ce qu'on y note", max_length=500, blank=True)

    class Meta(CallPart.Meta):
        verbose_name = "rubrique du guide d'entretien"
        verbose_name_plural = "guide d'entretien"

    def __str__(self) -> str:
        return self.label


# --- A cohort's diagnostic -----------------------------------------------------------------------


class Diagnostic(models.Model):
    """The diagnostic of one cohort: its settings and when it started."""

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="diagnostic")
    booking_deadline = models.DateTimeField(
        "date limite pour réserver ou déplacer un entretien", null=True, blank=True
    )
    interview_minutes = models.PositiveSmallIntegerField(
        "durée d'un entretien (minutes)", default=90
    )
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = "diagnostic partagé"
        constraints = [
            models.CheckConstraint(
                condition=Q(interview_minutes__gte=15), name="interview_minutes_sensible"
            )
        ]

    def __str__(self) -> str:
        return f"Diagnostic — {self.cohort}"


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "Sur place"
    REMOTE = "remote", "À distance"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Prévu"
    HELD = "held", "Tenu"
    CANCELLED = "cancelled", "Annulé"


class Meeting(CalendarInvitation):
    """Fields shared by interviews and workshops (place and invitations: ``CalendarInvitation``,
    shared with the support sessions)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    mode = models.CharField("modalité", max_length=20, choices=Mode.choices)
    status = models.CharField(
        "état", max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["starts_at", "pk"]


class Interview(Meeting):
    """An interview slot published by an officer; booked by one structure, it becomes that
    structure's interview. A slot is booked by at most one structure (one column) and a structure
    has at most one live interview per cohort (unique constraint); an officer's live slots never
    overlap (exclusion constraint on PostgreSQL, trigger on SQLite, see the migration)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="interviews")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="interviews")
    structure = models.ForeignKey(
        ApplicationStructure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name="structure",
    )
    booked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # the record of the interview (officer only)
    attended = models.ManyToManyField(
        Representative, blank=True, related_name="interviews_attended", verbose_name="présent·es"
    )
    other_attendees = models.CharField("autres participant·es", max_length=300, blank=True)
    private_notes = models.TextField("notes privées", blank=True)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta(Meeting.Meta):
        verbose_name = "entretien"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="interview_ends"),
            models.UniqueConstraint(
                fields=["structure"],
                condition=Q(structure__isnull=False) & ~Q(status="cancelled"),
                name="one_live_interview_per_structure",
            ),
            models.CheckConstraint(
                condition=Q(structure__isnull=True) | Q(booked_at__isnull=False),
                name="booked_interview_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Entretien {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"


class InterviewNote(models.Model):
    """What the officer noted under one heading of the guide (private to the DLA)."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="notes")
    item = models.ForeignKey(InterviewGuideItem, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField("notes", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "item"], name="one_note_per_guide_item")
        ]

    def __str__(self) -> str:
        return f"{self.interview} — {self.item}"


class SelfDiagnostic(models.Model):
    """A structure's answers to its call's self-diagnostic, keyed by question code."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="selfdiagnostics")
    structure = models.OneToOneField(
        ApplicationStructure, on_delete=models.CASCADE, related_name="selfdiagnostic"
    )
    answers = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "autodiagnostic"

    def __str__(self) -> str:
        return f"Autodiagnostic — {self.structure}"


class Workshop(Meeting):
    """The collective workshop: every structure of the cohort is invited."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField("intitulé", max_length=200, default="Atelier collectif")
    agenda = models.TextField("ordre du jour", blank=True, help_text="Markdown.")
    stakes = models.TextField("enjeux partagés", blank=True, help_text="Markdown.")
    decisions = models.TextField("décisions", blank=True, help_text="Markdown.")
    organiser = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(Meeting.Meta):
        verbose_name = "atelier collectif"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="workshop_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {timezone.localtime(self.starts_at):%d/%m/%Y}"


class ActionStatus(models.TextChoices):
    TODO = "todo", "À engager"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Réalisée"


class ActionItem(models.Model):
    """One line of the cohort's action plan."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="actions")
    workshop = models.ForeignKey(
        Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)
    action = models.CharField("action", max_length=300)
    structures = models.ManyToManyField(
        ApplicationStructure, blank=True, related_name="actions", verbose_name="structures"
    )
    owner = models.CharField("pilote", max_length=200, blank=True)
    due_date = models.DateField("échéance", null=True, blank=True)
    support_step = models.ForeignKey(
        SupportStep,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name="étape d'accompagnement qui y contribue",
    )
    status = models.CharField(
        "avancement", max_length=20, choices=ActionStatus.choices, default=ActionStatus.TODO
    )

    class Meta:
        verbose_name = "action du plan d'action"
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.action


# --- The synthesis and its validation --------------------------------------------------------


class SynthesisStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    CIRCULATING = "circulating", "En relecture par les structures"
    VALIDATED = "validated", "Validée par toutes les structures"
    SUPERSEDED = "superseded", "Remplacée par une version suivante"


class SynthesisVersion(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="syntheses")
    number = models.PositiveSmallIntegerField("version")
    status = models.CharField(
        "état", max_length=20, choices=SynthesisStatus.choices, default=SynthesisStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    circulated_at = models.DateTimeField("diffusée le", null=True, blank=True)
    validated_at = models.DateTimeField("validée le", null=True, blank=True)
    pdf = models.FileField(upload_to="syntheses/", blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "version de la synthèse"
        ordering = ["cohort", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="synthesis_number_unique"),
            models.UniqueConstraint(
                fields=["cohort"],
                condition=Q(status__in=["draft", "circulating"]),
                name="one_open_synthesis_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["cohort"],
                condition=Q(status="validated"),
                name="one_validated_synthesis_per_cohort",
            ),
            models.CheckConstraint(
                condition=~Q(status="validated")
                | (Q(validated_at__isnull=False) & ~Q(pdf_sha256="")),
                name="validated_synthesis_is_frozen",
            ),
        ]

    def __str__(self) -> str:
        return f"Synthèse v{self.number} — {self.cohort}"


class SynthesisSection(models.Model):
    version = models.ForeignKey(SynthesisVersion, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    key = models.SlugField(max_length=40)
    title = models.CharField("titre", max_length=200)
    body = models.TextField("texte", blank=True, help_text="Markdown.")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="synthesis_section_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class ReviewVerdict(models.TextChoices):
    APPROVED = "approved", "Approuvée"
    CHANGES = "changes", "Modifications demandées"


class SynthesisReview(models.Model):
    """A structure's answer to one circulated version."""

    version = models.ForeignKey(SynthesisVersion, on_delete=models.CASCADE, related_name="reviews")
    structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="synthesis_reviews"
    )
    verdict = models.CharField("réponse", max_length=20, choices=ReviewVerdict.choices)
    comment = models.TextField("commentaire général", blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "structure"], name="one_review_per_structure_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure} : {self.get_verdict_display()}"


class SectionComment(models.Model):
    review = models.ForeignKey(SynthesisReview, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(SynthesisSection, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField("commentaire")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "section"], name="one_comment_per_section_and_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review.structure} — {self.section}"


class SynthesisTransition(TransitionLog):
    version = models.ForeignKey(
        SynthesisVersion, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=20, choices=SynthesisStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=SynthesisStatus.choices)

    def __str__(self) -> str:
        return f"{self.version}: {self.from_status} → {self.to_status}"
