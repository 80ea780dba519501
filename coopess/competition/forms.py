"""The forms of the competition: the provider directory (SIRET checked as in applications),
the terms of reference, the proposal (French messages, nothing typed lost), the choice."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from coopess.competition.models import (
    TERMS_EDITABLE,
    Consultation,
    LookupStatus,
    Proposal,
    Provider,
)
from coopess.structures.identifiers import clean_siret

NUMBER_MESSAGE = "Saisissez un montant en euros, par exemple 1200 ou 1200,50."


class ProviderForm(forms.ModelForm):
    """The directory entry; the SIRET is then looked up in the public company directory
    (``services.directory.provider_save``), which may give the name when left empty."""

    class Meta:
        model = Provider
        fields = ["name", "siret", "expertise", "departements", "contact_name", "email", "phone"]
        help_texts = {
            "name": "Laissez vide pour reprendre le nom du répertoire des entreprises.",
            "siret": "14 chiffres ; vérifié dans le répertoire public des entreprises.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False

    def clean_siret(self) -> str:
        return clean_siret(self.cleaned_data["siret"])


class ReviewForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label="Satisfaction",
        choices=[("", "—")] + [(n, f"{n} sur 5") for n in range(1, 6)],
        coerce=int,
        error_messages={"required": "Choisissez une note de 1 à 5."},
    )
    comment = forms.CharField(label="Commentaire", required=False, max_length=2000)


class ConsultationCreateForm(forms.Form):
    budget_ceiling = forms.DecimalField(
        label="Plafond budgétaire (€ TTC)",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={"invalid": NUMBER_MESSAGE},
    )
    deadline = forms.DateTimeField(
        label="Date limite de réception des propositions (heure de Paris)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    keep = forms.MultipleChoiceField(
        label="Sections confidentielles de la synthèse à reprendre quand même",
        help_text="Elles décrivent chaque structure : ne les cochez qu'à dessein, elles "
        "partiront chez les prestataires consultés.",
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        from coopess.competition.services.consultation import CONFIDENTIAL_SECTIONS

        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = list(CONFIDENTIAL_SECTIONS.items())


class TermsForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = TERMS_EDITABLE
        widgets = {
            "deadline": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }


class ProposalForm(forms.ModelForm):
    attachment = forms.FileField(label="Pièce jointe (PDF, DOCX ou ODT)", required=False)

    class Meta:
        model = Proposal
        fields = [
            "method",
            "calendar",
            "consultants",
            "half_days",
            "price_per_half_day",
            "total",
            "references",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultants"].widget.attrs["rows"] = 3
        for name in ("price_per_half_day", "total"):
            self.fields[name].error_messages["invalid"] = NUMBER_MESSAGE
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
            self.fields[name].widget.is_localized = True

    def clean_consultants(self) -> str:
        from coopess.competition.services import CompetitionError
        from coopess.competition.services.proposals import consultant_lines

        text = self.cleaned_data["consultants"]
        try:
            consultant_lines(text)
        except CompetitionError as error:
            raise forms.ValidationError(error.message) from error
        return text


class QuestionForm(forms.Form):
    text = forms.CharField(label="Votre question", widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Réponse publiée à tous les prestataires consultés",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChoiceForm(forms.Form):
    justification = forms.CharField(label="Justification du choix", widget=forms.Textarea)
    starts_on = forms.DateField(
        label="Début de la prestation (vide : celui de l'appel)",
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )
    ends_on = forms.DateField(
        label="Fin de la prestation (vide : celle de l'appel)",
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )
    derogation = forms.CharField(
        label="Dérogation au plafond (si la proposition le dépasse)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError({"ends_on": "La fin vient après le début."})
        return data


MARK_MESSAGE = "Saisissez une note de 0 à 20, par exemple 14 ou 14,5."


class ScoreForm(forms.Form):
    """One person's marks for one proposal: a field per announced criterion, then the
    declaration of no conflict of interest (as the selection committee's reviewers make)."""

    def __init__(self, *args, criteria: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            field = forms.DecimalField(
                label=f"{criterion['label']} ({criterion['weight']} %), note sur 20",
                min_value=0,
                max_value=20,
                decimal_places=2,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                error_messages={
                    "required": MARK_MESSAGE,
                    "invalid": MARK_MESSAGE,
                    "min_value": MARK_MESSAGE,
                    "max_value": MARK_MESSAGE,
                    "max_decimal_places": MARK_MESSAGE,
                    "max_digits": MARK_MESSAGE,
                },
            )
            field.widget.is_localized = True
            self.fields[f"mark_{criterion['key']}"] = field
        self.fields["no_conflict"] = forms.BooleanField(
            label="Je déclare n'avoir aucun lien d'intérêt avec ce prestataire.",
            error_messages={
                "required": "Déclarez n'avoir aucun lien d'intérêt avec ce prestataire avant "
                "de noter."
            },
        )

    def marks(self, criteria: list[dict]) -> dict:
        return {c["key"]: self.cleaned_data[f"mark_{c['key']}"] for c in criteria}


class AbandonForm(forms.Form):
    reason = forms.CharField(label="Motif de l'abandon", widget=forms.Textarea(attrs={"rows": 2}))


class SendForm(forms.Form):
    fewer_reason = forms.CharField(
        label="Motif d'une consultation plus restreinte (si moins de prestataires que prévu)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class CommitteeSettingsForm(forms.Form):
    committee_scores = forms.BooleanField(
        label=Consultation._meta.get_field("committee_scores").verbose_name.capitalize(),
        help_text=Consultation._meta.get_field("committee_scores").help_text,
        required=False,
    )


class CommitteeAssignForm(forms.Form):
    member = forms.ModelChoiceField(
        label="Membre du comité d'appui à désigner",
        queryset=None,
        error_messages={
            "required": "Choisissez un membre du comité de votre DLA.",
            "invalid_choice": "Choisissez un membre du comité de votre DLA.",
        },
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda u: u.get_full_name() or u.email


class CommitteeConflictForm(forms.Form):
    """The same declaration as the selection committee's reviewers, about one provider."""

    CHOICES = [
        ("none", "Je n'ai aucun lien d'intérêt avec ce prestataire"),
        ("conflict", "J'ai un lien d'intérêt avec ce prestataire : je ne note pas sa proposition"),
    ]
    declaration = forms.ChoiceField(
        label="Déclaration d'absence de conflit d'intérêts",
        choices=CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez l'une des deux déclarations."},
    )
    note = forms.CharField(label="Précision (facultative)", required=False, max_length=1000)


class CommitteeScoreForm(ScoreForm):
    """A member's marks: the declaration is made before, on its own form."""

    def __init__(self, *args, criteria: list[dict], **kwargs):
        super().__init__(*args, criteria=criteria, **kwargs)
        del self.fields["no_conflict"]
        self.fields["comment"] = forms.CharField(
            label="Commentaire (facultatif)",
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
            max_length=5000,
        )


class ProviderSelect(forms.Select):
    """The directory's providers; one whose establishment is closed is shown, disabled, with
    the reason (it cannot be consulted)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        provider = getattr(value, "instance", None)
        if provider is not None and provider.lookup_status == LookupStatus.CLOSED:
            option["attrs"]["disabled"] = True
            option["label"] = f"{label} — établissement fermé d'après le répertoire"
        return option


class ConsultForm(forms.Form):
    provider = forms.ModelChoiceField(
        label="Prestataire de l'annuaire",
        queryset=None,
        widget=ProviderSelect,
        empty_label=None,
        help_text="Un prestataire dont l'établissement est fermé d'après le répertoire des "
        "entreprises ne peut pas être consulté.",
        error_messages={
            "required": "Choisissez un prestataire de l'annuaire de votre DLA.",
            "invalid_choice": "Choisissez un prestataire de l'annuaire de votre DLA.",
        },
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class DetachForm(forms.Form):
    confirm = forms.BooleanField(
        label="Je confirme : ce compte ne verra plus la consultation, un autre contact du "
        "cabinet pourra accepter l'invitation.",
        error_messages={"required": "Cochez la confirmation pour détacher le compte."},
    )
