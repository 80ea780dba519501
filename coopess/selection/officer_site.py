"""Selection's part of the call's page in « Gestion des appels » (and the Django admin): the
call's eligibility rules, scoring grid and decision letter templates, registered into
``coopess/calls/officer_site.py`` from ``SelectionConfig.ready``."""

from __future__ import annotations

from django import forms

from coopess.calls.officer_site import PartInline, TabularPartInline, register_call_inlines
from coopess.selection.models import EligibilityRule, LetterTemplate, ScoringCriterion
from coopess.selection.services import SelectionError, check_letter_template


class LetterTemplateForm(forms.ModelForm):
    """A decision letter's template, refused when it reads a variable CoopESS does not give."""

    class Meta:
        model = LetterTemplate
        fields = ["outcome", "subject", "body"]

    def clean(self):
        data = super().clean()
        try:
            check_letter_template(f"{data.get('subject', '')}\n{data.get('body', '')}")
        except SelectionError as error:
            raise forms.ValidationError(error.message) from None
        return data


class RuleInline(TabularPartInline):
    model = EligibilityRule


class CriterionInline(TabularPartInline):
    model = ScoringCriterion


class LetterInline(PartInline):
    model = LetterTemplate
    form = LetterTemplateForm


register_call_inlines(RuleInline, CriterionInline, LetterInline)
