"""Forms of the synthesis: editing a section (officer), reviewing a version (structure)."""

from __future__ import annotations

from django import forms

from coopess.diagnostic.models import ReviewVerdict, SynthesisSection


class SectionForm(forms.Form):
    title = forms.CharField(label="Titre de la section", max_length=200)
    body = forms.CharField(
        label="Texte",
        required=False,
        max_length=50_000,
        help_text="Markdown : **gras**, _italique_, listes avec « - », intertitres avec « ### ».",
        widget=forms.Textarea(attrs={"rows": 22, "class": "markdown"}),
    )


class NewVersionForm(forms.Form):
    comment = forms.CharField(
        label="Ce qui change dans cette version (facultatif)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(forms.Form):
    """A structure's answer: approve or ask for changes, a general comment and one comment field
    per section (``section_<pk>``)."""

    verdict = forms.ChoiceField(
        label="Votre réponse",
        choices=[
            (ReviewVerdict.APPROVED, "J'approuve cette version de la synthèse"),
            (ReviewVerdict.CHANGES, "Je demande des modifications"),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Commentaire général",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, sections: list[SynthesisSection], **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            self.fields[f"section_{section.pk}"] = forms.CharField(
                label=f"Commentaire sur « {section.title} »",
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def section_field(self, section: SynthesisSection):
        return self[f"section_{section.pk}"]

    def section_comments(self) -> dict[int, str]:
        return {
            section.pk: self.cleaned_data.get(f"section_{section.pk}", "")
            for section in self.sections
        }

    def clean(self):
        data = super().clean()
        if data.get("verdict") == ReviewVerdict.CHANGES and not (
            data.get("comment", "").strip()
            or any(v.strip() for v in self.section_comments().values() if v)
        ):
            self.add_error(
                "comment",
                "Dites ce qu'il faut modifier : un commentaire général ou un commentaire sur "
                "une section.",
            )
        return data
