"""Blocks that must be closed: code fences and raw HTML blocks.

Python-Markdown quietly swallows the rest of a file after an unclosed ```` ``` ```` or
``<div>``; an author would lose text without noticing. :func:`unclosed` finds the first
such block so the reader can stop with its line. Nesting deeper than :data:`MAX_DEPTH`
(lists in lists, quotes in quotes) is refused too: no book needs it, and layout engines
recurse on it.
"""

from __future__ import annotations

import re

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
BLOCK_TAGS = "div|section|aside|figure|table|blockquote|details|article|header|footer|nav|pre|dl|ul|ol"
OPEN = re.compile(rf"<({BLOCK_TAGS})\b[^>]*?(/?)>", re.IGNORECASE)
CLOSE = re.compile(rf"</({BLOCK_TAGS})\s*>", re.IGNORECASE)
MAX_DEPTH = 40


def unclosed(text: str) -> tuple[int, str] | None:
    """``(line, message)`` for the first block opened and never closed, or None."""
    fence: tuple[str, int] | None = None  # (fence, line it opened on)
    open_tags: list[tuple[str, int]] = []
    for number, line in enumerate(text.split("\n"), 1):
        match = FENCE.match(line)
        if fence is not None:
            stripped = line.strip()
            if match and stripped.startswith(fence[0]) and set(stripped) == {fence[0][0]}:
                fence = None
            continue
        if match:
            fence = (match[1], number)
            continue
        depth = max(_indent(line) // 4, len(re.match(r"^[\s>]*", line)[0].replace(" ", "").replace("\t", "")))
        if depth > MAX_DEPTH:  # caught here, before Python-Markdown spends seconds recursing into it
            return number, f"lists or quotes are nested more than {MAX_DEPTH} levels deep"
        if "`" in line:  # HTML shown as inline code is not a block
            line = re.sub(r"`[^`]*`", "", line)
        events = [(m.start(), "open", m[1].lower(), m[2]) for m in OPEN.finditer(line)]
        events += [(m.start(), "close", m[1].lower(), "") for m in CLOSE.finditer(line)]
        for _, kind, tag, self_closing in sorted(events):
            if kind == "open" and not self_closing:
                open_tags.append((tag, number))
            elif kind == "close":
                for index in range(len(open_tags) - 1, -1, -1):
                    if open_tags[index][0] == tag:
                        del open_tags[index]
                        break
    if fence is not None:
        return fence[1], f"code block opened here with {fence[0]} is never closed: add {fence[0]} where it ends"
    if open_tags:
        tag, number = open_tags[0]
        return number, f"<{tag}> opened here is never closed with </{tag}>: the rest of the file would vanish into it; add </{tag}> where it ends"
    return None


FENCE_LINE = re.compile(r"^(?:\s*>)*\s*(`{3,}|~{3,})\s*([^`\s]*)")  # in a quote or a list item too
QUOTED = re.compile(r"^(?:\s*>)*")


def unquoted(line: str) -> str:
    """A line without the ``>`` of the quotes it stands in."""
    return QUOTED.sub("", line, count=1)


def fences(lines):
    """Each line with where it stands: ``(line, state, info)``, ``state`` None outside code
    fences, else "open", "inside" or "close"; ``info`` the open fence's language. The one reading
    of fences for the text-level passes (comments and tags, headings of joined pages, hidden lines,
    the places of a character)."""
    fence, info = None, ""
    for line in lines:
        match = FENCE_LINE.match(line)
        if fence is None:
            if match:
                fence, info = match[1], match[2]
                yield line, "open", info
            else:
                yield line, None, ""
        elif match and match[1][0] == fence[0] and len(match[1]) >= len(fence) \
                and not unquoted(line).strip().strip(fence[0]):
            fence = None
            yield line, "close", info
        else:
            yield line, "inside", info


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def too_deep(container) -> object | None:
    """The first element nested more than :data:`MAX_DEPTH` levels inside ``container``."""
    stack = [(container, 0)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            return element
        stack.extend((child, depth + 1) for child in element)
    return None
