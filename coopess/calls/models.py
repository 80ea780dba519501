"""Calls for expressions of interest (AMI) and the published text around them.

A call's text is data: ordered sections of Markdown, each of which may embed one structured
block (maturity stages, targets, support steps, calendar, contact) drawn from the rows below.
The next call, theme or region is a new row set, never new code.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coopess.accounts.models import Organisation, OrganisationKind, Role, User


class ApplicationKind(models.TextChoices):
    NETWORK_HEAD = "network_head", "Tête de réseau régionale"
    UNAFFILIATED = "unaffiliated", "Structures non affiliées à un réseau"


#: Bounds of the follow-up offsets of a call (months after the end of the support).
FOLLOW_UP_OFFSET_MAX = 60
FOLLOW_UP_OFFSETS_MAX_COUNT = 4


def default_follow_up_offsets() -> list[int]:
    """The seed call's follow-ups: 6 months and 1 year after the support."""
    return [6, 12]


def validate_follow_up_offsets(value) -> None:
    """A list of 1 to 4 whole numbers of months, each between 1 and 60, strictly increasing."""
    if not isinstance(value, list) or not value:
        raise ValidationError(
            "Indiquez au moins une échéance de suivi, sous forme de liste de mois, "
            "par exemple [6, 12].",
            code="follow_up_offsets_list",
        )
    if len(value) > FOLLOW_UP_OFFSETS_MAX_COUNT:
        raise ValidationError(
            f"Au plus {FOLLOW_UP_OFFSETS_MAX_COUNT} échéances de suivi.",
            code="follow_up_offsets_count",
        )
    for offset in value:
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise ValidationError(
                "Chaque échéance est un nombre entier de mois, par exemple [6, 12].",
                code="follow_up_offsets_integer",
            )
        if not 1 <= offset <= FOLLOW_UP_OFFSET_MAX:
            raise ValidationError(
                f"Chaque échéance est comprise entre 1 et {FOLLOW_UP_OFFSET_MAX} mois "
                f"({offset} ne l'est pas).",
                code="follow_up_offsets_range",
            )
    if any(later <= earlier for earlier, later in itertools.pairwise(value)):
        raise ValidationError(
            "Les échéances de suivi sont données dans l'ordre croissant, sans doublon, "
            "par exemple [6, 12].",
            code="follow_up_offsets_order",
        )


class CallQuerySet(models.QuerySet):
    def published(self) -> CallQuerySet:
        return self.filter(is_published=True)

    def open_at(self, at: dt.datetime) -> CallQuerySet:
        return self.published().filter(opens_at__lte=at, closes_at__gt=at)

    def funded_by(self, user: User) -> CallQuerySet:
        """Published calls one of this user's funder organisations funds."""
        funders = [o.pk for o in user.organisations_for(Role.FUNDER)]
        return self.published().filter(
            pk__in=Call.funders.through.objects.filter(organisation_id__in=funders).values(
                "call_id"
            )
        )

    def managed_by(self, user: User) -> CallQuerySet:
        """Calls of the DLA operators this user works for as an officer."""
        operators = [o.pk for o in user.organisations_for(Role.OFFICER)]
        return self.filter(operator_id__in=operators)


class Call(models.Model):
    operator = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name="opérateur DLA",
        limit_choices_to={"kind": OrganisationKind.DLA_OPERATOR},
    )
    #: the call's stable identifier outside CoopESS (the API), never its row id
    public_id = models.UUIDField(
        "identifiant public", default=uuid.uuid4, unique=True, editable=False
    )
    slug = models.SlugField("adresse courte", max_length=80, unique=True)
    title = models.CharField("titre", max_length=200)
    subtitle = models.CharField(
        "sous-titre", max_length=200, blank=True,
        help_text="Par exemple : Appel à manifestations d'intérêt du DLA régional.",
    )  # fmt: skip
    theme = models.CharField(
        "thématique", max_length=300, help_text="La thématique de l'accompagnement collectif."
    )
    summary = models.TextField(
        "résumé", help_text="Deux ou trois phrases pour la liste des appels."
    )
    edition = models.CharField("édition", max_length=40, help_text="Par exemple : 2023.")
    opens_at = models.DateTimeField("ouverture des candidatures")
    closes_at = models.DateTimeField(
        "clôture des candidatures", help_text="Date et heure (heure de Paris)."
    )
    max_structures = models.PositiveSmallIntegerField(
        "nombre maximal de structures accompagnées", default=5
    )
    region_code = models.CharField("code région (INSEE)", max_length=3, default="52")
    eligible_departements = models.JSONField(
        "départements éligibles",
        default=list,
        blank=True,
        help_text='Codes INSEE, par exemple ["44", "49", "53", "72", "85"].',
    )
    follow_up_months = models.PositiveSmallIntegerField(
        "durée du suivi après l'accompagnement (mois)", default=12
    )
    follow_up_offsets = models.JSONField(
        "échéances des suivis (mois après l'accompagnement)",
        default=default_follow_up_offsets,
        validators=[validate_follow_up_offsets],
        help_text="Une liste de 1 à 4 nombres de mois, croissants, entre 1 et 60 : par exemple "
        "[6, 12] pour un suivi à 6 mois et un autre à 1 an après la fin de l'accompagnement.",
    )
    receipt_prefix = models.CharField(
        "préfixe des numéros de récépissé", max_length=12, default="COOP",
        help_text="Les récépissés sont numérotés PRÉFIXE-ANNÉE-NNNN, par exemple COOP-2023-0007.",
    )  # fmt: skip
    max_file_mb = models.PositiveSmallIntegerField("taille maximale d'un fichier (Mo)", default=10)
    max_total_mb = models.PositiveSmallIntegerField(
        "taille maximale des pièces d'une candidature (Mo)", default=40
    )
    # Personal data: how long after the end of its purpose an application keeps it (RGPD)
    retention_not_retained_months = models.PositiveSmallIntegerField(
        "conservation des candidatures non retenues (mois)", default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Après la décision (ou le retrait, ou la clôture pour un brouillon jamais "
        "déposé), les données personnelles sont anonymisées passé ce délai.",
    )  # fmt: skip
    retention_accompanied_months = models.PositiveSmallIntegerField(
        "conservation des structures accompagnées (mois)", default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Après le dernier suivi (à défaut la dernière activité de la cohorte terminée), "
        "les données personnelles sont anonymisées passé ce délai.",
    )  # fmt: skip
    contact_name = models.CharField("contact : nom", max_length=150)
    contact_role = models.CharField("contact : fonction", max_length=150, blank=True)
    contact_email = models.EmailField("contact : adresse électronique")
    contact_phone = models.CharField("contact : téléphone", max_length=30, blank=True)
    #: the funders whose people read this call's indicators (coopess/reporting), aggregated
    funders = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name="financeurs",
        related_name="funded_calls",
        blank=True,
        limit_choices_to={"kind": "funder"},
        help_text="Les financeurs de l'accompagnement (État, Banque des Territoires, Région…) : "
        "leurs comptes « financeur » lisent les indicateurs agrégés de cet appel, une fois "
        "l'appel publié. Aucun autre financeur ne les voit.",
    )
    is_published = models.BooleanField("publié", default=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "appel à manifestations d'intérêt"
        verbose_name_plural = "appels à manifestations d'intérêt"
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(max_structures__gte=1), name="call_accompanies_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(
                    retention_not_retained_months__gte=1, retention_accompanied_months__gte=1
                ),
                name="call_retention_at_least_one_month",
                violation_error_message="Les durées de conservation sont d'au moins un mois.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.edition})"

    def is_open(self, *, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.is_published and self.opens_at <= at < self.closes_at

    def expand(self, text: str) -> str:
        """Replace the tokens an officer may write in the call's text."""
        return text.replace("[[plafond]]", str(self.max_structures))


class CallPart(models.Model):
    """An ordered row belonging to a call (each subclass names its own ``call`` link)."""

    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class SectionBlock(models.TextChoices):
    NONE = "", "Aucun"
    STAGES = "stages", "Stades de maturité"
    TARGETS = "targets", "Cibles"
    STEPS = "steps", "Étapes de l'accompagnement"
    CALENDAR = "calendar", "Calendrier"
    CONTACT = "contact", "Contact"


class CallSection(CallPart):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(
        "intertitre", max_length=200, blank=True, help_text="Vide : suite de la section précédente."
    )
    body = models.TextField(
        "texte", blank=True, help_text="Markdown. [[plafond]] est remplacé par le nombre maximal."
    )
    block = models.CharField(
        "bloc inséré après le texte", max_length=20, choices=SectionBlock.choices, blank=True
    )
    body_after = models.TextField("texte après le bloc", blank=True)

    class Meta(CallPart.Meta):
        verbose_name = "section du texte"
        verbose_name_plural = "sections du texte"

    def __str__(self) -> str:
        return self.heading or f"Section {self.position}"


class MaturityStage(CallPart):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="maturity_stages")
    code = models.SlugField("code", max_length=40)
    label = models.CharField("intitulé", max_length=200)
    details = models.CharField("précisions", max_length=400, blank=True)

    class Meta(CallPart.Meta):
        verbose_name = "stade de maturité"
        verbose_name_plural = "stades de maturité"
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="maturity_stage_unique_code")
        ]

    def __str__(self) -> str:
        return self.label


class CallTarget(CallPart):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="targets")
    application_kind = models.CharField(
        "type de candidature", max_length=20, choices=ApplicationKind.choices
    )
    label = models.CharField("description", max_length=300)

    class Meta(CallPart.Meta):
        verbose_name = "cible"
        constraints = [
            models.UniqueConstraint(
                fields=["call", "application_kind"], name="call_target_unique_kind"
            )
        ]

    def __str__(self) -> str:
        return self.label


class SupportStep(CallPart):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField("intitulé court", max_length=120)
    body = models.TextField("description", help_text="Markdown.")

    class Meta(CallPart.Meta):
        verbose_name = "étape de l'accompagnement"
        verbose_name_plural = "étapes de l'accompagnement"

    def __str__(self) -> str:
        return self.title


class MilestoneKind(models.TextChoices):
    LAUNCH = "launch", "Lancement (date d'ouverture de l'appel)"
    CLOSING = "closing", "Clôture (date et heure de clôture de l'appel)"
    SELECTION = "selection", "Sélection des structures"
    SUPPORT = "support", "Accompagnement"
    OTHER = "other", "Autre"


class DatePrecision(models.TextChoices):
    DAY = "day", "Jour"
    MONTH = "month", "Mois"


class CallMilestone(CallPart):
    """One line of the published calendar.

    Launch and closing take their dates from the call itself (``opens_at``, ``closes_at``), so
    the calendar and the application window can never disagree.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("type", max_length=20, choices=MilestoneKind.choices)
    label = models.CharField("intitulé", max_length=200)
    starts_on = models.DateField("début", null=True, blank=True)
    ends_on = models.DateField("fin", null=True, blank=True)
    precision = models.CharField(
        "précision affichée",
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )

    class Meta(CallPart.Meta):
        verbose_name = "étape du calendrier"
        verbose_name_plural = "calendrier"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["launch", "closing"]) | Q(starts_on__isnull=False),
                name="milestone_dated_unless_from_call",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="milestone_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class QuestionKind(models.TextChoices):
    TEXT = "text", "Texte court"
    LONG_TEXT = "long_text", "Texte long"
    NUMBER = "number", "Nombre"
    DATE = "date", "Date"
    SINGLE_CHOICE = "single_choice", "Choix unique"
    MULTIPLE_CHOICE = "multiple_choice", "Choix multiple"
    YES_NO = "yes_no", "Oui / non"
    FILE = "file", "Fichier"


class CallQuestion(CallPart):
    """A question of the call's own, asked in the application form (defined in the admin)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField("question", max_length=300)
    help_text = models.CharField("aide", max_length=500, blank=True)
    kind = models.CharField("type de réponse", max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField("obligatoire", default=False)
    choices = models.JSONField(
        "choix proposés",
        default=list,
        blank=True,
        help_text='Pour les choix : une liste, par exemple ["Réseau", "Presse", "Autre"].',
    )
    show_if_question = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependent_questions",
        verbose_name="afficher seulement si la question",
    )
    show_if_value = models.CharField(
        "a la valeur", max_length=200, blank=True, help_text="Pour oui / non : « oui » ou « non »."
    )

    class Meta(CallPart.Meta):
        verbose_name = "question de l'appel"
        verbose_name_plural = "questions de l'appel"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in QuestionKind]),
                name="call_question_valid_kind",
            )
        ]

    def __str__(self) -> str:
        return self.label


class DocumentScope(models.TextChoices):
    APPLICATION = "application", "Une fois pour la candidature"
    STRUCTURE = "structure", "Pour chaque structure"


class CallDocument(CallPart):
    """A document the application asks for (statuts, derniers comptes…)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents")
    code = models.SlugField("code", max_length=40)
    label = models.CharField("intitulé", max_length=200)
    help_text = models.CharField("aide", max_length=500, blank=True)
    scope = models.CharField(
        "demandé", max_length=20, choices=DocumentScope.choices, default=DocumentScope.STRUCTURE
    )
    required = models.BooleanField("obligatoire", default=True)

    class Meta(CallPart.Meta):
        verbose_name = "pièce demandée"
        verbose_name_plural = "pièces demandées"
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="call_document_unique_code")
        ]

    def __str__(self) -> str:
        return self.label
