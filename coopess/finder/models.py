"""The partner finder: a structure's consent to be findable (and what it shows), the log of
that consent, and the contact requests between structures.

A ``FinderProfile`` holds only what the representative chose to show: the fields they did not
tick are stored empty, so that no page, export or query can show more than was consented to.
Its consent is active until it expires or is withdrawn; a withdrawn or expired profile is
emptied and kept only as the proof of the consent (with its log).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import Organisation, User
from coopess.applications.models import Application, ApplicationStructure
from coopess.common.models import TransitionLog


class Shown(models.TextChoices):
    """What a structure may choose to show (its name is always shown)."""

    DOMAINS = "domains", "Nos besoins et nos ressources à partager"
    SECTOR = "sector", "Notre secteur d'activité (code NAF)"
    TERRITORY = "territory", "Notre département"
    SIZE = "size", "Notre taille (tranche d'effectif salarié)"
    STAGE = "stage", "Le stade de maturité de notre projet de coopération"
    FORMS = "forms", "Les formes de coopération que nous envisageons"
    PITCH = "pitch", "Une présentation libre de notre structure"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Les autres structures et la chargée ou le chargé d'accompagnement DLA"
    OFFICERS = "officers", "Seulement la chargée ou le chargé d'accompagnement DLA"


DURATION_CHOICES = [(6, "6 mois"), (12, "12 mois"), (24, "24 mois")]


class FinderProfileQuerySet(models.QuerySet):
    def active(self, *, at: dt.datetime | None = None) -> FinderProfileQuerySet:
        return self.filter(withdrawn_at__isnull=True, expires_at__gt=at or timezone.now())

    def findable_by_structures(self, *, at: dt.datetime | None = None) -> FinderProfileQuerySet:
        return self.active(at=at).filter(audience=Audience.EVERYONE)

    def findable_by_officer(
        self, user: User, *, at: dt.datetime | None = None
    ) -> FinderProfileQuerySet:
        from coopess.accounts.models import Role

        operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
        return self.active(at=at).filter(operator_id__in=operators)


class FinderProfile(models.Model):
    structure = models.OneToOneField(
        ApplicationStructure,
        on_delete=models.CASCADE,
        related_name="finder_profile",
        verbose_name="structure",
    )
    # the DLA of the call the structure applied to: its officers may see the profile
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="opérateur DLA"
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="accordé par"
    )
    audience = models.CharField(
        "visible par", max_length=10, choices=Audience.choices, default=Audience.EVERYONE
    )
    shown = models.JSONField("informations montrées", default=list, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        "durée du consentement", choices=DURATION_CHOICES, default=12
    )
    granted_at = models.DateTimeField("consentement donné le", default=timezone.now)
    expires_at = models.DateTimeField("consentement valable jusqu'au")
    withdrawn_at = models.DateTimeField("consentement retiré le", null=True, blank=True)
    # What is shown (empty when not chosen)
    name = models.CharField("nom de la structure", max_length=250)
    needs = models.JSONField("besoins", default=list, blank=True)
    resources = models.JSONField("ressources à partager", default=list, blank=True)
    naf_code = models.CharField("code NAF", max_length=6, blank=True)
    departement = models.CharField("département", max_length=3, blank=True)
    staff_band = models.CharField("tranche d'effectif", max_length=2, blank=True)
    stage_code = models.CharField("stade de maturité", max_length=40, blank=True)
    stage_label = models.CharField("stade de maturité (intitulé)", max_length=200, blank=True)
    forms = models.JSONField("formes envisagées", default=list, blank=True)
    pitch = models.TextField("présentation", max_length=1000, blank=True)
    # The structure's identity across calls (never shown): one active profile per SIRET, and
    # a structure never finds itself through another of its applications
    siret = models.CharField(max_length=14, blank=True, db_index=True)
    # Derived from the shown values above, for the search in SQL (see services.sql_score)
    needs_mask = models.PositiveIntegerField(default=0)
    resources_mask = models.PositiveIntegerField(default=0)
    forms_mask = models.PositiveIntegerField(default=0)
    region = models.CharField(max_length=3, blank=True)
    naf_division = models.CharField(max_length=2, blank=True)
    sort_name = models.CharField(max_length=250, blank=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    objects = FinderProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "fiche de recherche de partenaires"
        verbose_name_plural = "fiches de recherche de partenaires"
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["audience", "expires_at"], name="finder_active_idx"),
            models.Index(fields=["operator", "expires_at"], name="finder_operator_idx"),
            models.Index(fields=["departement", "audience"], name="finder_departement_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")), name="finder_expires_after"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="finder_valid_audience"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active(self, *, at: dt.datetime | None = None) -> bool:
        return self.withdrawn_at is None and self.expires_at > (at or timezone.now())

    def shows(self, item: str) -> bool:
        return item in self.shown

    def derive(self) -> None:
        """Fill the search columns from the shown values (called by every service that
        writes a profile)."""
        from coopess.finder import scoring
        from coopess.structures.geography import region_of_departement

        self.needs_mask = scoring.domain_mask(self.needs)
        self.resources_mask = scoring.domain_mask(self.resources)
        self.forms_mask = scoring.form_mask(self.forms)
        self.region = region_of_departement(self.departement) or "" if self.departement else ""
        self.naf_division = scoring.naf_division(self.naf_code)
        self.sort_name = scoring.fold(self.name)[:250]


class ConsentAction(models.TextChoices):
    GRANTED = "granted", "Consentement donné"
    UPDATED = "updated", "Consentement modifié"
    WITHDRAWN = "withdrawn", "Consentement retiré"
    EXPIRED = "expired", "Consentement expiré"


class ConsentEvent(TransitionLog):
    """Every change of a consent: who, when, what was shown, to whom, until when."""

    profile = models.ForeignKey(FinderProfile, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=ConsentAction.choices)
    details = models.JSONField(default=dict, blank=True)

    class Meta(TransitionLog.Meta):
        verbose_name = "journal du consentement"
        verbose_name_plural = "journal des consentements"

    def __str__(self) -> str:
        return f"{self.profile} : {self.get_action_display()}"


class ContactStatus(models.TextChoices):
    PENDING = "pending", "En attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    DECLINED = "declined", "Déclinée"


class ContactRequestQuerySet(models.QuerySet):
    def involving(self, user: User) -> ContactRequestQuerySet:
        """Requests one of whose structures ``user`` acts for."""
        from coopess.applications.models import ApplicationAccess

        structure_ids = ApplicationAccess.objects.filter(user=user).values("structure_id")
        return self.filter(Q(from_structure__in=structure_ids) | Q(to_structure__in=structure_ids))


class ContactRequest(models.Model):
    """A request to get in touch, from one structure (or from a DLA officer introducing two)
    to another. No address is disclosed until both sides have accepted."""

    from_structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="finder_requests_sent"
    )
    to_structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="finder_requests_received"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # set when a DLA officer proposed the introduction: then both sides must accept
    introduced_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField("message", max_length=2000, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=ContactStatus.choices, default=ContactStatus.PENDING
    )
    from_accepted_at = models.DateTimeField(null=True, blank=True)
    to_accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField("répondu le", null=True, blank=True)
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    joint_application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ContactRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de mise en relation"
        verbose_name_plural = "demandes de mise en relation"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_structure=models.F("to_structure")), name="finder_no_self_contact"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContactStatus.values), name="finder_valid_contact_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted")
                | Q(from_accepted_at__isnull=False, to_accepted_at__isnull=False),
                name="finder_accepted_by_both",
            ),
            models.UniqueConstraint(
                fields=["from_structure", "to_structure"],
                condition=Q(status="pending"),
                name="finder_one_pending_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_structure} → {self.to_structure}"

    @property
    def is_introduction(self) -> bool:
        return self.introduced_by_id is not None
