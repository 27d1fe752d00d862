"""``[@fig:poll]``, ``[@ch:slug]``, ``[@sec:slug]``: a reference to a labelled target."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

LABEL = r"(?:ch|sec|fig|tab):[A-Za-z0-9][A-Za-z0-9_-]*"
PATTERN = r"\[@(" + LABEL + r")\]"


class CrossRefProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        element = etree.Element("a", {"class": "xref", "data-label": m.group(1)})
        element.text = m.group(1)  # replaced by the reader once every target is known
        return element, m.start(0), m.end(0)


class CrossRefExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(CrossRefProcessor(PATTERN, md), "herpress_crossrefs", 175)
