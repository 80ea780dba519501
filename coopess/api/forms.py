from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from coopess.accounts.models import Organisation
from coopess.api.models import Event, Scope
from coopess.api.webhooks import UnsafeAddress, check_url

MAX_TOKEN_DAYS = 730


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=120,
        help_text="Le système qui l'utilisera, par exemple « CRM du DLA » ou « Site web ».",
    )
    scopes = forms.MultipleChoiceField(
        label="Droits",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Ce que le jeton peut lire. Un jeton de financeur ne lit que les indicateurs.",
    )
    funder = forms.ModelChoiceField(
        label="Pour un financeur (facultatif)",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Non : un jeton du DLA",
        help_text="Le jeton ne lira alors que les indicateurs des appels publiés que ce "
        "financeur finance, sous secret statistique.",
    )
    expires_on = forms.DateField(
        label="Date d'expiration",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Au plus {MAX_TOKEN_DAYS // 365} ans après aujourd'hui.",
    )

    def __init__(self, *args, funders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = (
            funders if funders is not None else Organisation.objects.none()
        )
        if not self.is_bound:
            self.initial.setdefault("expires_on", timezone.localdate() + dt.timedelta(days=365))

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("Choisissez une date après aujourd'hui.")
        if day > today + dt.timedelta(days=MAX_TOKEN_DAYS):
            raise forms.ValidationError(
                f"Un jeton expire au plus tard {MAX_TOKEN_DAYS // 365} ans après sa création."
            )
        return day

    def clean(self):
        data = super().clean()
        if not data.get("funder") and not data.get("scopes") and "scopes" not in self.errors:
            self.add_error("scopes", "Cochez au moins un droit.")
        return data

    def expires_at(self) -> dt.datetime:
        day = self.cleaned_data["expires_on"]
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


class EndpointForm(forms.Form):
    name = forms.CharField(label="Nom", max_length=120, help_text="Par exemple « CRM du DLA ».")
    url = forms.URLField(
        label="Adresse de réception",
        max_length=500,
        assume_scheme="https",
        help_text="Une adresse https:// publique ; CoopESS y envoie une requête POST signée.",
    )
    events = forms.MultipleChoiceField(
        label="Événements envoyés", choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label="Actif", required=False, initial=True)

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeAddress as error:
            raise forms.ValidationError(str(error)) from error
        return url
