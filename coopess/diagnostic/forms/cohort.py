from __future__ import annotations

from django import forms

from coopess.calls.calendar import PARIS


class StartForm(forms.Form):
    booking_deadline = forms.DateTimeField(
        label="Date limite pour réserver ou déplacer un entretien",
        required=False,
        help_text="Heure de Paris. Laissez vide pour ne pas fixer de limite.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    interview_minutes = forms.IntegerField(
        label="Durée d'un entretien (minutes)", min_value=15, max_value=480, initial=90
    )

    def clean_booking_deadline(self):
        value = self.cleaned_data["booking_deadline"]
        return value.astimezone(PARIS) if value else value
