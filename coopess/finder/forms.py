from django import forms

from coopess.applications.choices import SharingDomain
from coopess.finder.models import DURATION_CHOICES, Audience, Shown
from coopess.structures.geography import DEPARTEMENT_CHOICES


class ConsentForm(forms.Form):
    audience = forms.ChoiceField(
        label="Qui peut trouver votre structure ?",
        choices=Audience.choices,
        widget=forms.RadioSelect,
    )
    shown = forms.MultipleChoiceField(
        label="Ce que vous acceptez de montrer",
        help_text="Le nom de votre structure est toujours montré. Rien d'autre n'est montré sans "
        "votre accord : ni vos réponses à l'autodiagnostic, ni vos adresses.",
        choices=Shown.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    needs = forms.MultipleChoiceField(
        label="Vos besoins (ce que vous cherchez)",
        choices=SharingDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    resources = forms.MultipleChoiceField(
        label="Vos ressources à partager (ce que vous pouvez proposer)",
        choices=SharingDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pitch = forms.CharField(
        label="Présentation libre",
        help_text="Quelques lignes sur votre structure et la coopération que vous cherchez "
        "(1 000 caractères au plus). N'y mettez ni adresse ni téléphone.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        required=False,
    )
    duration_months = forms.TypedChoiceField(
        label="Pendant combien de temps ?",
        help_text="À la fin de cette durée, votre structure disparaît de la recherche. Vous "
        "pouvez retirer votre accord à tout moment.",
        choices=DURATION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        both = set(data.get("needs") or []) & set(data.get("resources") or [])
        if both:
            labels = ", ".join(dict(SharingDomain.choices)[d] for d in sorted(both))
            self.add_error(
                "resources",
                f"Un domaine ne peut pas être à la fois un besoin et une ressource : {labels}.",
            )
        shown = data.get("shown") or []
        if Shown.DOMAINS in shown and not (data.get("needs") or data.get("resources")):
            self.add_error(
                "needs", "Cochez au moins un besoin ou une ressource, ou ne les montrez pas."
            )
        return data


class SearchForm(forms.Form):
    departement = forms.ChoiceField(
        label="Département", choices=[("", "Tous"), *DEPARTEMENT_CHOICES], required=False
    )
    domaine = forms.ChoiceField(
        label="Domaine de partage",
        choices=[("", "Tous"), *list(SharingDomain.choices)],
        required=False,
    )


class MessageForm(forms.Form):
    message = forms.CharField(
        label="Votre message",
        help_text="Présentez votre projet en quelques lignes (2 000 caractères au plus). Vos "
        "adresses ne sont communiquées qu'une fois la demande acceptée.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )


class JointApplicationForm(forms.Form):
    call = forms.ModelChoiceField(
        label="Appel auquel candidater ensemble",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez un appel ouvert dans la liste."},
    )

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls


class IntroductionForm(forms.Form):
    first = forms.IntegerField(widget=forms.HiddenInput)
    second = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(
        label="Message aux deux structures",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
