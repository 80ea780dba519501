"""In-app notifications, each person's choice of emails, and their private calendar feed."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from coopess.accounts.models import User


class NotificationKind(models.TextChoices):
    APPLICATION_SUBMITTED = "application_submitted", "Candidature déposée"
    APPLICATION_RECEIVED = "application_received", "Candidature reçue"
    DECISION = "decision", "Décision"
    INTERVIEW = "interview", "Entretien"
    WORKSHOP = "workshop", "Atelier collectif"
    SYNTHESIS = "synthesis", "Synthèse"
    SESSION = "session", "Séance d'accompagnement"
    FOLLOWUP = "followup", "Suivi"
    OTHER = "other", "Information"


class EmailState(models.TextChoices):
    NONE = "none", "Pas de courriel"
    SENT = "sent", "Courriel envoyé"
    DIGEST = "digest", "En attente du récapitulatif"
    DIGESTED = "digested", "Envoyé dans un récapitulatif"


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("type", max_length=40, choices=NotificationKind.choices)
    title = models.CharField("intitulé", max_length=300)
    link = models.CharField("lien", max_length=500, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    read_at = models.DateTimeField("lue le", null=True, blank=True)
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    digested_on = models.DateField(null=True, blank=True)
    # the application the notification speaks of (its title may name it): anonymised with it
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["email_state", "created_at"], name="notification_digest"),
        ]

    def __str__(self) -> str:
        return self.title


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Un courriel à chaque notification"
    DIGEST = "digest", "Un récapitulatif quotidien"


class PersonalSettings(models.Model):
    """One person's choice of emails (staff only) and their private calendar feed.

    The feed's secret is never stored: only its SHA-256, so that a copy of the database does not
    open anyone's calendar. It is shown once, when it is created.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="personal_settings")
    email_mode = models.CharField(
        "courriels de notification",
        max_length=10,
        choices=EmailMode.choices,
        default=EmailMode.IMMEDIATE,
    )
    feed_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    feed_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "préférences personnelles"
        verbose_name_plural = "préférences personnelles"

    def __str__(self) -> str:
        return str(self.user)
