"""The collective support of a cohort: the consultancy the DLA pays for, its half-day sessions,
attendance and deliverables, and the referrals to the territory's support actors.

- ``SupportSettings``: the bounds a call sets (planned half-days, support period), as data.
- ``Engagement``: one per cohort — the consulting firm, its consultants, the brief, the budget,
  the planned half-days (within the call's bounds, checked by the database) and the period.
- ``Session``: one half-day, collective (every structure) or individual (one structure);
  ``planned → held | cancelled`` with a log. Live sessions never exceed the engagement's planned
  half-days (a trigger, see migration 0002).
- ``SupportActor`` / ``Referral``: the directory of local support actors kept by the DLA, and a
  structure's need (or an action-plan item) handed to one of them, with its own status log.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from coopess.accounts.models import Organisation, OrganisationKind, User
from coopess.applications.models import ApplicationStructure, Representative
from coopess.calls.models import Call
from coopess.common.models import CalendarInvitation, TransitionLog
from coopess.diagnostic.models import ActionItem
from coopess.selection.models import Cohort

# --- Per-call bounds (data) ------------------------------------------------------------------


class SupportSettings(models.Model):
    """What a call allows for its consultancy; the next call changes it without code."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="support_settings")
    min_half_days = models.PositiveSmallIntegerField("demi-journées prévues : minimum", default=3)
    max_half_days = models.PositiveSmallIntegerField("demi-journées prévues : maximum", default=4)
    period_starts_on = models.DateField("période d'accompagnement : début", null=True, blank=True)
    period_ends_on = models.DateField("période d'accompagnement : fin", null=True, blank=True)

    class Meta:
        verbose_name = "cadre de l'accompagnement collectif"
        verbose_name_plural = "cadres de l'accompagnement collectif"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_half_days__gte=1) & Q(max_half_days__gte=F("min_half_days")),
                name="support_settings_bounds",
                violation_error_message="Le maximum de demi-journées doit être au moins égal au "
                "minimum, qui vaut au moins 1.",
            ),
            models.CheckConstraint(
                condition=Q(period_starts_on__isnull=True)
                | Q(period_ends_on__isnull=True)
                | Q(period_ends_on__gte=F("period_starts_on")),
                name="support_settings_period",
                violation_error_message="La période se termine après son début.",
            ),
        ]

    def __str__(self) -> str:
        return f"Cadre de l'accompagnement — {self.call}"


# --- The consultancy -------------------------------------------------------------------------


class Engagement(models.Model):
    """The consultancy a cohort receives (« prestation de conseil financée par le DLA »).

    ``min_half_days`` and ``max_half_days`` are the call's bounds when the engagement was last
    saved, so that the database itself checks the planned number against them.
    """

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="engagement")
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="engagements",
        verbose_name="cabinet de conseil",
        limit_choices_to={"kind": OrganisationKind.CONSULTING_FIRM},
    )
    consultants = models.ManyToManyField(
        User, blank=True, related_name="support_engagements", verbose_name="consultant·es"
    )
    brief = models.TextField("cahier des charges", blank=True, help_text="Markdown.")
    budget = models.DecimalField("budget (€ TTC)", max_digits=10, decimal_places=2)
    planned_half_days = models.PositiveSmallIntegerField("demi-journées prévues")
    min_half_days = models.PositiveSmallIntegerField(default=1)
    max_half_days = models.PositiveSmallIntegerField(default=4)
    starts_on = models.DateField("début de la période")
    ends_on = models.DateField("fin de la période")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "prestation de conseil"
        verbose_name_plural = "prestations de conseil"
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_half_days__gte=F("min_half_days"))
                & Q(planned_half_days__lte=F("max_half_days")),
                name="engagement_half_days_within_bounds",
                violation_error_message="Le nombre de demi-journées sort des bornes de l'appel.",
            ),
            models.CheckConstraint(
                condition=Q(min_half_days__gte=1), name="engagement_at_least_one_half_day"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="engagement_period_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="engagement_budget_positive"),
        ]

    def __str__(self) -> str:
        return f"Prestation de conseil — {self.cohort}"


class SessionKind(models.TextChoices):
    COLLECTIVE = "collective", "Collective (toutes les structures)"
    INDIVIDUAL = "individual", "Individuelle (une structure)"


class HalfDay(models.TextChoices):
    MORNING = "morning", "Matin"
    AFTERNOON = "afternoon", "Après-midi"


#: Default times of each half-day (Paris), proposed by the form.
HALF_DAY_TIMES = {
    HalfDay.MORNING: (dt.time(9, 0), dt.time(12, 30)),
    HalfDay.AFTERNOON: (dt.time(14, 0), dt.time(17, 30)),
}


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", "Sur place"
    REMOTE = "remote", "À distance"
    BOTH = "both", "Sur place et à distance"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    HELD = "held", "Tenue"
    CANCELLED = "cancelled", "Annulée"


class Session(CalendarInvitation):
    """One half-day of the consultancy (place and invitations: ``CalendarInvitation``)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="sessions")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="support_sessions")
    title = models.CharField("intitulé", max_length=200)
    kind = models.CharField("type", max_length=20, choices=SessionKind.choices)
    structure = models.ForeignKey(
        ApplicationStructure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_sessions",
        verbose_name="structure (séance individuelle)",
    )
    half_day = models.CharField("demi-journée", max_length=10, choices=HalfDay.choices)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    mode = models.CharField("modalité", max_length=20, choices=SessionMode.choices)
    agenda = models.TextField("ordre du jour", blank=True, help_text="Markdown.")
    status = models.CharField(
        "état", max_length=20, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    # the record, after the session
    report = models.TextField("compte rendu", blank=True, help_text="Markdown.")
    other_attendees = models.CharField("autres participant·es", max_length=300, blank=True)
    action_items = models.ManyToManyField(
        ActionItem, blank=True, related_name="support_sessions", verbose_name="actions travaillées"
    )
    held_at = models.DateTimeField("compte rendu enregistré le", null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "séance d'accompagnement"
        verbose_name_plural = "séances d'accompagnement"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends"),
            models.CheckConstraint(
                condition=Q(kind="collective", structure__isnull=True)
                | Q(kind="individual", structure__isnull=False),
                name="individual_session_has_one_structure",
            ),
            models.CheckConstraint(
                condition=Q(half_day__in=HalfDay.values), name="session_valid_half_day"
            ),
            models.CheckConstraint(
                condition=(Q(mode="remote") | ~Q(address=""))
                & (Q(mode="in_person") | ~Q(link=""))
                & Q(mode__in=SessionMode.values),
                name="session_mode_has_place",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_at__isnull=False),
                name="held_session_has_record_date",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"], name="support_session_cohort")]

    def __str__(self) -> str:
        return f"{self.title} — {timezone.localtime(self.starts_at):%d/%m/%Y}"

    @property
    def is_live(self) -> bool:
        return self.status != SessionStatus.CANCELLED

    @property
    def place(self) -> str:
        parts = []
        if self.mode in (SessionMode.IN_PERSON, SessionMode.BOTH):
            parts.append(self.address)
        if self.mode in (SessionMode.REMOTE, SessionMode.BOTH):
            parts.append(self.link)
        return " — ".join(p for p in parts if p)


class SessionTransition(TransitionLog):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=SessionStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=SessionStatus.choices)

    def __str__(self) -> str:
        return f"{self.session}: {self.from_status} → {self.to_status}"


class Attendance(models.Model):
    """Whether one declared representative of a structure concerned was there."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    representative = models.ForeignKey(
        Representative, on_delete=models.CASCADE, related_name="support_attendances"
    )
    present = models.BooleanField("présent·e")

    class Meta:
        verbose_name = "présence"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "representative"], name="one_attendance_per_representative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.representative} : {'présent·e' if self.present else 'absent·e'}"


class Deliverable(models.Model):
    """A document produced during a session (same rules as application attachments)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="deliverables")
    title = models.CharField("intitulé", max_length=200)
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
        verbose_name = "livrable"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


# --- Local support actors and referrals ------------------------------------------------------


class Expertise(models.TextChoices):
    STRATEGY = "strategy", "Stratégie et projet"
    COOPERATION = "cooperation", "Coopération et mutualisation"
    LEGAL = "legal", "Juridique et fiscal"
    FINANCE = "finance", "Financement et modèle économique"
    HR = "hr", "Emploi et ressources humaines"
    GOVERNANCE = "governance", "Gouvernance et vie associative"
    DIGITAL = "digital", "Numérique"
    INDIVIDUAL_DLA = "individual_dla", "Accompagnement DLA individuel"


class SupportActor(models.Model):
    """An organisation of the territory that can take a structure's need further."""

    operator = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="support_actors",
        verbose_name="annuaire du DLA",
    )
    name = models.CharField("organisation", max_length=200)
    description = models.TextField("ce qu'elle propose", blank=True)
    expertise = models.JSONField("domaines d'expertise", default=list, blank=True)
    departements = models.JSONField("départements couverts", default=list, blank=True)
    is_departmental_dla = models.BooleanField(
        "DLA départemental",
        default=False,
        help_text="Les structures de ses départements peuvent lui être orientées en un clic.",
    )
    contact_name = models.CharField("contact : nom", max_length=150, blank=True)
    email = models.EmailField("contact : adresse électronique", blank=True)
    phone = models.CharField("contact : téléphone", max_length=30, blank=True)
    website = models.URLField("site web", blank=True)
    active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "acteur de l'accompagnement"
        verbose_name_plural = "acteurs de l'accompagnement"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "name"], name="support_actor_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def expertise_labels(self) -> list[str]:
        labels = dict(Expertise.choices)
        return [labels.get(code, code) for code in self.expertise]


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    CONTACTED = "contacted", "Acteur contacté"
    IN_PROGRESS = "in_progress", "Accompagnement en cours"
    DONE = "done", "Terminée"


class Referral(models.Model):
    """A structure's need, or an action-plan item, handed to a support actor."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="referrals")
    structure = models.ForeignKey(
        ApplicationStructure, on_delete=models.CASCADE, related_name="referrals"
    )
    actor = models.ForeignKey(
        SupportActor, on_delete=models.PROTECT, related_name="referrals", verbose_name="acteur"
    )
    action_item = models.ForeignKey(
        ActionItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="action du plan d'action",
    )
    need = models.TextField("besoin", blank=True)
    status = models.CharField(
        "état", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    requested_by_structure = models.BooleanField("demandée par la structure", default=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "orientation"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(need="") | Q(action_item__isnull=False),
                name="referral_has_a_need_or_an_action",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_valid_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} → {self.actor}"


class ReferralTransition(TransitionLog):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)

    def __str__(self) -> str:
        return f"{self.referral}: {self.from_status} → {self.to_status}"
