"""Personal data (RGPD): what retention anonymised, what people asked, what staff exported.

- ``AnonymisationRecord``: one row per application whose personal data is gone (by the
  retention command or an erasure request); it is also what makes the command idempotent.
- ``ErasureRequest``: a person asks for their data to be erased; the officer of the DLA
  concerned accepts (what can go goes, the rest is explained) or refuses with a reason.
- ``PersonalDataExportLog``: every export of personal data by staff (who, when, what, rows).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import Organisation, Role, User
from coopess.applications.models import Application
from coopess.calls.models import Call


class AnonymisationRule(models.TextChoices):
    DRAFT = "draft", "Brouillon jamais déposé"
    WITHDRAWN = "withdrawn", "Candidature retirée"
    NOT_RETAINED = "not_retained", "Candidature non retenue"
    ACCOMPANIED = "accompanied", "Structure accompagnée"
    ERASURE = "erasure", "Demande d'effacement"


class AnonymisationRecord(models.Model):
    """The personal data of this application was anonymised; aggregate facts were kept."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="anonymisation",
        verbose_name="candidature",
    )
    rule = models.CharField("motif", max_length=20, choices=AnonymisationRule.choices)
    reference_date = models.DateTimeField("date de référence", null=True, blank=True)
    at = models.DateTimeField("anonymisée le", default=timezone.now)
    by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
        help_text="Vide : la commande de conservation.",
    )
    files_deleted = models.PositiveIntegerField("fichiers supprimés", default=0)

    class Meta:
        verbose_name = "candidature anonymisée"
        verbose_name_plural = "candidatures anonymisées"
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rule__in=AnonymisationRule.values), name="anonymisation_valid_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} — {self.get_rule_display()}"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"


class ErasureRequestQuerySet(models.QuerySet):
    def handled_by(self, user: User) -> ErasureRequestQuerySet:
        """Requests this person may handle: an officer those of their DLA's applicants, an
        administrator every request (in particular those concerning no DLA)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
        if not operators:
            return self.none()
        return self.filter(operators__in=operators).distinct()


class ErasureRequest(models.Model):
    """A person asks for the erasure of their personal data (article 17 RGPD)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name="personne"
    )
    reason = models.TextField("motif de la demande")
    created_at = models.DateTimeField("reçue le", default=timezone.now)
    operators = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        verbose_name="opérateurs DLA concernés",
        help_text="Les DLA des appels auxquels la personne a candidaté.",
    )
    status = models.CharField(
        "état", max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traitée par",
    )
    decided_at = models.DateTimeField("traitée le", null=True, blank=True)
    response = models.TextField(
        "réponse", blank=True, help_text="Ce qui a été effacé, ce qui est conservé et pourquoi."
    )

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'effacement"
        verbose_name_plural = "demandes d'effacement"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ErasureStatus.values), name="erasure_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="erasure_decided_when_handled",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(response=""),
                name="erasure_refusal_has_a_reason",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="one_pending_erasure_request"
            ),
        ]

    def __str__(self) -> str:
        return f"Demande d'effacement du {timezone.localtime(self.created_at):%d/%m/%Y}"

    @property
    def is_pending(self) -> bool:
        return self.status == ErasureStatus.PENDING


class PersonalDataExportLog(models.Model):
    """One export of personal data by a member of staff (append-only)."""

    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    by_email = models.EmailField(
        "adresse de la personne", help_text="Conservée si le compte est supprimé."
    )
    what = models.CharField("export", max_length=300)
    fmt = models.CharField("format", max_length=10)
    rows = models.PositiveIntegerField("lignes exportées")
    call = models.ForeignKey(
        Call,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="appel",
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="personne concernée",
    )
    filters = models.CharField("filtres", max_length=500, blank=True)

    class Meta:
        verbose_name = "export de données personnelles"
        verbose_name_plural = "journal des exports de données personnelles"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["-at"], name="export_log_at_idx")]

    def __str__(self) -> str:
        return f"{self.what} ({self.fmt}, {self.rows} lignes)"
