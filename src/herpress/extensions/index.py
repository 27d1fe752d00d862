"""``{^entry}``, ``{^entry!sub-entry}``, ``{^entry|see other}``: an invisible index mark.

A title in an entry is set in italics as in the text: ``{^*Her*}`` is listed as *Her* (sorted
under H); only asterisks mark it, so a term like ``unwrap_or_else`` keeps its underscores.
"""

from __future__ import annotations

import html
import re
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


_EMPHASIS = re.compile(r"\*([^*]+)\*")


def emphasis(text: str) -> tuple[str, str]:
    """``"*Her* (film)"`` → ("Her (film)", "<em>Her</em> (film)"): the plain text (sorting, ids,
    messages) and the markup the index shows."""
    plain = _EMPHASIS.sub(r"\1", text)
    markup = "".join(f"<em>{html.escape(part)}</em>" if n % 2 else html.escape(part)
                     for n, part in enumerate(_EMPHASIS.split(text)))
    return plain, markup


class IndexMarkProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        element = etree.Element("span", {"class": "ix", "data-entry": m.group(1)})
        return element, m.start(0), m.end(0)


class IndexExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(IndexMarkProcessor(PATTERN, md), "herpress_index", 177)
