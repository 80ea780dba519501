"""The competition between consulting providers that comes before the collective support.

- ``Provider``: the directory of consulting providers kept by a DLA (SIRET, expertise,
  départements, contact).
- ``Consultation``: one per cohort — the terms of reference (cahier des charges), the budget
  ceiling, the weighted criteria, the deadline (an instant, shown Europe/Paris) and the state
  ``draft → consulting → closed → chosen | abandoned`` with a log row per move
  (``ConsultationTransition``).
- ``ConsultedProvider``: a provider invited to one consultation. The emailed secret link is an
  invitation: the provider signs in by emailed code with the invited address (or creates its
  account with it, like a partner structure) and accepts; the account is then linked and the
  consultation is reached signed in, never by the token alone.
- ``TermsVersion``: each saved version of the terms of reference, frozen (its content as it
  was), with its author and date, and the one sent.
- ``Question``: a provider's question; its answer is published, anonymised, to all consulted.
- ``Proposal``: the provider's answer; the database refuses a submission after the deadline,
  two chosen proposals in one consultation and a chosen proposal over the ceiling without a
  written derogation.
- ``Score``: one person's conflict-of-interest declaration about a proposal and the marks they
  give it on the announced criteria; the database refuses marks from someone who declared a
  conflict (``conflicted_member_does_not_score``) or without the declaration of no conflict.
- ``CommitteeMember``: a member of the DLA's comité d'appui (a reviewer of that DLA) whom the
  officer asks to mark the proposals, when the consultation says the comité marks them.
- ``EngagementReview``: the satisfaction (1 to 5) the DLA records about a past engagement of
  the support, shown with its attendance in the directory.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from coopess.accounts.models import Organisation, User
from coopess.common.models import TransitionLog
from coopess.selection.models import Cohort

DEFAULT_CRITERIA = [
    {"key": "method", "label": "Pertinence de la méthode", "weight": 40},
    {
        "key": "experience",
        "label": "Expérience de la coopération entre structures de l'ESS",
        "weight": 30,
    },
    {"key": "price", "label": "Prix", "weight": 30},
]


def new_token() -> str:
    return secrets.token_urlsafe(32)


class LookupStatus(models.TextChoices):
    """What the public company directory said about a provider's SIRET (as for applications)."""

    PENDING = "pending", "À vérifier"
    FOUND = "found", "Trouvé dans le répertoire"
    CLOSED = "closed", "Établissement fermé"
    NOT_FOUND = "not_found", "Introuvable dans le répertoire"
    UNAVAILABLE = "unavailable", "Répertoire indisponible, vérification à refaire"


class Provider(models.Model):
    operator = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="providers", verbose_name="DLA"
    )
    name = models.CharField("raison sociale", max_length=200)
    siret = models.CharField("SIRET", max_length=14)
    expertise = models.CharField("domaines d'expertise", max_length=300, blank=True)
    departements = models.CharField("départements couverts", max_length=200, blank=True)
    contact_name = models.CharField("contact : nom", max_length=150)
    email = models.EmailField("contact : adresse électronique")
    phone = models.CharField("contact : téléphone", max_length=30, blank=True)
    address = models.CharField("adresse (répertoire des entreprises)", max_length=300, blank=True)
    lookup_status = models.CharField(
        "vérification du SIRET",
        max_length=20,
        choices=LookupStatus.choices,
        default=LookupStatus.PENDING,
    )
    lookup_checked_at = models.DateTimeField(null=True, blank=True)
    lookup_data = models.JSONField("réponse du répertoire", default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "prestataire"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "siret"], name="provider_unique_siret")
        ]

    def __str__(self) -> str:
        return self.name


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    CONSULTING = "consulting", "Consultation en cours"
    CLOSED = "closed", "Réponses closes"
    CHOSEN = "chosen", "Prestataire choisi"
    ABANDONED = "abandoned", "Abandonnée"


TRANSITIONS: dict[str, set[str]] = {
    ConsultationStatus.DRAFT: {ConsultationStatus.CONSULTING, ConsultationStatus.ABANDONED},
    ConsultationStatus.CONSULTING: {ConsultationStatus.CLOSED, ConsultationStatus.ABANDONED},
    ConsultationStatus.CLOSED: {ConsultationStatus.CHOSEN, ConsultationStatus.ABANDONED},
    ConsultationStatus.CHOSEN: set(),
    ConsultationStatus.ABANDONED: set(),
}


class CompetitionSettings(models.Model):
    """What the call says of its competitions (« Gestion des appels », created with the defaults
    on first use): how many providers are consulted at least — fewer needs a written reason,
    logged — and whether the comité d'appui marks the proposals."""

    call = models.OneToOneField(
        "calls.Call", on_delete=models.CASCADE, related_name="competition_settings"
    )
    min_providers = models.PositiveSmallIntegerField(
        "prestataires à consulter au minimum",
        default=3,
        help_text="Consulter moins de prestataires demande un motif écrit, gardé dans "
        "l'historique de la mise en concurrence.",
    )
    committee_scores = models.BooleanField(
        "le comité d'appui note les propositions",
        default=False,
        help_text="Les membres désignés du comité d'appui notent chaque proposition sur les "
        "critères annoncés, après une déclaration d'intérêts, comme le comité de sélection.",
    )

    class Meta:
        verbose_name = "mise en concurrence des prestataires"
        verbose_name_plural = "mise en concurrence des prestataires"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_providers__gte=1), name="competition_settings_min_providers"
            )
        ]

    def __str__(self) -> str:
        return f"Au moins {self.min_providers} prestataires consultés"


class Consultation(models.Model):
    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="consultation")
    status = models.CharField(
        "état", max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.DRAFT
    )
    version = models.PositiveIntegerField("version du cahier des charges", default=1)
    context = models.TextField("contexte", blank=True)
    objectives = models.TextField("objectifs", blank=True)
    deliverables = models.TextField("livrables attendus", blank=True)
    half_days = models.PositiveSmallIntegerField("nombre de demi-journées", default=4)
    organisation = models.TextField(
        "temps collectifs et individuels, présentiel ou distanciel", blank=True
    )
    calendar = models.TextField("calendrier", blank=True)
    budget_ceiling = models.DecimalField(
        "plafond budgétaire (€ TTC)", max_digits=10, decimal_places=2
    )
    criteria = models.JSONField("critères de choix et pondérations", default=list)
    deadline = models.DateTimeField("date limite de réception des propositions")
    contact = models.CharField("contact", max_length=200, blank=True)
    min_providers = models.PositiveSmallIntegerField(
        "prestataires à consulter au minimum", default=3
    )
    fewer_reason = models.TextField("motif d'une consultation plus restreinte", blank=True)
    justification = models.TextField("justification du choix", blank=True)
    abandon_reason = models.TextField("motif de l'abandon", blank=True)
    letters_sent_at = models.DateTimeField(null=True, blank=True)
    committee_scores = models.BooleanField(
        "le comité d'appui note les propositions",
        default=False,
        help_text="Les membres désignés notent chaque proposition sur les critères annoncés, "
        "après une déclaration d'intérêts, comme le comité de sélection.",
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "mise en concurrence"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ConsultationStatus.ABANDONED) | ~Q(abandon_reason=""),
                name="consultation_abandon_has_reason",
                violation_error_message="Un abandon demande un motif écrit.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ConsultationStatus.CHOSEN) | ~Q(justification=""),
                name="consultation_choice_justified",
                violation_error_message="Le choix demande une justification écrite.",
            ),
            models.CheckConstraint(
                condition=Q(budget_ceiling__gte=0), name="consultation_ceiling_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Mise en concurrence — {self.cohort}"

    def is_open(self, *, at=None) -> bool:
        at = at or timezone.now()
        return self.status == ConsultationStatus.CONSULTING and at < self.deadline


class ConsultationTransition(TransitionLog):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=20, choices=ConsultationStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ConsultationStatus.choices)

    def __str__(self) -> str:
        return f"{self.consultation}: {self.from_status} → {self.to_status}"


class ConsultedProvider(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="consulted"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="consultations")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    invited_at = models.DateTimeField(null=True, blank=True)
    # the account that accepted the invitation (signed in by emailed code with the invited
    # address, like a partner structure): from then on the consultation is reached signed in
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consulted_providers",
        verbose_name="compte du prestataire",
    )
    accepted_at = models.DateTimeField("invitation acceptée le", null=True, blank=True)
    # the version of the terms of reference this provider was sent
    sent_version = models.ForeignKey(
        "TermsVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    letter_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "provider"], name="consulted_provider_once"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(accepted_at__isnull=False),
                name="consulted_provider_user_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} — {self.consultation}"

    @property
    def invitation_stamp(self) -> str:
        """When the invitation was last sent, exact to the microsecond: the re-send form carries
        it, so that a second click on the same page sends nothing more."""
        if self.invited_at is None:
            return ""
        return str((self.invited_at - _EPOCH) // dt.timedelta(microseconds=1))


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: the fields of the terms of reference the officer edits (TermsForm, consultation_update)
TERMS_EDITABLE = [
    "context",
    "objectives",
    "deliverables",
    "half_days",
    "organisation",
    "calendar",
    "budget_ceiling",
    "deadline",
    "contact",
]

#: the fields of the terms of reference a version freezes (``min_providers`` is the call's,
#: copied when the consultation starts: the officer cannot lower it)
TERMS_FIELDS = [
    "context",
    "objectives",
    "deliverables",
    "half_days",
    "organisation",
    "calendar",
    "budget_ceiling",
    "criteria",
    "deadline",
    "contact",
    "min_providers",
]


def terms_content(consultation) -> dict:
    """The terms of reference as they are now, in JSON (decimals and instants as text)."""
    content = {name: getattr(consultation, name) for name in TERMS_FIELDS}
    content["budget_ceiling"] = str(consultation.budget_ceiling)
    content["deadline"] = consultation.deadline.isoformat()
    return content


class TermsVersion(models.Model):
    """One saved version of the terms of reference, frozen: what the officer saved (or sent)
    is kept as it was, downloadable later as PDF or DOCX."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="terms_versions"
    )
    number = models.PositiveIntegerField("version")
    content = models.JSONField("contenu", default=dict)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)

    class Meta:
        verbose_name = "version du cahier des charges"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="terms_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — version {self.number}"

    def as_consultation(self) -> Consultation:
        """An unsaved consultation carrying this version's content, for the templates and the
        PDF/DOCX renderers (the cohort is the consultation's)."""
        import datetime as dt
        from decimal import Decimal

        frozen = Consultation(  # never saved: no primary key, it cannot overwrite the row
            cohort=self.consultation.cohort,
            status=self.consultation.status,
            version=self.number,
        )
        for name in TERMS_FIELDS:
            if name in self.content:
                setattr(frozen, name, self.content[name])
        frozen.budget_ceiling = Decimal(self.content["budget_ceiling"])
        frozen.deadline = dt.datetime.fromisoformat(self.content["deadline"])
        return frozen


class Question(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    asked_by = models.ForeignKey(
        ConsultedProvider, on_delete=models.SET_NULL, null=True, related_name="questions"
    )
    text = models.TextField("question")
    answer = models.TextField("réponse", blank=True)
    asked_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Proposal(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consulted = models.OneToOneField(
        ConsultedProvider, on_delete=models.CASCADE, related_name="proposal"
    )
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="proposals"
    )
    method = models.TextField("méthode", blank=True)
    calendar = models.TextField("calendrier", blank=True)
    consultants = models.TextField(
        "consultant·es intervenant·es",
        blank=True,
        help_text="Une personne par ligne : prénom et nom, puis, si vous la connaissez, son "
        "adresse électronique (par exemple « Nadia Benali, nadia.benali@exemple.fr »). Si votre "
        "proposition est retenue, chaque adresse reçoit l'accès à l'accompagnement de la cohorte.",
    )
    half_days = models.PositiveSmallIntegerField("demi-journées", null=True, blank=True)
    price_per_half_day = models.DecimalField(
        "prix par demi-journée (€ TTC)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    total = models.DecimalField(
        "prix total (€ TTC)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    references = models.TextField("références", blank=True)
    attachment = models.FileField("pièce jointe", upload_to="documents/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    # copies of the consultation at submission, so that the database checks the invariants
    deadline = models.DateTimeField()
    ceiling = models.DecimalField(max_digits=10, decimal_places=2)
    submitted_at = models.DateTimeField(null=True, blank=True)
    chosen = models.BooleanField(default=False)
    derogation = models.TextField("dérogation au plafond", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "proposition"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(submitted_at__lt=F("deadline")),
                name="proposal_before_deadline",
                violation_error_message="La date limite de réception est passée.",
            ),
            models.UniqueConstraint(
                fields=["consultation"],
                condition=Q(chosen=True),
                name="proposal_one_chosen_per_consultation",
            ),
            models.CheckConstraint(
                condition=Q(chosen=False) | Q(submitted_at__isnull=False),
                name="proposal_chosen_is_submitted",
            ),
            models.CheckConstraint(
                condition=Q(chosen=False) | Q(total__lte=F("ceiling")) | ~Q(derogation=""),
                name="proposal_chosen_within_ceiling_or_derogation",
                violation_error_message="Au-delà du plafond, le choix demande une dérogation écrite.",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposition de {self.consulted.provider}"

    @property
    def over_ceiling(self) -> bool:
        """The total is above the ceiling of the terms it answers (frozen once they are sent)."""
        return self.total is not None and self.total > self.ceiling


class Score(models.Model):
    """One person's declaration about a proposal (no conflict of interest, or a conflict) and,
    after a declaration of no conflict, their marks. The officer declares and marks in one form;
    a comité d'appui member declares first, then marks once (as the selection's reviewers)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    marks = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    no_conflict_declared_at = models.DateTimeField(
        "absence de conflit déclarée le", null=True, blank=True
    )
    conflict_declared_at = models.DateTimeField(
        "conflit d'intérêts déclaré le", null=True, blank=True
    )
    conflict_note = models.TextField("précision sur le conflit", blank=True)
    marked_at = models.DateTimeField("notes données le", null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "by"], name="score_once_per_person"),
            models.CheckConstraint(
                condition=Q(marked_at__isnull=True) | Q(no_conflict_declared_at__isnull=False),
                name="score_needs_no_conflict_declaration",
                violation_error_message="Déclarez n'avoir aucun lien d'intérêt avant de noter.",
            ),
            models.CheckConstraint(
                condition=Q(conflict_declared_at__isnull=True) | Q(marked_at__isnull=True),
                name="conflicted_member_does_not_score",
                violation_error_message="Un conflit d'intérêts déclaré interdit de noter.",
            ),
            models.CheckConstraint(
                condition=Q(conflict_declared_at__isnull=True)
                | Q(no_conflict_declared_at__isnull=True),
                name="score_one_declaration",
            ),
        ]

    def __str__(self) -> str:
        return f"Notes de {self.by} — {self.proposal}"

    @property
    def is_marked(self) -> bool:
        return self.marked_at is not None

    @property
    def has_conflict(self) -> bool:
        return self.conflict_declared_at is not None

    def weighted(self, criteria: list[dict]) -> float:
        """The mark out of 20, weighted by the criteria (each criterion marked out of 20)."""
        total_weight = sum(c["weight"] for c in criteria) or 1
        return round(
            sum(float(self.marks.get(c["key"], 0)) * c["weight"] for c in criteria) / total_weight,
            2,
        )


class CommitteeMember(models.Model):
    """A member of the comité d'appui asked to mark one consultation's proposals."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="committee"
    )
    member = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField("prévenu·e le", null=True, blank=True)

    class Meta:
        verbose_name = "membre du comité d'appui"
        ordering = ["assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "member"], name="committee_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.consultation}"


class EngagementReview(models.Model):
    """The DLA's satisfaction with a past engagement (1 = pas du tout satisfait, 5 = très
    satisfait), recorded by an officer from the directory; one per engagement."""

    engagement = models.OneToOneField(
        "support.Engagement", on_delete=models.CASCADE, related_name="review"
    )
    satisfaction = models.PositiveSmallIntegerField("satisfaction (de 1 à 5)")
    comment = models.TextField("commentaire", blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "satisfaction sur une prestation"
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1) & Q(satisfaction__lte=5),
                name="engagement_review_satisfaction_1_to_5",
                violation_error_message="La satisfaction se note de 1 à 5.",
            )
        ]

    def __str__(self) -> str:
        return f"Satisfaction {self.satisfaction}/5 — {self.engagement}"
