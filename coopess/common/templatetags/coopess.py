"""Template helpers available in every template (declared as builtins)."""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from coopess.common.text import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3


@register.filter(name="markdown_call")
def markdown_call_filter(text: str, call) -> str:
    """Markdown of a call's text, with the call's tokens (``[[plafond]]``) replaced."""
    return mark_safe(render_markdown(call.expand(text)))  # noqa: S308 - sanitised by nh3


@register.simple_tag
def site_name() -> str:
    """The service's name, where no request context is at hand (emails, PDF)."""
    return settings.COOPESS_SITE_NAME


@register.filter
def is_needed(bound_field) -> bool:
    """Required now, or needed before the application can be submitted."""
    field = bound_field.field
    return bool(field.required or getattr(field, "needed", False))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
