"""The self-diagnostic form, built from the call's questions (data, not code)."""

from __future__ import annotations

from django import forms

from coopess.diagnostic import synergy
from coopess.diagnostic.models import QuestionKind, SelfDiagnosticQuestion
from coopess.diagnostic.services.selfdiag import (
    INTEGRATION_CHOICES,
    POSITION_CHOICES,
    YES_NO_CHOICES,
)

TEXT_MAX = 5000
RAW_MAX = 20000  # a draft keeps what was typed, within reason


def domain_field_name(question: SelfDiagnosticQuestion, domain: str) -> str:
    return f"{question.code}__{domain}"


class SelfDiagnosticForm(forms.Form):
    """One field per question; a « domains » question gives one radio group per sharing domain.

    ``answers()`` returns the validated answers (to send); ``raw_answers()`` returns what was
    typed, valid or not (to keep a draft)."""

    def __init__(self, *args, questions: list[SelfDiagnosticQuestion], answers=None, **kwargs):
        self.questions = questions
        initial = {}
        for question in questions:
            value = (answers or {}).get(question.code)
            if question.kind == QuestionKind.DOMAINS:
                for domain, _label in synergy.DOMAINS:
                    if isinstance(value, dict) and value.get(domain):
                        initial[domain_field_name(question, domain)] = value[domain]
            elif value not in (None, ""):
                initial[question.code] = value
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for question in questions:
            self._add_fields(question)

    def _add_fields(self, question: SelfDiagnosticQuestion) -> None:
        required_message = {"required": "Choisissez une réponse."}
        if question.kind == QuestionKind.DOMAINS:
            for domain, label in synergy.DOMAINS:
                self.fields[domain_field_name(question, domain)] = forms.ChoiceField(
                    label=label,
                    choices=POSITION_CHOICES,
                    widget=forms.RadioSelect,
                    required=question.required,
                    error_messages={
                        "required": "Choisissez une position pour ce domaine.",
                        "invalid_choice": "Choisissez une des positions proposées.",
                    },
                )
            return
        common = {"label": question.label, "help_text": question.help_text}
        if question.kind == QuestionKind.TEXT:
            field = forms.CharField(
                **common,
                required=question.required,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 4}),
                error_messages={
                    "required": "Répondez à cette question.",
                    "max_length": f"Votre réponse dépasse {TEXT_MAX} caractères : "
                    "raccourcissez-la.",
                },
            )
        else:
            if question.kind == QuestionKind.INTEGRATION:
                choices = INTEGRATION_CHOICES
            elif question.kind == QuestionKind.YES_NO:
                choices = YES_NO_CHOICES
            else:
                choices = [(choice, choice) for choice in question.choices]
            field = forms.ChoiceField(
                **common,
                choices=choices,
                widget=forms.RadioSelect,
                required=question.required,
                error_messages={
                    **required_message,
                    "invalid_choice": "Choisissez une des réponses proposées.",
                },
            )
        self.fields[question.code] = field

    def groups(self) -> list[dict]:
        """Questions in order, each with its bound fields (the template's layout)."""
        out = []
        for question in self.questions:
            if question.kind == QuestionKind.DOMAINS:
                fields = [self[domain_field_name(question, d)] for d, _label in synergy.DOMAINS]
                out.append({"question": question, "domains": True, "fields": fields})
            else:
                out.append(
                    {"question": question, "domains": False, "fields": [self[question.code]]}
                )
        return out

    def domain_errors(self, question) -> int:
        return sum(
            1 for d, _label in synergy.DOMAINS if self[domain_field_name(question, d)].errors
        )

    def answers(self) -> dict:
        """The validated answers, keyed by question code (call after ``is_valid()``)."""
        data = self.cleaned_data
        answers: dict = {}
        for question in self.questions:
            if question.kind == QuestionKind.DOMAINS:
                positions = {
                    domain: data[domain_field_name(question, domain)]
                    for domain, _label in synergy.DOMAINS
                    if data.get(domain_field_name(question, domain))
                }
                if positions:
                    answers[question.code] = positions
            elif data.get(question.code):
                value = data[question.code]
                answers[question.code] = value.strip() if isinstance(value, str) else value
        return answers

    def raw_answers(self) -> dict:
        """Whatever was typed, valid or not, keyed by question code (for a draft)."""
        answers: dict = {}
        for question in self.questions:
            if question.kind == QuestionKind.DOMAINS:
                positions = {}
                for domain, _label in synergy.DOMAINS:
                    value = self.data.get(self.add_prefix(domain_field_name(question, domain)))
                    if isinstance(value, str) and value:
                        positions[domain] = value[:100]
                if positions:
                    answers[question.code] = positions
            else:
                value = self.data.get(self.add_prefix(question.code))
                if isinstance(value, str) and value.strip():
                    answers[question.code] = value[:RAW_MAX]
        return answers
