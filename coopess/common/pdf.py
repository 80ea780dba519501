"""PDF documents rendered from templates with WeasyPrint, tagged for screen readers.

Every PDF is tagged (structure tree: headings, paragraphs, lists, tables, figures with their
text alternative), declares its language (``fr-FR``, from ``<html lang>``) and its title (from
``<title>``, shown by the reader instead of the file name). Two variants, because WeasyPrint
writes one variant per file:

- documents that are kept — récépissé, decision letters, synthesis, annual report — are
  **PDF/A-3a** (ISO 19005-3, level A: archival *and* accessible: tagged, Unicode text, fonts
  embedded, sRGB output intent);
- the others — blank form, personal-data download, demo attachments — are **PDF/UA-1**
  (ISO 14289-1), the accessibility standard proper.

PDF/A-3a and PDF/UA-1 cannot be declared together by WeasyPrint; the kept documents choose the
archival standard, whose level A already carries the structure a screen reader needs.
"""

from __future__ import annotations

from django.template.loader import render_to_string

KEPT = "pdf/a-3a"
ACCESSIBLE = "pdf/ua-1"


def render_pdf(template_name: str, context: dict, *, kept: bool = False) -> bytes:
    """Render a template (extending ``pdf/base.html``) to PDF bytes; ``kept`` for a document
    an organisation keeps (PDF/A-3a), otherwise PDF/UA-1.

    Never fetches anything from the network: the base template carries its own styles.
    """
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf(
        pdf_variant=KEPT if kept else ACCESSIBLE, pdf_tags=True
    )


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"PDF rendering does not fetch external resources ({url}).")
