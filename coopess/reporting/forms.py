from __future__ import annotations

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from coopess.reporting.models import NOTE_MAX_LENGTH
from coopess.reporting.scope import Period

VERSIONS = [
    ("complete", "Version complète (chargé·e d'accompagnement)"),
    ("financeur", "Version financeur : effectifs inférieurs à 3 masqués"),
]


class QuickSelect(forms.Select):
    """A select whose options are written directly, not one template each: a DLA's list of
    cohorts grows every year (4,500 in the benchmark)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)

        def options(choices) -> str:
            return "".join(
                f'<option value="{escape(key)}"{" selected" if str(key) == chosen else ""}>'
                f"{escape(label)}</option>"
                for key, label in choices
            )

        parts = []
        for key, label in self.choices:
            if isinstance(label, (list, tuple)):  # a group: (group label, [(key, label), ...])
                parts.append(f'<optgroup label="{escape(key)}">{options(label)}</optgroup>')
            else:
                parts.append(options([(key, label)]))
        return mark_safe(f'<select name="{escape(name)}"{flatatt(attrs)}>{"".join(parts)}</select>')  # noqa: S308


class ReportFilterForm(forms.Form):
    appel = forms.ChoiceField(label="Appel", required=False, widget=QuickSelect)
    # a plain field: Django would normalise thousands of choices on every request
    cohorte = forms.CharField(label="Cohorte", required=False, widget=QuickSelect)
    annee = forms.ChoiceField(label="Année", required=False)
    du = forms.DateField(
        label="Ou du (première date)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    au = forms.DateField(
        label="au (dernière date, incluse)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    diffusion = forms.ChoiceField(label="Version", required=False, choices=VERSIONS)

    def __init__(self, *args, calls: list, cohorts: list, officer: bool, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.calls = {str(call.pk): call for call in calls}
        self.cohort_objects = {str(cohort.pk): cohort for cohort in cohorts}
        self.fields["appel"].choices = [("", "Tous les appels")] + [
            (str(call.pk), f"{call.title} ({call.edition})") for call in calls
        ]
        groups = self._cohort_groups(calls, cohorts)
        self.fields["cohorte"].widget.choices = [("", "Toutes les cohortes"), *groups]
        # choosing a call narrows the cohort list at once (HTMX; without JavaScript, once the
        # page is shown again)
        self.fields["appel"].widget.attrs.update(
            {
                "hx-get": reverse("reporting:indicators"),
                "hx-trigger": "change",
                "hx-include": "this",
                "hx-target": "#id_cohorte",
                "hx-swap": "outerHTML",
                "aria-controls": "id_cohorte",
            }
        )
        this_year = timezone.localdate().year
        first = min([call.opens_at.year for call in calls] + [this_year - 5])
        self.fields["annee"].choices = [("", "Toutes les années")] + [
            (str(year), str(year)) for year in range(this_year, first - 1, -1)
        ]
        if not officer:
            del self.fields["diffusion"]

    def _cohort_groups(self, calls: list, cohorts: list) -> list:
        """The cohorts grouped by call (one ``optgroup`` each, calls in the list's order); once a
        call is chosen, only its cohorts."""
        chosen = self.data.get("appel") if self.is_bound else None
        by_call: dict[str, list] = {}
        for cohort in cohorts:
            by_call.setdefault(str(cohort.call_id), []).append((str(cohort.pk), cohort.name))
        if chosen in self.calls:
            return by_call.get(chosen, [])
        return [
            (f"{call.title} ({call.edition})", by_call[str(call.pk)])
            for call in calls
            if str(call.pk) in by_call
        ]

    def clean_cohorte(self) -> str:
        value = self.cleaned_data.get("cohorte") or ""
        if value and value not in self.cohort_objects:
            raise forms.ValidationError("Choisissez une cohorte de la liste.")
        return value

    def clean(self):
        data = super().clean()
        first, last = data.get("du"), data.get("au")
        if first and last and first > last:
            self.add_error("au", "La date de fin doit être postérieure à la date de début.")
        if data.get("annee") and (first or last):
            self.add_error("annee", "Choisissez une année ou des dates, pas les deux.")
        cohort = self.cohort_objects.get(data.get("cohorte") or "")
        if cohort and data.get("appel") and str(cohort.call_id) != data["appel"]:
            self.add_error("cohorte", "Cette cohorte n'appartient pas à l'appel choisi.")
        return data

    # What the valid form selects ------------------------------------------------------------
    def period(self) -> Period:
        data = self.cleaned_data
        if data.get("annee"):
            return Period.of_year(int(data["annee"]))
        if data.get("du") or data.get("au"):
            return Period.between(data.get("du"), data.get("au"))
        return Period.whole()

    def call(self):
        return self.calls.get(self.cleaned_data.get("appel") or "")

    def cohort(self):
        return self.cohort_objects.get(self.cleaned_data.get("cohorte") or "")

    def wants_funder_version(self) -> bool:
        return self.cleaned_data.get("diffusion") == "financeur"


class ActivityNoteForm(forms.Form):
    text = forms.CharField(
        label="Faits marquants et commentaire",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=(
            "Ce que les chiffres ne disent pas : le contexte de l'année, les faits marquants, "
            "les difficultés, les perspectives. Mise en forme Markdown : **gras**, listes avec "
            "« - ». Les financeurs le lisent : ne citez ni personne ni structure."
        ),
        error_messages={
            "max_length": (
                f"Le commentaire ne peut pas dépasser {NOTE_MAX_LENGTH:,} caractères ".replace(
                    ",", "\u202f"
                )
                + "(il en compte %(show_value)d) : raccourcissez-le."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # no maxlength: a browser would cut a pasted text silently; the server says how long
        # it is and keeps all of it
        self.fields["text"].widget.attrs.pop("maxlength", None)
