"""Applications to a call: a lead structure, its partners, the project, the call's own
questions and the attached documents.

Models hold validated values only. What a representative typed that does not validate yet is
kept, as typed, in ``Application.pending_input`` until it does (nothing typed is ever lost).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import User
from coopess.applications.choices import (
    ApplicationStatus,
    LegalForm,
    LookupStatus,
)
from coopess.calls.models import (
    ApplicationKind,
    Call,
    CallDocument,
    CallQuestion,
    MaturityStage,
)
from coopess.common.models import TransitionLog


class Eligibility(models.TextChoices):
    PENDING = "pending", "Non examinée"
    ELIGIBLE = "eligible", "Éligible"
    TO_CHECK = "to_check", "À vérifier"
    INELIGIBLE = "ineligible", "Non éligible"


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ApplicationQuerySet:
        """Applications this person works on: as the lead or as a partner's representative."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(accesses__user=user).distinct()

    def for_call(self, call: Call) -> ApplicationQuerySet:
        return self.filter(call=call)


class Application(models.Model):
    public_id = models.UUIDField(
        "identifiant public", default=uuid.uuid4, unique=True, editable=False
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name="appel"
    )
    kind = models.CharField(
        "type de candidature", max_length=20, choices=ApplicationKind.choices, blank=True
    )
    status = models.CharField(
        "statut", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    receipt_number = models.CharField(
        "numéro de récépissé", max_length=30, unique=True, null=True, blank=True
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="applications_created",
        verbose_name="créée par",
    )
    project_title = models.CharField("titre du projet", max_length=200, blank=True)
    shared_domains = models.JSONField("ce qui serait partagé", default=list, blank=True)
    shared_other = models.CharField("autre (précisez)", max_length=300, blank=True)
    shared_description = models.TextField("description du partage envisagé", blank=True)
    goals = models.JSONField("objectifs", default=list, blank=True)
    maturity_stage = models.ForeignKey(
        MaturityStage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="stade de maturité",
    )
    envisaged_forms = models.JSONField(
        "formes de rapprochement envisagées", default=list, blank=True
    )
    regional_scope = models.TextField("envergure régionale du projet", blank=True)
    expectations = models.TextField("attentes vis-à-vis de l'accompagnement", blank=True)
    difficulties = models.TextField("difficultés connues", blank=True)
    availability = models.TextField(
        "disponibilités pour le diagnostic et l'accompagnement", blank=True
    )
    pending_input = models.JSONField(
        "saisies en attente de correction",
        default=dict,
        blank=True,
        help_text="Ce qui a été saisi mais n'est pas encore valide, conservé tel quel.",
    )
    reopened_sections = models.JSONField("sections rouvertes", default=list, blank=True)
    privacy_notice_accepted_at = models.DateTimeField("notice lue le", null=True, blank=True)
    version = models.PositiveIntegerField("version", default=1)
    # Kept up to date by the services, for the officers' table (sort and filter on 100,000 rows)
    lead_name = models.CharField("structure cheffe de file", max_length=250, blank=True)
    structure_count = models.PositiveSmallIntegerField("nombre de structures", default=1)
    eligibility = models.CharField(
        "éligibilité", max_length=12, choices=Eligibility.choices, default=Eligibility.PENDING
    )
    search_text = models.TextField(
        "texte de recherche",
        blank=True,
        help_text="Titre, récépissé et noms des structures, sans accents.",
    )
    average_score = models.DecimalField(
        "note moyenne (sur 20)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("enregistrée le", auto_now=True)
    submitted_at = models.DateTimeField("déposée le", null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "candidature"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status="withdrawn", submitted_at__isnull=True)
                | Q(submitted_at__isnull=False, receipt_number__isnull=False),
                name="application_submitted_has_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["call", "-submitted_at"]),
            models.Index(fields=["call", "average_score"]),
            models.Index(fields=["call", "lead_name"]),
            models.Index(fields=["call", "eligibility"]),
            # the API's cursor (coopess/api): pages in the order of the last change
            models.Index(fields=["updated_at", "public_id"], name="application_api_cursor_idx"),
            # covering index for the funders' indicators (coopess/reporting): the monthly counts
            # of a call are read from the index alone on PostgreSQL (INCLUDE ignored on SQLite)
            models.Index(
                fields=["call"],
                include=["id", "structure_count", "submitted_at", "eligibility"],
                name="application_reporting_idx",
            ),
            # the accompanied structures' breakdowns read the kind and stage of a few thousand
            # applications among 100,000 from this index, not from the table (INCLUDE is
            # PostgreSQL only: elsewhere a plain, harmless index on the key)
            models.Index(
                fields=["id"],
                include=["kind", "maturity_stage"],
                name="application_kind_stage_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number or self.project_title or f"Candidature {self.public_id}"

    @property
    def is_editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.NEEDS_INFO)

    def section_is_editable(self, section: str) -> bool:
        if self.status == ApplicationStatus.DRAFT:
            return True
        return self.status == ApplicationStatus.NEEDS_INFO and section in self.reopened_sections


class ApplicationStructure(models.Model):
    """One structure of an application, as its representatives declared it (the words and the
    order of the national subsidy form, Cerfa n° 12156)."""

    #: the structure's stable identifier outside CoopESS (the API), never its row id
    public_id = models.UUIDField(
        "identifiant public", default=uuid.uuid4, unique=True, editable=False
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="structures", verbose_name="candidature"
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_lead = models.BooleanField("structure cheffe de file", default=False)
    # Partner invitation
    invited_email = models.EmailField("adresse invitée", blank=True)
    invitation_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_at = models.DateTimeField("invitée le", null=True, blank=True)
    confirmed_at = models.DateTimeField("participation confirmée le", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Identification
    name = models.CharField("nom de la structure", max_length=250, blank=True)
    siret = models.CharField("numéro SIRET", max_length=14, blank=True)
    rna = models.CharField("numéro RNA", max_length=10, blank=True)
    address = models.CharField("adresse du siège", max_length=300, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=150, blank=True)
    commune_code = models.CharField("code INSEE de la commune", max_length=5, blank=True)
    departement = models.CharField("département", max_length=3, blank=True)
    legal_form = models.CharField(
        "forme juridique", max_length=20, choices=LegalForm.choices, blank=True
    )
    legal_category_code = models.CharField("catégorie juridique (INSEE)", max_length=4, blank=True)
    naf_code = models.CharField("code NAF / APE", max_length=6, blank=True)
    esus_approved = models.BooleanField("agrément ESUS", null=True, blank=True)
    network_affiliation = models.CharField(
        "affiliation à un réseau, une union ou une fédération", max_length=250, blank=True
    )
    # Human resources
    employees = models.PositiveIntegerField("nombre de salarié·es", null=True, blank=True)
    fte = models.DecimalField(
        "équivalents temps plein (ETP)", max_digits=7, decimal_places=2, null=True, blank=True
    )
    volunteers = models.PositiveIntegerField("nombre de bénévoles", null=True, blank=True)
    # Public directory lookup
    lookup_status = models.CharField(
        "vérification au répertoire",
        max_length=20,
        choices=LookupStatus.choices,
        default=LookupStatus.PENDING,
    )
    lookup_data = models.JSONField("données du répertoire", default=dict, blank=True)
    lookup_checked_at = models.DateTimeField("vérifiée le", null=True, blank=True)
    updated_at = models.DateTimeField("enregistrée le", auto_now=True)

    class Meta:
        verbose_name = "structure candidate"
        verbose_name_plural = "structures candidates"
        ordering = ["position", "pk"]
        indexes = [
            # the officers' filter by département on 100,000 applications
            models.Index(fields=["departement", "application"], name="structure_departement_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(is_lead=True), name="one_lead_per_application"
            ),
            models.CheckConstraint(
                condition=Q(fte__isnull=True) | Q(fte__gte=Decimal(0)),
                name="structure_fte_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.invited_email or "Structure sans nom"

    @property
    def is_confirmed(self) -> bool:
        return self.is_lead or self.confirmed_at is not None

    @property
    def is_employer(self) -> bool:
        return bool(self.employees)


class Representative(models.Model):
    structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="representatives"
    )
    position = models.PositiveSmallIntegerField("ordre")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    role = models.CharField("fonction", max_length=150, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    class Meta:
        verbose_name = "représentant·e"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "position"], name="representative_unique"),
            models.CheckConstraint(condition=Q(position__in=[1, 2]), name="two_representatives"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class AccessRole(models.TextChoices):
    LEAD = "lead", "Cheffe de file"
    PARTNER = "partner", "Partenaire"


class ApplicationAccess(models.Model):
    """Who may open an application: the lead's people edit it all; a partner's people edit
    their own structure and read the rest."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="application_accesses")
    structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="accesses"
    )
    role = models.CharField(max_length=10, choices=AccessRole.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="one_access_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.application} ({self.get_role_display()})"


class Answer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(CallQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField("réponse", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class Attachment(models.Model):
    """A document attached to an application; stored under an unguessable name, served only
    through a view that checks who asks."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    structure = models.ForeignKey(
        ApplicationStructure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    document = models.ForeignKey(
        CallDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    question = models.ForeignKey(
        CallQuestion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_receipt = models.BooleanField("récépissé", default=False)
    file = models.FileField("fichier", upload_to="documents/", max_length=200)
    original_name = models.CharField("nom du fichier", max_length=200)
    kind = models.CharField("format", max_length=10)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationTransition(TransitionLog):
    """Every change of status: who, when, from, to, why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ReceiptCounter(models.Model):
    """The last receipt number given for a prefix and a year (locked while a number is taken).

    Keyed on the prefix, not the call: receipt numbers (``PREFIX-YEAR-NNNN``) are unique across
    calls, and two calls may share a prefix (the next edition of a call, a copy)."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_counter_per_prefix_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}/{self.year}: {self.last}"
