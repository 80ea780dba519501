"""Forms of the collective workshop and the action plan."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import ActionItem, ActionStatus, Mode, Workshop


class WorkshopForm(forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200, initial="Atelier collectif")
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date.", "invalid": "Date invalide."},
    )
    start = forms.TimeField(
        label="Début (heure de Paris)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l'heure de début.", "invalid": "Heure invalide."},
    )
    end = forms.TimeField(
        label="Fin (heure de Paris)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l'heure de fin.", "invalid": "Heure invalide."},
    )
    mode = forms.ChoiceField(
        label="Modalité", choices=Mode.choices, widget=forms.RadioSelect, initial=Mode.IN_PERSON
    )
    address = forms.CharField(label="Adresse (sur place)", max_length=300, required=False)
    link = forms.URLField(
        label="Lien de visioconférence (à distance)",
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Saisissez une adresse web complète (https://…)."},
    )
    agenda = forms.CharField(
        label="Ordre du jour",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown : une ligne par point, commencée par « - ». Envoyé avec l'invitation.",
    )

    @classmethod
    def for_workshop(cls, workshop: Workshop) -> WorkshopForm:
        local_start = timezone.localtime(workshop.starts_at, PARIS)
        local_end = timezone.localtime(workshop.ends_at, PARIS)
        return cls(
            initial={
                "title": workshop.title,
                "date": local_start.date(),
                "start": local_start.time(),
                "end": local_end.time(),
                "mode": workshop.mode,
                "address": workshop.address,
                "link": workshop.link,
                "agenda": workshop.agenda,
            }
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data["start"], data["end"]
        if end <= start:
            self.add_error("end", "L'atelier doit finir après son début.")
        if data["mode"] == Mode.IN_PERSON and not data.get("address", "").strip():
            self.add_error("address", "Indiquez l'adresse de l'atelier sur place.")
        if data["mode"] == Mode.REMOTE and not data.get("link"):
            self.add_error("link", "Indiquez le lien de visioconférence.")
        return data

    def meeting(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "starts_at": dt.datetime.combine(data["date"], data["start"], tzinfo=PARIS),
            "ends_at": dt.datetime.combine(data["date"], data["end"], tzinfo=PARIS),
            "mode": data["mode"],
            "address": data.get("address", ""),
            "link": data.get("link", ""),
            "agenda": data.get("agenda", ""),
        }


class OutcomesForm(forms.Form):
    stakes = forms.CharField(
        label="Enjeux partagés",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown. Visible par les structures de la cohorte.",
    )
    decisions = forms.CharField(
        label="Décisions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown. Visible par les structures de la cohorte.",
    )

    def clean(self):
        data = super().clean()
        if not (data.get("stakes", "").strip() or data.get("decisions", "").strip()):
            raise forms.ValidationError(
                "Notez au moins les enjeux partagés ou les décisions de l'atelier."
            )
        return data


class ActionForm(forms.Form):
    action = forms.CharField(
        label="Action",
        max_length=300,
        error_messages={"required": "Décrivez l'action."},
    )
    structures = forms.ModelMultipleChoiceField(
        label="Structures concernées",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    owner = forms.CharField(label="Pilote", max_length=200, required=False)
    due_date = forms.DateField(
        label="Échéance",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Date invalide."},
    )
    support_step = forms.ModelChoiceField(
        label="Étape d'accompagnement qui y contribue",
        queryset=None,
        required=False,
        empty_label="Aucune",
    )
    status = forms.ChoiceField(
        label="Avancement", choices=ActionStatus.choices, initial=ActionStatus.TODO
    )

    def __init__(self, *args, structures, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structures"].queryset = structures
        self.fields["structures"].label_from_instance = lambda s: s.name
        self.fields["support_step"].queryset = steps

    @classmethod
    def initial_for(cls, item: ActionItem) -> dict:
        return {
            "action": item.action,
            "structures": [s.pk for s in item.structures.all()],
            "owner": item.owner,
            "due_date": item.due_date,
            "support_step": item.support_step_id,
            "status": item.status,
        }

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "action": data["action"],
            "structures": list(data["structures"]),
            "owner": data["owner"],
            "due_date": data["due_date"],
            "support_step": data["support_step"],
            "status": data["status"],
        }
