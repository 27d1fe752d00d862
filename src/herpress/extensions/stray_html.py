"""Angle brackets that are not HTML, and elements no reading system knows.

* ``Vec<T>``, ``Result<T, E>`` in prose and headings are text: Python-Markdown takes any
  ``<word …>`` for inline HTML, which then breaks the XHTML. Only the elements of HTML (and
  comments and closing tags of them) are raw HTML here; everything else stays text.
* A line that is only the opening or closing tag of an element HTML does not know — the
  ``<Listing number="1-1" caption="…">`` that mdBook preprocessors expand, a component of some
  site generator — is unwrapped: its content is read as Markdown, and the author is told once
  per element name. A ``caption`` (with its ``number``) and a ``file-name`` are kept as text,
  the way the preprocessor would have printed them.
"""

from __future__ import annotations

import html
import re

from markdown import Extension, Markdown
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markdown.preprocessors import Preprocessor

from .blocks import fences

# HTML's elements (living standard), the names an author may type; SVG and MathML roots too.
KNOWN = set("""a abbr address area article aside audio b bdi bdo blockquote body br button canvas caption cite
code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer
form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark
menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp
script search section select slot small source span strong style sub summary sup table tbody td template
textarea tfoot th thead time title tr track u ul var video wbr svg math frame frameset applet base
center font big strike tt""".split())
TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
ALONE = re.compile(r"^\s{0,3}<(/?)([A-Za-z][\w-]*)((?:\s+[^>]*)?)\s*>\s*$")
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def known(name: str) -> bool:
    return name.lower() in KNOWN


class KnownHtmlProcessor(HtmlInlineProcessor):
    """Python-Markdown's inline HTML, for HTML's own elements only."""

    def handleMatch(self, m, data):
        raw = m.group(1)
        if not raw.startswith("<!--"):
            name = TAG_NAME.match(raw)
            if name is None or not known(name[1]):
                return None, None, None  # text, escaped as such
        return super().handleMatch(m, data)


class UnknownElementPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, extension: "StrayHtmlExtension"):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        open_captions: list[str] = []
        for number, (line, state, _) in enumerate(fences(lines), 1):
            if state:
                out.append(line)
                continue
            alone = ALONE.match(line)
            if not alone or known(alone[2]):
                out.append(line)
                continue
            name = alone[2]
            self.extension.unknown.setdefault(name, number)
            if alone[1]:  # closing: the caption goes after the content, as the preprocessor prints it
                out.append("")
                if open_captions:
                    caption = open_captions.pop()
                    if caption:
                        out.extend([caption, ""])
                continue
            attributes = {m[1].lower(): html.unescape(m[2] if m[2] is not None else m[3] or "")
                          for m in ATTRIBUTE.finditer(alone[3])}
            out.append("")
            if attributes.get("file-name"):
                out.extend([f"Filename: {attributes['file-name']}", ""])
            caption = attributes.get("caption", "")
            if caption:
                number_text = f" {attributes['number']}" if attributes.get("number") else ""
                caption = f"{name.capitalize()}{number_text}: {caption}"
            if not alone[3].rstrip().endswith("/"):
                open_captions.append(caption)
            elif caption:
                out.extend([caption, ""])
        return out


class StrayHtmlExtension(Extension):
    """``unknown`` maps each unknown element name met in the last file to its first line."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.unknown: dict[str, int] = {}

    def reset(self) -> None:
        self.unknown = {}

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        md.inlinePatterns.register(KnownHtmlProcessor(HTML_RE, md), "html", 90)
        # before the HTML block reader (20) and the fences (25–30)
        md.preprocessors.register(UnknownElementPreprocessor(md, self), "herpress_unknown_elements", 32)
