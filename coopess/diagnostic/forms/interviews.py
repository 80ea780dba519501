"""Forms of the interviews: publishing slots, the booking deadline, booking and moving, the
officer's record."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import Mode
from coopess.diagnostic.services.interviews import MAX_SLOTS_AT_ONCE, Place


def slot_label(slot) -> str:
    """« mardi 12 septembre 2023, 9h00–10h30 — sur place, 3 rue … »"""
    starts = timezone.localtime(slot.starts_at, PARIS)
    ends = timezone.localtime(slot.ends_at, PARIS)
    where = slot.address if slot.mode == Mode.IN_PERSON else "visioconférence"
    return (
        f"{date_format(starts, 'l j F Y')}, {starts.hour}h{starts:%M}–{ends.hour}h{ends:%M} — "
        f"{slot.get_mode_display().lower()}" + (f", {where}" if where else "")
    )


class PublishForm(forms.Form):
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label="Heure du premier créneau",
        help_text="Heure de Paris.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    count = forms.IntegerField(
        label="Nombre de créneaux à la suite",
        min_value=1,
        max_value=MAX_SLOTS_AT_ONCE,
        initial=1,
        help_text="Par exemple 3 pour publier la matinée et le début d'après-midi d'un coup.",
    )
    minutes = forms.IntegerField(
        label="Durée d'un entretien (minutes)", min_value=15, max_value=480
    )
    pause_minutes = forms.IntegerField(
        label="Pause entre deux créneaux (minutes)", min_value=0, max_value=240, initial=15
    )
    mode = forms.ChoiceField(label="Modalité", choices=Mode.choices, widget=forms.RadioSelect)
    address = forms.CharField(label="Adresse (sur place)", max_length=300, required=False)
    link = forms.URLField(
        label="Lien de visioconférence (à distance)",
        max_length=500,
        required=False,
        assume_scheme="https",
    )

    def __init__(self, *args, interview_minutes: int = 90, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].initial = interview_minutes

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == Mode.IN_PERSON and not data.get("address", "").strip():
            self.add_error("address", "Indiquez l'adresse d'un entretien sur place.")
        if mode == Mode.REMOTE and not data.get("link"):
            self.add_error("link", "Indiquez le lien de visioconférence d'un entretien à distance.")
        return data

    def place(self) -> Place:
        data = self.cleaned_data
        return Place(mode=data["mode"], address=data.get("address", ""), link=data.get("link", ""))


class DeadlineForm(forms.Form):
    booking_deadline = forms.DateTimeField(
        label="Date limite pour réserver ou déplacer un entretien",
        required=False,
        help_text="Heure de Paris. Laissez vide pour ne pas fixer de limite. Après cette date, "
        "seul le DLA peut réserver ou déplacer un entretien.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_booking_deadline(self):
        value = self.cleaned_data["booking_deadline"]
        return value.astimezone(PARIS) if value else value


class SlotChoiceForm(forms.Form):
    """Choose one open slot (a representative booking or moving, the officer moving)."""

    slot = forms.ModelChoiceField(
        label="Créneau",
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez un créneau.",
            "invalid_choice": "Ce créneau n'est plus disponible : choisissez-en un autre.",
        },
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = slot_label


class StructureChoiceForm(forms.Form):
    """The officer books a slot for one structure of the cohort."""

    structure = forms.ModelChoiceField(
        label="Structure",
        queryset=None,
        error_messages={
            "required": "Choisissez une structure.",
            "invalid_choice": "Cette structure ne fait pas partie de la cohorte.",
        },
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures


class CancelForm(forms.Form):
    reopen = forms.BooleanField(
        label="Remettre ce créneau à disposition des autres structures", required=False
    )


class RecordForm(forms.Form):
    """The officer's record of one interview: who attended, one text per heading of the guide,
    private notes, held or not."""

    attended = forms.ModelMultipleChoiceField(
        label="Représentant·es présent·es",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_attendees = forms.CharField(
        label="Autres participant·es",
        max_length=300,
        required=False,
        help_text="Noms et fonctions, séparés par des virgules.",
    )

    def __init__(self, *args, representatives, items, notes: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = representatives
        self.items = list(items)
        for item in self.items:
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=item.label,
                help_text=item.help_text,
                required=False,
                initial=notes.get(item.pk, ""),
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.fields["private_notes"] = forms.CharField(
            label="Notes privées",
            required=False,
            help_text="Réservées au DLA : jamais montrées aux structures.",
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        self.fields["mark_held"] = forms.BooleanField(
            label="L'entretien a eu lieu (le marquer comme tenu)", required=False
        )

    def notes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"note_{item.pk}", "") for item in self.items}
