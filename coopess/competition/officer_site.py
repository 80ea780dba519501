"""The competition's part of the call's page in « Gestion des appels » (and the Django admin):
how many providers its consultations consult at least and whether the comité d'appui marks,
registered into ``coopess/calls/officer_site.py`` from ``CompetitionConfig.ready``."""

from __future__ import annotations

from coopess.calls.officer_site import PartInline, register_call_inlines
from coopess.competition.models import CompetitionSettings


class CompetitionSettingsInline(PartInline):
    """What the call says of the competition that chooses its consultant (one row per call)."""

    model = CompetitionSettings
    fields = ["min_providers", "committee_scores"]
    extra = 1  # shown with the defaults before the first consultation creates the row
    max_num = 1
    can_delete = False


register_call_inlines(CompetitionSettingsInline)
