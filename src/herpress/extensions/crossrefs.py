"""``[@fig:poll]``, ``[@ch:slug]``, ``[@sec:slug]``: a reference to a labelled target.

pandoc-crossref's spellings are read too, as a pandoc project has them: ``tbl:`` beside ``tab:``
for tables, and a reference written without brackets (``as @fig:poll shows``). Its ``eq:`` labels
are not: herpress numbers no equations, and ``@eq:x`` stays as it is written.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

LABEL = r"(?:ch|sec|fig|tab|tbl):[A-Za-z0-9][A-Za-z0-9_-]*"
PATTERN = r"\[@(" + LABEL + r")\]"
# bare: not inside a word or an address (``me@fig:x``), and the label not cut short (``@fig:a:b``)
BARE_PATTERN = r"(?<![\w@\[])@(" + LABEL + r")(?![\w:-])"


class CrossRefProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        element = etree.Element("a", {"class": "xref", "data-label": m.group(1)})
        element.text = m.group(1)  # replaced by the reader once every target is known
        return element, m.start(0), m.end(0)


class CrossRefExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(CrossRefProcessor(PATTERN, md), "herpress_crossrefs", 175)
        md.inlinePatterns.register(CrossRefProcessor(BARE_PATTERN, md), "herpress_bare_crossrefs", 174)
