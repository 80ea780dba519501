"""The follow-up questionnaire as a form built from the call's questions and the structure's
action-plan items. Field names are the keys of ``FollowUp.answers``: ``q_<code>``,
``item_<id>_status``, ``item_<id>_comment``."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from coopess.applications.choices import CooperationForm
from coopess.diagnostic.models import ActionItem, ActionStatus
from coopess.followups.models import FollowUpQuestion, QuestionKind
from coopess.support.models import SupportActor

PICK = [("", "— Choisir —")]
#: the 1–5 scale, its ends named (stored as the digit, « 4 »)
SCALE = [
    ("1", "1 — pas du tout satisfait"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 — très satisfait"),
]
SCALE_MESSAGE = "Choisissez une note de 1 (pas du tout satisfait) à 5 (très satisfait)."


class QuestionnaireForm(forms.Form):
    def __init__(
        self,
        *args,
        questions: list[FollowUpQuestion],
        items: list[ActionItem],
        stages: list[tuple[str, str]],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}_status"] = forms.ChoiceField(
                label=f"Action « {item.action} » : avancement",
                choices=PICK + list(ActionStatus.choices),
                error_messages={"required": "Indiquez où en est cette action."},
            )
            self.fields[f"item_{item.pk}_comment"] = forms.CharField(
                label=f"Action « {item.action} » : commentaire",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for question in questions:
            self.fields[f"q_{question.code}"] = self._field(question, stages)

    @staticmethod
    def _field(question: FollowUpQuestion, stages) -> forms.Field:
        common = {
            "label": question.label,
            "help_text": question.help_text,
            "required": question.required,
        }
        required = {"required": "Répondez à cette question."}
        if question.kind == QuestionKind.INTEGER:
            return forms.IntegerField(
                min_value=0,
                max_value=100000,
                **common,
                error_messages={
                    "required": "Répondez à cette question.",
                    "invalid": "Indiquez un nombre entier, par exemple 12.",
                    "min_value": "Indiquez un nombre positif ou nul.",
                    "max_value": "Ce nombre paraît trop grand.",
                },
            )
        if question.kind == QuestionKind.DECIMAL:
            return forms.DecimalField(
                min_value=Decimal(0),
                max_digits=8,
                decimal_places=2,
                localize=True,
                **common,
                error_messages={
                    "required": "Répondez à cette question.",
                    "invalid": "Indiquez un nombre, par exemple 3,5.",
                    "min_value": "Indiquez un nombre positif ou nul.",
                    "max_digits": "Ce nombre paraît trop grand.",
                    "max_decimal_places": "Deux décimales au plus.",
                },
            )
        if question.kind == QuestionKind.STAGE:
            return forms.ChoiceField(choices=PICK + list(stages), error_messages=required, **common)
        if question.kind == QuestionKind.SCALE:
            return forms.ChoiceField(
                choices=SCALE,
                widget=forms.RadioSelect,
                error_messages={"required": SCALE_MESSAGE, "invalid_choice": SCALE_MESSAGE},
                **common,
            )
        if question.kind == QuestionKind.FORM:
            return forms.ChoiceField(
                choices=PICK + list(CooperationForm.choices), error_messages=required, **common
            )
        return forms.CharField(
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={**required, "max_length": "5 000 caractères au plus."},
            **common,
        )

    def clean(self):
        data = super().clean()
        jobs, fte = data.get("q_jobs"), data.get("q_fte")
        if jobs is not None and fte is not None and fte > jobs:
            self.add_error("q_fte", "Les ETP ne peuvent pas dépasser le nombre de salarié·es.")
        return data

    def answers(self) -> dict:
        """The checked answers, JSON-ready (numbers as text, as typed in French)."""
        result = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, Decimal):
                value = format(value.normalize(), "f").replace(".", ",")
            result[name] = "" if value is None else str(value)
        return result


class ReferralForm(forms.Form):
    actor = forms.ModelChoiceField(
        label="Acteur de l'annuaire",
        queryset=SupportActor.objects.none(),
        required=False,
        empty_label="— Choisir —",
    )
    individual_dla = forms.BooleanField(
        label="Plutôt un accompagnement DLA individuel (DLA du département de la structure)",
        required=False,
    )

    def __init__(self, *args, operator_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = SupportActor.objects.filter(
            operator_id=operator_id, active=True
        ).order_by("name")

    def clean(self):
        data = super().clean()
        if not data.get("actor") and not data.get("individual_dla"):
            self.add_error("actor", "Choisissez un acteur ou l'accompagnement DLA individuel.")
        return data
