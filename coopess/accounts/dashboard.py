"""What the signed-in home (« Mon espace », ``accounts:dashboard``) shows of the later steps.

The accounts app comes first in the process and imports none of them: each step that has
something to show there (the calls an officer manages, one's applications, the structures one
represents in a cohort) registers a context provider from its ``AppConfig.ready`` with
:func:`register_dashboard_context`; the page calls them in registration order (the order of
``INSTALLED_APPS``) and hands what they return to ``accounts/dashboard.html``.
"""

from __future__ import annotations

from collections.abc import Callable

_providers: dict[str, Callable[..., dict]] = {}


def register_dashboard_context(name: str, provider: Callable[..., dict]) -> None:
    """Add (or replace, when the module is imported again) the provider ``name``: it is called
    with ``user`` (keyword) and returns the template variables it fills."""
    _providers[name] = provider


def dashboard_context(user) -> dict:
    """Every registered provider's variables, for ``user``."""
    context: dict = {}
    for provider in _providers.values():
        context.update(provider(user=user))
    return context


def provider_names() -> list[str]:
    """The registered providers, in the order they run (for docs and tests)."""
    return list(_providers)
