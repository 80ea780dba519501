"""The DLA's doors to its other systems: API tokens and webhook endpoints.

- ``ApiToken``: a secret a DLA operator gives to one of its systems (its CRM, its website, a
  funder's reporting tool). Only the SHA-256 of the secret is stored: the clear token is shown
  once, when it is created. Each token holds scopes (what it may read), an expiry, and may be
  revoked. A token made for a funder reads only the indicators of the DLA's calls that funder
  funds, under statistical secrecy.
- ``WebhookEndpoint``: a URL of the DLA's that CoopESS calls when something happens (the
  events it chose), signed per the Standard Webhooks convention with its own secret.
- ``WebhookDelivery``: one event for one endpoint — the webhooks' outbox. It is written in the
  transaction that decided the event (once per event and endpoint: unique ``key``), then sent
  by the worker, retried with backoff for 24 hours and marked failed with the last response.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import Organisation, OrganisationKind, User


class Scope(models.TextChoices):
    CALLS = "calls", "Appels (lecture)"
    APPLICATIONS = "applications", "Candidatures et structures (lecture, données personnelles)"
    SUPPORT = "support", "Cohortes, accompagnement et suivis (lecture)"
    INDICATORS = "indicators", "Indicateurs (lecture)"


class ApiTokenQuerySet(models.QuerySet):
    def of_operator(self, operator: Organisation) -> ApiTokenQuerySet:
        return self.filter(operator=operator)

    def usable_at(self, at) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=at)


class ApiToken(models.Model):
    public_id = models.UUIDField("identifiant", default=uuid.uuid4, unique=True, editable=False)
    operator = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="opérateur DLA",
        limit_choices_to={"kind": OrganisationKind.DLA_OPERATOR},
    )
    funder = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funder_api_tokens",
        verbose_name="pour le financeur",
        limit_choices_to={"kind": OrganisationKind.FUNDER},
        help_text="Un jeton de financeur ne lit que les indicateurs des appels qu'il finance.",
    )
    name = models.CharField("nom", max_length=120)
    scopes = models.JSONField("droits", default=list)
    #: the first characters of the clear token, shown to tell tokens apart (not secret)
    prefix = models.CharField("début du jeton", max_length=16, editable=False)
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField("expire le")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="créé par"
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def state_label(self) -> str:
        if self.revoked_at:
            return "Révoqué"
        if self.expires_at <= timezone.now():
            return "Expiré"
        return "Actif"

    def scope_labels(self) -> list[str]:
        return [Scope(s).label for s in self.scopes if s in Scope.values]


class Event(models.TextChoices):
    APPLICATION_SUBMITTED = "application.submitted", "Candidature déposée"
    DECISION_TAKEN = "decision.taken", "Décision prise"
    COHORT_FORMED = "cohort.formed", "Cohorte constituée"
    SYNTHESIS_VALIDATED = "synthesis.validated", "Synthèse validée"
    SESSION_HELD = "session.held", "Séance tenue"
    FOLLOWUP_ANSWERED = "followup.answered", "Suivi répondu"


class WebhookEndpoint(models.Model):
    public_id = models.UUIDField("identifiant", default=uuid.uuid4, unique=True, editable=False)
    operator = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name="opérateur DLA",
        limit_choices_to={"kind": OrganisationKind.DLA_OPERATOR},
    )
    name = models.CharField("nom", max_length=120)
    url = models.URLField("adresse", max_length=500)
    events = models.JSONField("événements", default=list)
    #: « whsec_ » + base64 of 32 random bytes (Standard Webhooks); readable by the officer
    secret = models.CharField("secret de signature", max_length=100, editable=False)
    #: the secret before the last rotation, still signing beside the new one until it expires
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField("actif", default=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="créé par"
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "point de réception de webhooks"
        verbose_name_plural = "points de réception de webhooks"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def event_labels(self) -> list[str]:
        return [Event(e).label for e in self.events if e in Event.values]


class WebhookDelivery(models.Model):
    """One event for one endpoint: the webhooks' outbox row."""

    class Status(models.TextChoices):
        QUEUED = "queued", "à envoyer"
        DELIVERED = "delivered", "reçu"
        FAILED = "failed", "abandonné"

    #: the webhook-id header: the same for every attempt, so receivers deduplicate on it
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField("événement", max_length=40, choices=Event.choices)
    #: « <event>:<object uuid>[:<detail>] »: one delivery per event and endpoint, ever
    key = models.CharField("clé d'unicité", max_length=200)
    payload = models.JSONField("contenu", default=dict)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", default=timezone.now)
    last_attempt_at = models.DateTimeField("dernière tentative", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("dernier code HTTP", null=True, blank=True)
    last_response = models.TextField("dernière réponse", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    delivered_at = models.DateTimeField("reçu le", null=True, blank=True)

    class Meta:
        verbose_name = "envoi de webhook"
        verbose_name_plural = "envois de webhooks"
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "key"], name="webhook_once_per_event"),
            models.CheckConstraint(
                condition=Q(status="delivered", delivered_at__isnull=False)
                | (~Q(status="delivered") & Q(delivered_at__isnull=True)),
                name="webhook_delivered_iff_delivered_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.endpoint.name}"


class ApiRateCounter(models.Model):
    """Requests made by one token (or anonymous address) in one window of the rate limit.

    A row per key and window, incremented by ``UPDATE … SET count = count + 1``: atomic on
    SQLite and PostgreSQL, shared by every web process, whatever cache is configured (the
    database cache's increment is a read then a write, so two processes could both pass).
    An anonymous caller's key holds its IP address: every window older than the previous one
    is deleted when a window starts, so an address is kept two minutes at most."""

    key = models.CharField(max_length=80)
    slot = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "compteur de limite de requêtes"
        verbose_name_plural = "compteurs de limite de requêtes"
        indexes = [models.Index(fields=["slot"], name="api_rate_slot_idx")]
        constraints = [
            models.UniqueConstraint(fields=["key", "slot"], name="api_rate_one_row_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} — {self.count}"
