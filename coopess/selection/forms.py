from __future__ import annotations

from django import forms
from django.db.models import F

from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import Eligibility
from coopess.applications.services import REOPENABLE_SECTIONS
from coopess.calls.models import ApplicationKind, Call
from coopess.selection.models import DECISION_OUTCOMES, DecisionReason, Outcome, ScoringCriterion
from coopess.structures.geography import DEPARTEMENT_CHOICES

SORTS = {
    "recu": ("Date de dépôt (récentes d'abord)", ["-submitted_at", "-pk"]),
    "recu-asc": ("Date de dépôt (anciennes d'abord)", ["submitted_at", "pk"]),
    # non-scored applications last, on every database
    "note": (
        "Note moyenne (meilleures d'abord)",
        [F("average_score").desc(nulls_last=True), "receipt_number"],
    ),
    "structure": ("Structure cheffe de file (A → Z)", ["lead_name", "pk"]),
    "numero": ("Numéro de récépissé", ["receipt_number", "pk"]),
    "structures": ("Nombre de structures", ["-structure_count", "pk"]),
}

SECTION_LABELS = {
    "type": "Type de candidature",
    "structure": "Structures",
    "partners": "Structures partenaires",
    "project": "Le projet",
    "questions": "Questions de l'appel",
    "documents": "Pièces jointes",
}


class TableFilterForm(forms.Form):
    q = forms.CharField(
        label="Rechercher (structure, projet, n° de récépissé)", required=False, max_length=100
    )
    status = forms.ChoiceField(label="Statut", required=False)
    eligibility = forms.ChoiceField(label="Éligibilité", required=False)
    departement = forms.ChoiceField(label="Département", required=False)
    kind = forms.ChoiceField(label="Type", required=False)
    stage = forms.ChoiceField(label="Stade de maturité", required=False)
    reviewer = forms.ChoiceField(label="Évaluateur·rice", required=False)
    sort = forms.ChoiceField(
        label="Trier par", required=False, choices=[(k, v[0]) for k, v in SORTS.items()]
    )

    def __init__(self, *args, call: Call, reviewers: list, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        everything = [("", "Tous")]
        self.fields["status"].choices = everything + [
            (s.value, s.label) for s in ApplicationStatus if s != ApplicationStatus.DRAFT
        ]
        self.fields["eligibility"].choices = everything + list(Eligibility.choices)
        self.fields["departement"].choices = everything + list(DEPARTEMENT_CHOICES)
        self.fields["kind"].choices = everything + list(ApplicationKind.choices)
        self.fields["stage"].choices = everything + [
            (str(s.pk), s.label) for s in call.maturity_stages.all()
        ]
        self.fields["reviewer"].choices = everything + [(str(u.pk), str(u)) for u in reviewers]


class OverrideForm(forms.Form):
    outcome = forms.ChoiceField(label="Résultat retenu", choices=Outcome.choices)
    reason = forms.CharField(
        label="Motif (obligatoire)", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AssignForm(forms.Form):
    reviewer = forms.ChoiceField(label="Membre du comité")

    def __init__(self, *args, reviewers: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = [(str(u.pk), str(u)) for u in reviewers]


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Les destinataires reçoivent un courriel avec un lien vers la candidature, pas le contenu des pièces.",
    )


class ComplementsForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label="Parties à rouvrir",
        choices=[(key, SECTION_LABELS[key]) for key in REOPENABLE_SECTIONS],
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label="Ce qui est attendu", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Décision", choices=DECISION_OUTCOMES, widget=forms.RadioSelect
    )
    reasons = forms.MultipleChoiceField(
        label="Motifs (obligatoires pour une candidature non retenue)",
        choices=DecisionReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    comment = forms.CharField(
        label="Précisions (reprises dans la lettre)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    against_ranking_reason = forms.CharField(
        label="Si ce choix va contre le classement du comité : pourquoi",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Pourquoi rouvrir la décision",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class ConflictForm(forms.Form):
    CHOICES = [
        ("none", "Je n'ai aucun lien d'intérêt avec les structures de cette candidature"),
        ("conflict", "J'ai un lien d'intérêt : je ne l'évalue pas"),
    ]
    declaration = forms.ChoiceField(
        label="Déclaration d'absence de conflit d'intérêts",
        choices=CHOICES,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Précision (facultative)", required=False, max_length=1000)


class ReviewForm(forms.Form):
    """The call's grid: a mark and a comment per criterion."""

    overall_comment = forms.CharField(
        label="Avis général",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, criteria: list[ScoringCriterion], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.label} — note de 0 à {criterion.scale_max} (coefficient {criterion.weight})",
                min_value=0,
                max_value=criterion.scale_max,
                help_text=criterion.description,
                error_messages={
                    "required": f"Notez ce critère (0 à {criterion.scale_max}).",
                    "min_value": f"La note va de 0 à {criterion.scale_max}.",
                    "max_value": f"La note va de 0 à {criterion.scale_max}.",
                    "invalid": "Saisissez un nombre entier.",
                },
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"Commentaire sur « {criterion.label} »",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=3000,
            )
        self.order_fields(
            [name for c in criteria for name in (f"score_{c.pk}", f"comment_{c.pk}")]
            + ["overall_comment"]
        )

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data.get(f"comment_{c.pk}", ""))
            for c in self.criteria
        }


class CohortPreferencesForm(forms.Form):
    diversity_departements = forms.BooleanField(
        label="Favoriser la diversité des départements", required=False
    )
    diversity_kinds = forms.BooleanField(
        label="Favoriser la diversité des types de candidature", required=False
    )
