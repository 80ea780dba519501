"""The diagnostic's part of the call's page in « Gestion des appels » (and the Django admin):
the interview guide and the self-diagnostic questions, registered into
``coopess/calls/officer_site.py`` from ``DiagnosticConfig.ready``."""

from __future__ import annotations

from django import forms

from coopess.calls.officer_site import PartInline, TabularPartInline, register_call_inlines
from coopess.diagnostic.models import InterviewGuideItem, SelfDiagnosticQuestion
from coopess.diagnostic.services.selfdiag import choices_problem, feeds_problem


class InterviewGuideInline(TabularPartInline):
    """The headings the officer fills during each interview of the diagnostic."""

    model = InterviewGuideItem


class SelfDiagnosticQuestionForm(forms.ModelForm):
    """A self-diagnostic question: its choices suit its kind, and it feeds only what its kind
    can say (a « oui / non » for a flag of the decision aid, the domain grid for the map)."""

    class Meta:
        model = SelfDiagnosticQuestion
        fields = ["position", "code", "label", "help_text", "kind", "choices", "required", "feeds"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind:
            problem = choices_problem(kind=kind, choices=data.get("choices"))
            if problem:
                self.add_error("choices", problem)
            problem = feeds_problem(kind=kind, feeds=data.get("feeds") or "")
            if problem:
                self.add_error("feeds", problem)
        return data


class SelfDiagnosticInline(PartInline):
    """The questions of the cooperation self-diagnostic (diagnostic partagé)."""

    model = SelfDiagnosticQuestion
    form = SelfDiagnosticQuestionForm


register_call_inlines(InterviewGuideInline, SelfDiagnosticInline)
