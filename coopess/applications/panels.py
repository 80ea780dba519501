"""Panels a later step adds to the representative's application page.

The application's summary page (``applications:detail``) belongs to this app, but some of what
it shows belongs to later steps (the messages with the DLA are the selection's). The
application never imports them: a later step registers a panel from its ``AppConfig.ready``
with :func:`register_panel` — a template and a function giving its context (or ``None`` to
show nothing) — and the page renders the registered panels in registration order (the order
of ``INSTALLED_APPS``), between the decision and the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from coopess.applications.models import Application


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable[..., dict | None]


_panels: dict[str, Panel] = {}


def register_panel(name: str, *, template: str, context: Callable[..., dict | None]) -> None:
    """Add (or replace, when the module is imported again) the panel ``name``: ``context`` is
    called with ``request`` and ``application`` (keywords) and returns the template's context,
    or ``None`` when the panel has nothing to show for this application."""
    _panels[name] = Panel(name, template, context)


def render_panels(request, application: Application) -> list[SafeString]:
    """The HTML of every registered panel that has something to show."""
    html = []
    for panel in _panels.values():
        context = panel.context(request=request, application=application)
        if context is not None:
            context.setdefault("application", application)
            html.append(render_to_string(panel.template, context, request=request))
    return html


def panel_names() -> list[str]:
    """The registered panels, in the order they show (for docs and tests)."""
    return list(_panels)
