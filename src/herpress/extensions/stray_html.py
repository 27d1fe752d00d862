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
# a tag alone on its line (in a quote too); attribute values may hold ">" (caption="`Option<T>`")
ALONE = re.compile(r"""^((?:\s*>)*)\s{0,3}<(/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(/?)>\s*$""")
TEMPLATE_TAG = re.compile(r"^\s*\{%-?\s*([\w-]+)[^%]*-?%\}\s*$")  # GitBook's and Jekyll's {% exercise %}
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
            tag = TEMPLATE_TAG.match(line)
            if tag:  # a site generator's template tag: its content stays, the tag goes
                self.extension.unknown.setdefault("{% " + tag[1] + " %}", number)
                out.append("")
                continue
            alone = ALONE.match(line)
            if not alone or known(alone[3]):
                out.append(line)
                continue
            quote, closing, name, attribute_text, empty = alone.groups()
            self.extension.unknown.setdefault(name, number)
            blank = quote.rstrip()  # a blank line of the same quote
            if closing:  # the caption goes after the content, as the preprocessor prints it
                caption = open_captions.pop() if open_captions else ""
                out.extend([blank, quote + caption, blank] if caption else [blank])
                continue
            attributes = {m[1].lower(): html.unescape(m[2] if m[2] is not None else m[3] or "")
                          for m in ATTRIBUTE.finditer(attribute_text)}
            out.append(blank)
            if attributes.get("file-name"):
                out.extend([quote + f"Filename: {attributes['file-name']}", blank])
            caption = attributes.get("caption", "")
            if caption:
                number_text = f" {attributes['number']}" if attributes.get("number") else ""
                caption = f"{name.capitalize()}{number_text}: {caption}"
            if not empty:
                open_captions.append(caption)
            elif caption:
                out.extend([quote + caption, blank])
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
