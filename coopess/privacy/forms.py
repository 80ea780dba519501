from django import forms


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label="Pourquoi demandez-vous l'effacement de vos données ?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
        help_text="Quelques mots suffisent. Le DLA vous répond par courriel.",
    )


class AcceptForm(forms.Form):
    note = forms.CharField(
        label="Précisions pour la personne (facultatif)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        required=False,
        help_text="Ajoutées au courriel qui détaille ce qui est effacé et ce qui est conservé.",
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text="Envoyé à la personne : citez l'obligation ou le motif qui justifie le refus.",
    )
