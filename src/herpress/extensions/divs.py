"""pandoc's fenced divs: ``::: {.note #id}`` … ``:::`` around Markdown, as a pandoc project writes
them (a table wrapped for its styling, a callout, a block in another language).

Each becomes ``<div class="note" id="id" markdown="1">`` with its content read as Markdown
(Python-Markdown's md_in_html), so what is inside — a table and its caption, a list, a quote —
is what it would be outside. The opening fence is three or more colons and a class name or an
attribute block; a line of three or more colons alone closes the innermost open div. Divs nest;
a div still open at the end of the file is closed there. Classes and an id are kept, ``lang`` as
``lang``; other attributes (``custom-style=…``, meant for a word processor) are dropped.
"""

from __future__ import annotations

import html
import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from .blocks import fences

OPEN = re.compile(r"^ {0,3}:{3,}\s*(?:\{([^{}]*)\}|([A-Za-z][\w-]*))\s*:*\s*$")
CLOSE = re.compile(r"^ {0,3}:{3,}\s*$")
ATTRIBUTE = re.compile(r'([#.][\w:-]+)|([\w-]+)=("[^"]*"|\S+)')


def div_tag(attributes: str) -> str:
    """``.a .b #c lang=fr`` → ``<div class="a b" id="c" lang="fr" markdown="1">``."""
    classes, found = [], {}
    for match in ATTRIBUTE.finditer(attributes):
        if match[1]:
            if match[1][0] == ".":
                classes.append(match[1][1:])
            else:
                found.setdefault("id", match[1][1:])
        elif match[2] == "lang":
            found["lang"] = match[3].strip('"')
    if classes:
        found = {"class": " ".join(classes), **found}
    shown = "".join(f' {name}="{html.escape(value)}"' for name, value in found.items())
    return f'<div{shown} markdown="1">'


class FencedDivPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not any(line.lstrip(" ").startswith(":::") for line in lines):
            return lines
        out: list[str] = []
        depth = 0
        for line, state, _ in fences(lines):
            if state is None and (opening := OPEN.match(line)):
                out += ["", div_tag(opening[1] if opening[1] is not None else "." + opening[2]), ""]
                depth += 1
            elif state is None and depth and CLOSE.match(line):
                out += ["", "</div>", ""]
                depth -= 1
            else:
                out.append(line)
        return out + ["", "</div>"] * depth


class FencedDivExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # before the table captions (29) are set apart from the rows the div's fence touched
        md.preprocessors.register(FencedDivPreprocessor(md), "herpress_fenced_divs", 30)
