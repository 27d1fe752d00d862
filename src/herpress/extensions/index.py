"""``{^entry}``, ``{^entry!sub-entry}``, ``{^entry|see other}``: an invisible index mark."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

PATTERN = r"\{\^([^{}\n]+)\}"


def parse_mark(text: str) -> tuple[str, str | None, str | None]:
    """``"Jonze, Spike!divorce|see Coppola"`` → (entry, sub-entry, see)."""
    see = None
    if "|see " in text:
        text, see = text.split("|see ", 1)
        see = see.strip() or None
    entry, _, sub = text.partition("!")
    return entry.strip(), (sub.strip() or None), see


class IndexMarkProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        element = etree.Element("span", {"class": "ix", "data-entry": m.group(1)})
        return element, m.start(0), m.end(0)


class IndexExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(IndexMarkProcessor(PATTERN, md), "herpress_index", 177)
