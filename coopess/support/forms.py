"""Forms of the collective support. They check what a form can check (types, bounds as known
to the page); the services re-check everything under a lock."""

from __future__ import annotations

from django import forms

from coopess.accounts.models import Organisation, OrganisationKind
from coopess.diagnostic.models import ActionStatus
from coopess.structures.geography import departements, departements_of_region
from coopess.support.models import (
    HALF_DAY_TIMES,
    Expertise,
    HalfDay,
    ReferralStatus,
    SessionKind,
    SessionMode,
    SupportActor,
    SupportSettings,
)
from coopess.support.services.sessions import Slot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SettingsForm(forms.ModelForm):
    class Meta:
        model = SupportSettings
        fields = ["min_half_days", "max_half_days", "period_starts_on", "period_ends_on"]
        widgets = {"period_starts_on": DATE, "period_ends_on": DATE}

    def clean(self):
        data = super().clean()
        low, high = data.get("min_half_days"), data.get("max_half_days")
        if low is not None and low < 1:
            self.add_error("min_half_days", "Au moins une demi-journée.")
        if low is not None and high is not None and high < low:
            self.add_error("max_half_days", "Le maximum doit être au moins égal au minimum.")
        start, end = data.get("period_starts_on"), data.get("period_ends_on")
        if start and end and end < start:
            self.add_error("period_ends_on", "La période se termine après son début.")
        return data


class EngagementForm(forms.Form):
    firm = forms.ModelChoiceField(
        label="Cabinet de conseil",
        queryset=Organisation.objects.filter(kind=OrganisationKind.CONSULTING_FIRM),
        required=False,
        empty_label="— choisir —",
        help_text="Si le cabinet n'est pas encore connu, indiquez son nom ci-dessous.",
    )
    new_firm = forms.CharField(label="Ou nouveau cabinet : nom", max_length=200, required=False)
    brief = forms.CharField(
        label="Cahier des charges",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="Prérempli avec la partie « Ce que l'accompagnement collectif travaillera » "
        "de la synthèse validée. Markdown.",
    )
    budget = forms.DecimalField(
        label="Budget (€ TTC)", min_value=0, max_digits=10, decimal_places=2
    )
    planned_half_days = forms.IntegerField(label="Nombre de demi-journées prévues")
    starts_on = forms.DateField(label="Début de la période", widget=DATE)
    ends_on = forms.DateField(label="Fin de la période", widget=DATE)

    def __init__(self, *args, bounds: SupportSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.bounds = bounds
        field = self.fields["planned_half_days"]
        field.help_text = f"Entre {bounds.min_half_days} et {bounds.max_half_days} pour cet appel."
        field.widget.attrs.update(min=bounds.min_half_days, max=bounds.max_half_days)

    def clean_planned_half_days(self):
        value = self.cleaned_data["planned_half_days"]
        if not self.bounds.min_half_days <= value <= self.bounds.max_half_days:
            raise forms.ValidationError(
                f"Prévoyez entre {self.bounds.min_half_days} et {self.bounds.max_half_days} "
                "demi-journées : ce sont les bornes de l'appel."
            )
        return value

    def clean(self):
        data = super().clean()
        if not data.get("firm") and not (data.get("new_firm") or "").strip():
            self.add_error("firm", "Choisissez le cabinet de conseil ou indiquez son nom.")
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "La période se termine après son début.")
        return data


class ConsultantForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique")
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)


class SessionForm(forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200)
    kind = forms.ChoiceField(
        label="Type de séance", choices=SessionKind.choices, widget=forms.RadioSelect,
        initial=SessionKind.COLLECTIVE,
    )  # fmt: skip
    structure = forms.TypedChoiceField(
        label="Structure (séance individuelle)", coerce=int, required=False, empty_value=None
    )
    day = forms.DateField(label="Date", widget=DATE)
    half_day = forms.ChoiceField(
        label="Demi-journée", choices=HalfDay.choices, widget=forms.RadioSelect,
        initial=HalfDay.MORNING,
    )  # fmt: skip
    start = forms.TimeField(
        label="Heure de début", widget=TIME, required=False,
        help_text="Par défaut 9 h le matin, 14 h l'après-midi.",
    )  # fmt: skip
    end = forms.TimeField(
        label="Heure de fin", widget=TIME, required=False,
        help_text="Par défaut 12 h 30 le matin, 17 h 30 l'après-midi.",
    )  # fmt: skip
    mode = forms.ChoiceField(
        label="Modalité", choices=SessionMode.choices, widget=forms.RadioSelect,
        initial=SessionMode.IN_PERSON,
    )  # fmt: skip
    address = forms.CharField(label="Adresse (sur place)", max_length=300, required=False)
    link = forms.URLField(
        label="Lien de visioconférence (à distance)",
        max_length=500,
        required=False,
        assume_scheme="https",
    )
    agenda = forms.CharField(
        label="Ordre du jour", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, structures=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [("", "— aucune (séance collective) —")] + [
            (s.pk, s.name) for s in structures
        ]
        if editing:  # kind and structure are fixed once invitations went out
            del self.fields["kind"]
            del self.fields["structure"]

    def clean(self):
        data = super().clean()
        half_day = data.get("half_day")
        if half_day:
            default_start, default_end = HALF_DAY_TIMES[HalfDay(half_day)]
            data["start"] = data.get("start") or default_start
            data["end"] = data.get("end") or default_end
            if data["end"] <= data["start"]:
                self.add_error("end", "L'heure de fin doit suivre l'heure de début.")
        mode = data.get("mode")
        if mode in (SessionMode.IN_PERSON, SessionMode.BOTH) and not data.get("address"):
            self.add_error("address", "Indiquez l'adresse de la séance sur place.")
        if mode in (SessionMode.REMOTE, SessionMode.BOTH) and not data.get("link"):
            self.add_error("link", "Indiquez le lien de visioconférence.")
        if (
            "kind" in self.fields
            and data.get("kind") == SessionKind.INDIVIDUAL
            and not data.get("structure")
        ):
            self.add_error("structure", "Choisissez la structure de la séance individuelle.")
        return data

    def slot(self) -> Slot:
        data = self.cleaned_data
        return Slot(
            day=data["day"],
            half_day=data["half_day"],
            start=data["start"],
            end=data["end"],
            mode=data["mode"],
            address=data.get("address") or "",
            link=data.get("link") or "",
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Transmis aux participant·es.",
    )  # fmt: skip


class RecordForm(forms.Form):
    """Attendance per representative, report, action items worked on (with their status)."""

    report = forms.CharField(
        label="Compte rendu", widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Ce qui a été travaillé, décidé, et la suite. Markdown.",
    )  # fmt: skip
    other_attendees = forms.CharField(label="Autres participant·es", max_length=300, required=False)

    def __init__(self, *args, representatives=(), actions=(), session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.representatives = list(representatives)
        self.actions = list(actions)
        present = set()
        worked = set()
        if session is not None and session.pk:
            present = {a.representative_id for a in session.attendances.all() if a.present}
            worked = {a.pk for a in session.action_items.all()}
        self.fields["present"] = forms.TypedMultipleChoiceField(
            label="Présent·es",
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[
                (
                    r.pk,
                    f"{r} ({r.role}, {r.structure.name})"
                    if r.role
                    else f"{r} ({r.structure.name})",
                )
                for r in self.representatives
            ],
            initial=sorted(present),
            help_text="Cochez les représentant·es présent·es ; les autres sont notés absent·es.",
        )
        self.fields["actions"] = forms.TypedMultipleChoiceField(
            label="Actions du plan d'action travaillées",
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[(a.pk, a.action) for a in self.actions],
            initial=sorted(worked),
        )
        for action in self.actions:
            self.fields[f"status_{action.pk}"] = forms.ChoiceField(
                label=f"Avancement : {action.action}",
                choices=ActionStatus.choices,
                initial=action.status,
                required=False,
            )

    def action_statuses(self) -> dict[int, str]:
        return {
            pk: self.cleaned_data.get(f"status_{pk}") or ""
            for pk in self.cleaned_data.get("actions") or []
        }


class DeliverableForm(forms.Form):
    title = forms.CharField(label="Intitulé du livrable", max_length=200, required=False)
    file = forms.FileField(
        label="Fichier",
        help_text="PDF, Word, OpenDocument, Excel ou image ; les mêmes règles que pour les "
        "pièces des candidatures.",
    )


def _departement_choices() -> list[tuple[str, str]]:
    region = departements_of_region("52")
    others = [code for code in departements() if code not in region]
    return [(code, f"{code} — {departements()[code].name}") for code in [*region, *others]]


class ActorForm(forms.ModelForm):
    website = forms.URLField(label="Site web", required=False, assume_scheme="https")
    expertise = forms.MultipleChoiceField(
        label="Domaines d'expertise",
        choices=Expertise.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    departements = forms.MultipleChoiceField(
        label="Départements couverts",
        choices=(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        required=False,
        help_text="Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
    )

    class Meta:
        model = SupportActor
        fields = [
            "name",
            "description",
            "expertise",
            "departements",
            "is_departmental_dla",
            "contact_name",
            "email",
            "phone",
            "website",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departements"].choices = _departement_choices()


class ReferralForm(forms.Form):
    structure = forms.TypedChoiceField(label="Structure", coerce=int)
    actor = forms.TypedChoiceField(label="Acteur de l'accompagnement", coerce=int)
    action_item = forms.TypedChoiceField(
        label="Action du plan d'action (facultatif)", coerce=int, required=False, empty_value=None
    )
    need = forms.CharField(
        label="Besoin", widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text="Obligatoire si aucune action n'est choisie.",
    )  # fmt: skip

    def __init__(self, *args, structures=(), actors=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [(s.pk, s.name) for s in structures]
        self.fields["actor"].choices = [(a.pk, a.name) for a in actors]
        self.fields["action_item"].choices = [("", "— aucune —")] + [
            (a.pk, a.action) for a in actions
        ]

    def clean(self):
        data = super().clean()
        if not data.get("action_item") and not (data.get("need") or "").strip():
            self.add_error("need", "Décrivez le besoin ou choisissez une action du plan d'action.")
        return data


class ReferralMoveForm(forms.Form):
    to = forms.ChoiceField(label="Nouvel état", choices=ReferralStatus.choices)
    comment = forms.CharField(label="Commentaire", max_length=500, required=False)
