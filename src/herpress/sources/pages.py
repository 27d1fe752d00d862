"""A chapter's text from its pages: the chapter's own file, then the pages nested in it.

mdBook keeps a chapter's sections as pages of their own (``ch04-00`` and its nested
``ch04-01``…); a printed book makes them sections of one chapter, so each nested page's
headings move down to sit below the chapter title (a page one level deep whose first
heading is ``#`` gets ``##``). Footnote labels are made unique per page, since each page
numbered its own. The lines stay traceable to their files (:class:`~herpress.sources.Text`).
"""

from __future__ import annotations

import re

from ..extensions.blocks import fences
from . import Entry, Manuscript, Segment, Text

ATX = re.compile(r"^(#{1,6})(?=\s|$)")
SETEXT = re.compile(r"^(=+|-+)\s*$")
FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")


def chapter_text(manuscript: Manuscript, entry: Entry) -> Text:
    parts: list[str] = []
    segments: list[Segment] = []
    notes: list[tuple[str, str, int]] = []
    line = 1
    for n, page in enumerate(entry.pages):
        read = manuscript.read(page.path)
        shown = manuscript.shown(page.path)
        lines = read.text.split("\n")
        top = first_heading_level(lines)
        shift = 0 if top is None else (page.depth + 1) - top
        if top is None and page.title and n > 0:  # a nested page with no heading: the index's title heads it
            lines = ["#" * min(page.depth + 1, 6) + " " + page.title, ""] + lines
            segments.append(Segment(line, shown, 1, 0))
            line += 2
        if shift and n == 0 and top and top > 1:
            notes.append((f"the chapter's first heading is level {top}: read as its title, and the headings "
                          f"below it moved up {-shift} level{'s' * (shift < -1)} (write it as '# …')", shown,
                          first_heading_line(lines)))
        if shift or n:
            lines = rewrite(lines, shift, f"p{n}-" if n else "")
        for segment in read.segments:
            segments.append(Segment(line + segment.first - 1, segment.file, segment.line, segment.step))
        parts.append("\n".join(lines))
        line += len(lines) + 1  # the blank line that joins pages
    return Text("\n\n".join(parts) if len(parts) > 1 else (parts[0] if parts else ""), segments, notes)


def first_heading_line(lines: list[str]) -> int:
    return next((n for n, line in enumerate(lines, 1) if ATX.match(line)), 1)


def first_heading_level(lines: list[str]) -> int | None:
    for n, (line, state, _) in enumerate(fences(lines)):
        if state:
            continue
        heading = ATX.match(line)
        if heading:
            return len(heading[1])
        if n and SETEXT.match(line) and lines[n - 1].strip() and not lines[n - 1].startswith((" ", "\t", ">", "-", "*")):
            return 1 if line.startswith("=") else 2
    return None


def rewrite(lines: list[str], shift: int, note_prefix: str) -> list[str]:
    """Headings moved by ``shift`` levels (kept within 1–6), footnote labels prefixed; code untouched."""
    out: list[str] = []
    for n, (line, state, _) in enumerate(fences(lines)):
        if state:
            out.append(line)
            continue
        if shift:
            heading = ATX.match(line)
            if heading:
                level = max(1, min(6, len(heading[1]) + shift))
                line = "#" * level + line[len(heading[1]):]
            elif n and SETEXT.match(line) and out and out[-1].strip() and not ATX.match(out[-1]) \
                    and not out[-1].startswith((" ", "\t", ">", "-", "*")):
                level = max(1, min(6, (1 if line.startswith("=") else 2) + shift))
                out[-1] = "#" * level + " " + out[-1].strip()
                line = ""
        if note_prefix and "[^" in line:
            line = FOOTNOTE.sub(lambda m: f"[^{note_prefix}{m[1]}]", line)
        out.append(line)
    return out
