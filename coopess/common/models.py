import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class TransitionLog(models.Model):
    """The row every workflow writes for each move (DESIGN: who, when, from, to, comment).

    A subclass adds the link to its object and ``from_status`` / ``to_status`` with its own
    states; the service that makes the move writes the row."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class CalendarInvitation(models.Model):
    """Where a meeting takes place and what its calendar invitations carry: the interviews and
    workshops of the diagnostic, the sessions of the support. A subclass adds its dates, its
    ``mode`` and ``status`` (their choices differ)."""

    address = models.CharField("adresse", max_length=300, blank=True)
    link = models.URLField("lien de visioconférence", max_length=500, blank=True)
    # iCalendar: the UID never changes; SEQUENCE grows with every change sent
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DemoEmail(models.Model):
    """A copy of an email sent while CoopESS runs as a demo, readable in the browser.

    Only written by the demo mail backend; production sends through SMTP and keeps nothing.
    """

    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)
    from_email = models.CharField("expéditeur", max_length=254)
    to = models.TextField("destinataires")
    subject = models.CharField("objet", max_length=998)
    body = models.TextField("texte")
    html_body = models.TextField("version HTML", blank=True)

    class Meta:
        verbose_name = "courriel de démonstration"
        verbose_name_plural = "courriels de démonstration"
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class SitePage(models.Model):
    """A page whose text the operator writes (privacy, accessibility statement, legal notice)."""

    class Slug(models.TextChoices):
        PRIVACY = "privacy", "Données personnelles"
        ACCESSIBILITY = "accessibility", "Déclaration d'accessibilité"
        LEGAL = "legal", "Mentions légales"

    slug = models.CharField("page", max_length=20, choices=Slug.choices, unique=True)
    title = models.CharField("titre", max_length=200)
    body = models.TextField(
        "texte", help_text="Markdown : **gras**, listes avec « - », intertitres avec « ## »."
    )
    updated_at = models.DateTimeField("mise à jour", auto_now=True)

    class Meta:
        verbose_name = "page éditable"
        verbose_name_plural = "pages éditables"

    def __str__(self) -> str:
        return self.get_slug_display()


class OutgoingEmail(models.Model):
    """One email decided by the application, kept until the worker has sent it (the outbox).

    ``queue_email_message`` writes the row in the transaction that decided the email; the
    ``deliver_email`` task sends it and marks it sent, holding the row's lock, so a task run
    twice (a worker killed mid-task and its task re-queued) never sends it twice. Once sent,
    the message itself (``payload``) is emptied: only the subject and recipients stay, for the
    operator, until ``requeue_emails`` prunes them.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "à envoyer"
        SENT = "sent", "envoyé"
        FAILED = "failed", "abandonné"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(
        "clé d'unicité",
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="Un même courriel demandé deux fois avec la même clé n'est envoyé qu'une fois.",
    )
    subject = models.CharField("objet", max_length=998)
    to = models.TextField("destinataires")
    payload = models.JSONField("message", default=dict, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    last_attempt_at = models.DateTimeField("dernière tentative", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel sortant"
        verbose_name_plural = "courriels sortants"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoing_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="sent", sent_at__isnull=False)
                    | (~models.Q(status="sent") & models.Q(sent_at__isnull=True))
                ),
                name="outgoing_sent_iff_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
