"""Forms of the application, one per section.

Every field is optional while editing: what is missing is listed on the submission page, not
thrown at the representative on each keystroke. What is typed but malformed gets its French
message next to the field and is kept as typed (see ``services.section_save``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from coopess.applications.choices import CooperationForm, LegalForm, ProjectGoal, SharingDomain
from coopess.calls.models import Call, CallQuestion, QuestionKind
from coopess.structures.geography import DEPARTEMENT_CHOICES
from coopess.structures.identifiers import clean_rna, clean_siret

PHONE_CHARS = re.compile(r"^[0-9+().\s-]+$")

YES_NO_CHOICES = [("oui", "Oui"), ("non", "Non")]


def clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARS.match(value) or not 10 <= len(digits) <= 15:
        raise ValidationError(
            "Saisissez un numéro de téléphone à 10 chiffres, par exemple 02 40 00 00 00.",
            code="phone",
        )
    return value


class SectionForm(forms.Form):
    """A section of the application. ``needed`` fields are marked « obligatoire » in the page and
    checked before submission."""

    needed: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            field.needed = name in self.needed


class TypeForm(SectionForm):
    needed = ("kind", "project_title")

    kind = forms.ChoiceField(label="Type de candidature", widget=forms.RadioSelect, choices=())
    project_title = forms.CharField(
        label="Titre du projet",
        max_length=200,
        help_text="Une phrase, par exemple : « Mutualiser un poste de comptable entre nos trois associations ».",
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (target.application_kind, f"{target.get_application_kind_display()} — {target.label}")
            for target in call.targets.all()
        ]


class StructureForm(SectionForm):
    """The part each structure fills for itself, in the order of the Cerfa n° 12156."""

    needed = (
        "name", "siret", "address", "postal_code", "commune", "departement", "legal_form",
        "employees", "fte",
        "rep1_first_name", "rep1_last_name", "rep1_role", "rep1_email", "rep1_phone",
        "rep2_first_name", "rep2_last_name", "rep2_role", "rep2_email", "rep2_phone",
    )  # fmt: skip

    siret = forms.CharField(
        label="Numéro SIRET",
        max_length=40,
        help_text="14 chiffres, sur vos statuts ou l'avis de situation Sirene.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label="Nom de la structure", max_length=250)
    rna = forms.CharField(
        label="Numéro RNA (associations)",
        max_length=20,
        help_text="W suivi de 9 caractères. Les associations d'Alsace-Moselle n'en ont pas.",
    )
    address = forms.CharField(label="Adresse du siège", max_length=300)
    postal_code = forms.CharField(
        label="Code postal", max_length=5, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    commune = forms.CharField(label="Commune", max_length=150)
    departement = forms.ChoiceField(
        label="Département du siège", choices=[("", "— choisir —"), *DEPARTEMENT_CHOICES]
    )
    legal_form = forms.ChoiceField(
        label="Forme juridique", choices=LegalForm.choices, widget=forms.RadioSelect
    )
    esus_approved = forms.TypedChoiceField(
        label="Agrément ESUS (entreprises)",
        choices=[("", "Sans objet"), *YES_NO_CHOICES],
        coerce=lambda v: v == "oui",
        empty_value=None,
    )
    network_affiliation = forms.CharField(
        label="Affiliation à un réseau, une union ou une fédération",
        max_length=250,
        help_text="Nom du réseau, ou « aucune ».",
    )
    employees = forms.IntegerField(
        label="Nombre de salarié·es", min_value=0, max_value=100_000, help_text="Au dernier mois."
    )
    fte = forms.DecimalField(
        label="Équivalents temps plein (ETP)",
        min_value=Decimal(0),
        max_value=Decimal(100_000),
        max_digits=7,
        decimal_places=2,
        help_text="Par exemple 3,5.",
        localize=True,
    )
    volunteers = forms.IntegerField(label="Nombre de bénévoles", min_value=0, max_value=1_000_000)

    rep1_first_name = forms.CharField(label="Prénom", max_length=150)
    rep1_last_name = forms.CharField(label="Nom", max_length=150)
    rep1_role = forms.CharField(label="Fonction", max_length=150)
    rep1_email = forms.EmailField(label="Adresse électronique", max_length=254)
    rep1_phone = forms.CharField(label="Téléphone", max_length=30)
    rep2_first_name = forms.CharField(label="Prénom", max_length=150)
    rep2_last_name = forms.CharField(label="Nom", max_length=150)
    rep2_role = forms.CharField(label="Fonction", max_length=150)
    rep2_email = forms.EmailField(label="Adresse électronique", max_length=254)
    rep2_phone = forms.CharField(label="Téléphone", max_length=30)

    IDENTIFICATION = (
        "siret", "name", "rna", "address", "postal_code", "commune", "departement",
        "legal_form", "esus_approved", "network_affiliation",
    )  # fmt: skip
    HUMAN_RESOURCES = ("employees", "fte", "volunteers")
    REPRESENTATIVE_FIELDS = ("first_name", "last_name", "role", "email", "phone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for prefix in ("rep1_", "rep2_"):
            self.fields[f"{prefix}email"].widget.attrs["autocomplete"] = "email"
            self.fields[f"{prefix}phone"].widget.attrs.update(
                {"autocomplete": "tel", "type": "tel"}
            )

    def clean_siret(self) -> str:
        value = self.cleaned_data["siret"]
        return clean_siret(value) if value else ""

    def clean_rna(self) -> str:
        return clean_rna(self.cleaned_data["rna"])

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise ValidationError("Le code postal compte 5 chiffres.", code="postal_code")
        return value

    def clean_rep1_phone(self) -> str:
        return clean_phone(self.cleaned_data["rep1_phone"])

    def clean_rep2_phone(self) -> str:
        return clean_phone(self.cleaned_data["rep2_phone"])

    def groups(self):
        """Fields grouped as the page shows them (fieldsets)."""
        return [
            ("Identification", [self[name] for name in self.IDENTIFICATION]),
            ("Salarié·es et bénévoles", [self[name] for name in self.HUMAN_RESOURCES]),
            (
                "Premier·e représentant·e",
                [self[f"rep1_{name}"] for name in self.REPRESENTATIVE_FIELDS],
            ),
            (
                "Second·e représentant·e",
                [self[f"rep2_{name}"] for name in self.REPRESENTATIVE_FIELDS],
            ),
        ]


class ProjectForm(SectionForm):
    needed = ("shared_domains", "goals", "maturity_stage", "expectations", "availability")

    shared_domains = forms.MultipleChoiceField(
        label="Ce que vous souhaitez partager (moyens ou activités)",
        choices=SharingDomain.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_other = forms.CharField(label="Autre : précisez", max_length=300)
    shared_description = forms.CharField(
        label="Décrivez le partage envisagé",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    goals = forms.MultipleChoiceField(
        label="Vos objectifs",
        choices=ProjectGoal.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    maturity_stage = forms.ChoiceField(
        label="Stade de maturité du projet", widget=forms.RadioSelect, choices=()
    )
    envisaged_forms = forms.MultipleChoiceField(
        label="Formes de rapprochement envisagées",
        choices=CooperationForm.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="L'accompagnement vaut quelle que soit la forme envisagée ; cochez « pas encore définie » si c'est le cas.",
    )
    regional_scope = forms.CharField(
        label="En quoi votre projet est-il d'envergure régionale ?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
    )
    expectations = forms.CharField(
        label="Vos attentes vis-à-vis de l'accompagnement",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    difficulties = forms.CharField(
        label="Les difficultés que vous connaissez déjà",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    availability = forms.CharField(
        label="Vos disponibilités pour le diagnostic et l'accompagnement",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        help_text="Par exemple : périodes où vos représentant·es ne sont pas disponibles.",
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["maturity_stage"].choices = [
            (str(stage.pk), stage.label + (f" ({stage.details})" if stage.details else ""))
            for stage in call.maturity_stages.all()
        ]


def question_field_name(question: CallQuestion) -> str:
    return f"q{question.pk}"


class QuestionsForm(SectionForm):
    """The call's own questions, built from data."""

    def __init__(self, *args, questions: list[CallQuestion], **kwargs):
        self.questions = [q for q in questions if q.kind != QuestionKind.FILE]
        self.needed = tuple(question_field_name(q) for q in self.questions if q.required)
        super().__init__(*args, **kwargs)
        for question in self.questions:
            field = self._field_for(question)
            field.help_text = question.help_text
            field.question = question
            field.needed = question.required
            self.fields[question_field_name(question)] = field

    @staticmethod
    def _field_for(question: CallQuestion) -> forms.Field:
        label = question.label
        match question.kind:
            case QuestionKind.TEXT:
                return forms.CharField(label=label, max_length=500, required=False)
            case QuestionKind.LONG_TEXT:
                return forms.CharField(
                    label=label,
                    max_length=10_000,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
            case QuestionKind.NUMBER:
                return forms.DecimalField(
                    label=label, required=False, max_digits=14, decimal_places=2, localize=True
                )
            case QuestionKind.DATE:
                return forms.DateField(
                    label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
                )
            case QuestionKind.SINGLE_CHOICE:
                return forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[(c, c) for c in question.choices],
                    widget=forms.RadioSelect,
                )
            case QuestionKind.MULTIPLE_CHOICE:
                return forms.MultipleChoiceField(
                    label=label,
                    required=False,
                    choices=[(c, c) for c in question.choices],
                    widget=forms.CheckboxSelectMultiple,
                )
            case QuestionKind.YES_NO:
                return forms.ChoiceField(
                    label=label, required=False, choices=YES_NO_CHOICES, widget=forms.RadioSelect
                )
        raise ValueError(f"Unknown question kind {question.kind!r}")


class InvitePartnerForm(forms.Form):
    name = forms.CharField(label="Nom de la structure partenaire", max_length=250)
    email = forms.EmailField(
        max_length=254,
        label="Adresse électronique de sa ou son représentant·e",
        help_text="Une invitation lui sera envoyée : elle ou il complétera la partie de sa structure.",
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="Fichier")


class ConfirmForm(forms.Form):
    """A deliberate action (withdraw, confirm participation): a checkbox against slips."""

    confirm = forms.BooleanField(label="Je confirme", required=True)
    reason = forms.CharField(
        label="Motif (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartForm(forms.Form):
    privacy_notice = forms.BooleanField(
        label="J'ai lu la notice sur les données personnelles ci-dessus.",
        error_messages={
            "required": "Cochez cette case pour commencer : la notice explique l'usage de vos données."
        },
    )
