"""PDF documents rendered from templates with WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template (extending ``pdf/base.html``) to PDF bytes.

    Never fetches anything from the network: the base template carries its own styles.
    """
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"PDF rendering does not fetch external resources ({url}).")
