"""What selection adds to the pages of earlier steps, registered from ``SelectionConfig.ready``:
the « Messages avec le DLA » panel of the representative's application page
(``coopess/applications/panels.py``). Its inlines of « Gestion des appels » (eligibility rules,
scoring grid, letter templates) are registered by ``selection/officer_site.py``."""

from __future__ import annotations

from coopess.applications.panels import register_panel
from coopess.selection.views.applicant import messages_panel

register_panel(
    "selection.messages",
    template="selection/_partials/applicant_messages.html",
    context=messages_panel,
)
