"""``[[term]]`` and ``[[shown text|term]]``: a use of a term defined in the glossary."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

PATTERN = r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]|\n]+?))?\]\]"


class GlossaryUseProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        shown = m.group(1).strip()
        term = (m.group(2) or m.group(1)).strip()
        element = etree.Element("a", {"class": "glossterm", "data-term": term})
        element.text = shown
        return element, m.start(0), m.end(0)


class GlossaryExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # ahead of links (160) and reference links (170)
        md.inlinePatterns.register(GlossaryUseProcessor(PATTERN, md), "herpress_glossary", 176)
