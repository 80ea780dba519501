from django import forms

from coopess.notifications.models import EmailMode


class EmailModeForm(forms.Form):
    email_mode = forms.ChoiceField(
        label="Courriels de notification",
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
        help_text="Le récapitulatif part chaque matin avec les notifications de la veille.",
    )
