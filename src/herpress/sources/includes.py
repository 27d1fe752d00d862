"""mdBook's link directives, resolved as mdBook resolves them — reading only inside the book.

* ``{{#include file}}``, ``{{#include file:anchor}}``, ``{{#include file:3:10}}`` (also ``:3:``,
  ``::10``, ``:3``): the file, the lines between ``ANCHOR: anchor`` and ``ANCHOR_END: anchor``,
  or a range of lines (1-based, inclusive). Lines holding anchor markers are never shown.
* ``{{#rustdoc_include …}}``: the same selection; mdBook hides the rest of the file behind
  ``# `` lines that a printed listing leaves out anyway (:func:`hide_rust_lines`).
* ``{{#playground file}}``: the file, as ``include``; ``{{#title …}}``: dropped.
* ``\\{{#include …}}``: the directive itself, as text.

Paths are relative to the file holding the directive; included files may include others (ten
deep at most, as mdBook). A file outside the book folder, or missing, is an error at the
directive's line.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BookError
from ..extensions.blocks import fences, unquoted
from . import Segment, Text, read_text, shown

DIRECTIVE = re.compile(r"(\\)?\{\{\s*#(include|rustdoc_include|playground|title)\s+([^}]*?)\s*\}\}")
ANCHOR = re.compile(r"\bANCHOR(_END)?\s*:\s*([\w-]+)")
MAX_DEPTH = 10


def expand(root: Path, path: Path, text: str, depth: int = 0) -> Text:
    """``text`` (the contents of ``path``) with every directive replaced, and a map of its lines."""
    where = shown(root, path)
    if "{{" not in text:
        return Text(text, [Segment(1, where, 1)])
    out: list[str] = []
    segments = [Segment(1, where, 1)]
    for number, line in enumerate(text.split("\n"), 1):
        if "{{" not in line or not DIRECTIVE.search(line):
            out.append(line)
            continue
        pieces, last = [], 0
        for match in DIRECTIVE.finditer(line):
            pieces.append(line[last:match.start()])
            last = match.end()
            if match[1]:  # escaped: the directive as written, less the backslash
                pieces.append(match[0][1:])
            elif match[2] != "title":
                pieces.append(_included(root, path, match[3], where, number, depth))
        pieces.append(line[last:])
        expanded = "".join(pieces).split("\n")
        if len(expanded) > 1:  # the included lines all point at the directive; the file goes on after it
            segments.append(Segment(len(out) + 1, where, number, 0))
            out.extend(expanded)
            segments.append(Segment(len(out) + 1, where, number + 1))
        else:
            out.extend(expanded)
    return Text("\n".join(out), segments)


def _included(root: Path, including: Path, argument: str, where: str, line: int, depth: int) -> str:
    if depth >= MAX_DEPTH:
        raise BookError(f"includes nested more than {MAX_DEPTH} deep (does a file include itself?): remove the loop",
                        where, line)
    name, _, selector = argument.strip().partition(":")
    target = (including.parent / name).resolve()
    if not target.is_relative_to(root):
        raise BookError(f"'{name}' lies outside the book folder: herpress includes only files inside it; copy it into the "
                        "book", where, line)
    try:
        text = read_text(root, target)
    except BookError as error:
        raise BookError(f"cannot include '{name}': {error.message}", where, line) from None
    text = expand(root, target, text, depth + 1).text
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    selected = _select(lines, selector, name, where, line)
    return "\n".join(item for item in selected if not ANCHOR.search(item))


def _select(lines: list[str], selector: str, name: str, where: str, line: int) -> list[str]:
    selector = selector.strip()
    if not selector:
        return lines
    numbers = re.fullmatch(r"(\d*)(?::(\d*))?", selector)
    if numbers and (numbers[1] or numbers[2]):
        start = int(numbers[1]) - 1 if numbers[1] else 0
        if numbers.group(2) is None:  # {{#include file:5}}: that line alone
            return lines[start:start + 1]
        end = int(numbers[2]) if numbers[2] else len(lines)
        return lines[start:end]
    inside, found, selected = False, False, []
    for item in lines:
        marker = ANCHOR.search(item)
        if marker and marker[2] == selector:
            inside = not marker[1]
            found = True
            continue
        if inside:
            selected.append(item)
    if not found:
        raise BookError(f"anchor '{selector}' not found in '{name}' (mark it with ANCHOR: {selector} and "
                        f"ANCHOR_END: {selector})", where, line)
    return selected


def hide_rust_lines(text: Text) -> Text:
    """What mdBook hides in Rust code blocks, left out: a line that is ``#`` or starts with ``# ``
    (``##`` shows as ``#``). The line map keeps pointing at the right lines."""
    lines = text.text.split("\n")
    if "#" not in text.text:
        return text
    out, kept = [], []  # kept[n]: the line of the input that output line n is
    for number, (line, state, info) in enumerate(fences(lines), 1):
        if state == "inside" and info.split(",")[0].lower() == "rust":
            body = unquoted(line).strip()
            if body == "#" or body.startswith("# "):
                continue
            if body.startswith("##"):
                line = line.replace("##", "#", 1)
        out.append(line)
        kept.append(number)
    if len(out) == len(lines):
        return Text("\n".join(out), text.segments)
    return Text("\n".join(out), _line_map(text, kept))


def _line_map(text: Text, kept: list[int]) -> list[Segment]:
    """Segments for output lines that are the input lines ``kept`` (in order)."""
    segments: list[Segment] = []
    previous = None
    for n, number in enumerate(kept, 1):
        file, line = text.where(number)
        if previous is not None:
            segment, last_file, last_line = previous
            if file == last_file and segment.step == 1 and line == last_line + 1:
                previous = (segment, file, line)
                continue
            if file == last_file and line == last_line and (segment.step == 0 or segment.first == n - 1):
                segment.step = 0
                continue
        segment = Segment(n, file, line, 1)
        segments.append(segment)
        previous = (segment, file, line)
    return segments
