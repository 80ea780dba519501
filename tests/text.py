"""Read a page as a person reads it: its visible text, whitespace collapsed."""

import re
from html import unescape
from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def page_text(html: str | bytes) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    extractor = _TextExtractor()
    extractor.feed(html)
    return normalise(unescape("".join(extractor.parts)))


def normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"\s+", " ", text)
    return re.sub(r" ([,.)])", r"\1", text).strip()
