"""What a DLA writes to its funders next to the numbers: the year's highlights and context."""

from __future__ import annotations

from django.conf import settings
from django.db import models

NOTE_MAX_LENGTH = 6000


class ActivityNote(models.Model):
    """A DLA operator's commentary for one calendar year, shown with that year's indicators (on
    the page and in the annual PDF) to its officers and to the funders of its calls."""

    operator = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="activity_notes",
        verbose_name="opérateur DLA",
    )
    year = models.PositiveSmallIntegerField("année")
    text = models.TextField("faits marquants et commentaire", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "commentaire d'activité"
        verbose_name_plural = "commentaires d'activité"
        ordering = ["operator__name", "year"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "year"], name="one_activity_note_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.operator} — {self.year}"
