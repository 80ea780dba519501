"""Markdown written by officers, rendered to safe HTML."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "h2", "h3", "h4", "h5",
    "code", "pre", "hr",
}  # fmt: skip


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> str:
    """Render Markdown to HTML that keeps only harmless tags (no raw HTML, no scripts)."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def normalise_search(text: str) -> str:
    """Lower case without accents, so that « élan » finds « Élan » on every database."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A typed text that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM…``)
    gets a leading apostrophe, so that it is shown as text (CSV/formula injection, OWASP).
    Numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
