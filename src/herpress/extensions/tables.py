"""Table captions and labels: a paragraph ``Table: caption {#tab:label}`` next to a pipe table.

Python-Markdown's tables have no caption syntax, so herpress takes pandoc's:
the paragraph right **before** a table (or, failing that, right after it) that
begins with ``Table:`` becomes the table's ``<caption>``; an optional
``{#tab:label}`` (or pandoc-crossref's ``{#tbl:label}``) at its end lets ``[@tab:label]`` refer to it. Captioned tables
are numbered per chapter like figures ("Table 2.1"); tables without a caption
are not numbered.

pandoc also takes a caption written on the line right after the table's last row (or right before
its first), and one that begins ``table:`` or only ``:``; Python-Markdown would read the first as
one more row and the last as a definition with no term (an EPUB no checker accepts).
:class:`TableCaptionExtension` sets such a line apart by a blank line and makes it ``Table:``.
"""

from __future__ import annotations

import re

from lxml import etree
from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from ..errors import BookError
from .blocks import fences

PREFIX = re.compile(r"^\s*Table:\s*")
LABEL = re.compile(r"\s*\{#([^}\s]*)\}\s*$")
ROW = re.compile(r"^ {0,3}\|.*\|\s*$")
CAPTION_LINE = re.compile(r"^ {0,3}Table:\s")
PANDOC_CAPTION = re.compile(r"^( {0,3})(?:table)?:\s+(?=\S)")  # pandoc's other two ways, after a table
TABLE_LABEL = re.compile(r"^(?:tab|tbl):[A-Za-z0-9][A-Za-z0-9_-]*$")


def empty_headers_as_cells(table) -> None:
    """A header cell with nothing in it (a pipe table's blank column head, ``|   |``) heads
    nothing: it becomes a plain cell, which a screen reader passes over (an empty ``th`` is DAISY
    Ace's empty-table-header; the Likert-scale tables of natolambert/rlhf-book have four)."""
    for cell in table.iter("th"):
        if not "".join(cell.itertext()).strip() and not len(cell):
            cell.tag = "td"


def is_caption(element) -> bool:
    return element is not None and element.tag == "p" and bool(PREFIX.match(element.text or ""))


def take_caption(table, shown: str, source: str) -> tuple[str | None, str] | None:
    """Move the caption paragraph next to ``table`` into a ``<caption>``: (label or None, plain caption).

    None when the table has no caption paragraph.
    """
    before, after = table.getprevious(), table.getnext()
    paragraph = None
    if is_caption(before):  # pandoc's preferred place
        paragraph = before
    elif is_caption(after) and not _next_is_table(after):  # else after, unless it heads the next table
        paragraph = after
    if paragraph is None:
        return None
    label = None
    paragraph.text = PREFIX.sub("", paragraph.text or "", count=1)
    last = paragraph[-1] if len(paragraph) else None
    tail = (last.tail if last is not None else paragraph.text) or ""
    match = LABEL.search(tail)
    if match:
        label = match[1]
        stripped = tail[: match.start()]
        if last is not None:
            last.tail = stripped
        else:
            paragraph.text = stripped
        if not TABLE_LABEL.match(label):
            line = _line(source, "{#" + label + "}")
            raise BookError(f"table label '{label}' must look like 'tab:name' (or pandoc-crossref's 'tbl:name'): rename it", shown, line)
    caption = etree.Element("caption")
    number = etree.SubElement(caption, "span", {"class": "table-number"})
    number.tail = " " + (paragraph.text or "")
    for child in list(paragraph):
        caption.append(child)
    plain = re.sub(r"\s+", " ", "".join(caption.itertext())).strip()
    if not plain:
        raise BookError("a table caption is empty (write 'Table: what the table shows')", shown,
                        _line(source, "Table:"))
    _remove(paragraph)
    caption.tail = table.text
    table.text = None
    table.insert(0, caption)
    return label, plain


def _next_is_table(paragraph) -> bool:
    following = paragraph.getnext()
    return following is not None and following.tag == "table"


def _line(source: str, needle: str) -> int | None:
    position = source.find(needle)
    return source.count("\n", 0, position) + 1 if position >= 0 else None


def _remove(element) -> None:
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail and element.tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


class TableCaptionPreprocessor(Preprocessor):
    """A ``Table:`` line touching a table's row gets a blank line between them (outside code)."""

    def run(self, lines: list[str]) -> list[str]:
        if not any(CAPTION_LINE.match(line) or PANDOC_CAPTION.match(line) for line in lines):
            return lines
        out: list[str] = []
        previous, written = "", ""  # the line before, and the last that was not blank
        for line, state, _ in fences(lines):
            if state is None and ROW.match(written) and not CAPTION_LINE.match(line):
                line = PANDOC_CAPTION.sub(r"\1Table: ", line, count=1)  # ': caption' after a table
            if state is None and previous is not None:
                if CAPTION_LINE.match(line) and ROW.match(previous) or ROW.match(line) and CAPTION_LINE.match(previous):
                    out.append("")
            out.append(line)
            previous = line if state is None else None
            if line.strip():
                written = line if state is None else ""
        return out


class TableCaptionExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # before the code fences are stashed (25), which it reads past on its own
        md.preprocessors.register(TableCaptionPreprocessor(md), "herpress_table_caption", 29)
