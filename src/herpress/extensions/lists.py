"""Lists as CommonMark and pandoc nest them: by the item's content, not by four spaces.

Python-Markdown nests a list, or puts a fenced block or a paragraph inside an item, only when
it is indented four spaces; most authors (and mdBook, GitHub, pandoc) indent by the width of
the marker — two spaces under ``-``, three under ``1.``. Read as Python-Markdown reads it, such
a nested list comes out flat and a listing in an item falls out of it. This preprocessor
re-indents what belongs to a list item to where Python-Markdown looks for it, and leaves
everything else — code included — as it was.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( +|$)")
FENCE = re.compile(r"^( *)(`{3,}|~{3,})")
STEP = 4  # Python-Markdown's tab_length


def reindent(lines: list[str]) -> list[str]:
    out: list[str] = []
    stack: list[tuple[int, int]] = []  # each open item: (its content's column here, the column it gets)
    fence: tuple[str, int] | None = None  # an open fence in an item, and the shift its lines get
    blank, after_fence = True, False
    for line in lines:
        expanded = line.expandtabs(STEP)
        if fence is not None:
            shift = fence[1]
            out.append(" " * shift + expanded if shift >= 0 else expanded[min(-shift, _indent(expanded)):])
            stripped = expanded.strip()
            if stripped.startswith(fence[0]) and set(stripped) == {fence[0][0]}:
                fence, after_fence = None, True
            continue
        if not expanded.strip():
            out.append(line)
            blank, after_fence = True, False
            continue
        if after_fence:  # a listing in an item is a block of its own: blank lines around it
            out.append("")
            after_fence = False
        indent = _indent(expanded)
        item = ITEM.match(expanded)
        while stack and indent < stack[-1][0] and not (item is None and not blank):
            stack.pop()
        if item and (stack or indent < STEP):
            target = stack[-1][1] if stack else 0
            marker = item[2]
            content = indent + len(marker) + max(1, len(item[3]) if len(item[3]) <= 4 else 1)
            stack.append((content, target + STEP))
            out.append(" " * target + expanded[indent:])
            blank = False
            continue
        if stack and indent >= stack[-1][0]:
            shift = stack[-1][1] - stack[-1][0]
            opened = FENCE.match(expanded)
            if opened:
                fence = (opened[2], shift)
                if not blank:
                    out.append("")
            out.append(" " * (indent + shift) + expanded[indent:])
        else:
            if blank:
                stack.clear()
            out.append(line)  # a lazy continuation, or no list at all
        blank = False
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class ListIndentPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not any(ITEM.match(line) for line in lines):
            return lines
        return reindent(lines)


class ListIndentExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # after the HTML blocks are stashed (20) would be too late for fences (25): run before both
        md.preprocessors.register(ListIndentPreprocessor(md), "herpress_list_indent", 31)
