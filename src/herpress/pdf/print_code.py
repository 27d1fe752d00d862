"""Code as the print layout needs it: only the spans that print differently, only the lines that may wrap.

The Book's code is fully highlighted (a span per Pygments token) and split into lines (a span per
line, :mod:`herpress.codelines`) for the EPUB, where colour shows every token. WeasyPrint pays
for every element — its computed style is the cost — and on the Rust book's No Starch chapters
(9,221 lines, 46,438 token spans) the spans alone took the 751-page layout from ~730 to 1,377 MiB.
In print, where highlighting is weight and slant (``print.css``), a token whose class the print
stylesheet does not style is set as plain text, and a line too short to wrap (under
:data:`SHORT` of the measure's columns) as plain text too: only a line that may wrap needs its
block, its hanging indent and its continuation mark.
"""

from __future__ import annotations

import re

from ..xhtml import inner_xhtml, parse_xhtml, unwrap

CODE_POINTS = 8.0  # print.css: pre { font-size: 8pt }
ADVANCE = 0.61  # em: a monospace face's advance (DejaVu Sans Mono's is 0.602)
SHORT = 0.75  # of the measure's columns: a shorter line never wraps, even in a nested list
STYLED = re.compile(r"\.highlight\s+\.([\w-]+)")
# WeasyPrint 70 does not break a line at overflow-wrap: anywhere once it holds an inline box (a
# bold keyword): a line of code with no space ran past the trim (mostly-adequate, p. 101). A long
# line gets a zero-width space after each of these, and within any run of RUN characters.
BREAK_AFTER = re.compile(r"([.,;:()\[\]{}=>/|&+*-])(?!\u200b)")
RUN = re.compile(r"([^\s.,;:()\[\]{}=>/|&+*\u200b-]{16})(?=[^\s\u200b])")
ZWSP = "\u200b"


def styled_classes(stylesheet: str) -> set[str]:
    """The Pygments classes a print stylesheet gives a style (``.highlight .k``)."""
    return set(STYLED.findall(stylesheet))


def columns(text_width: float) -> int:
    """How many code characters the text block (``text_width`` inches) holds on a line."""
    return int(text_width * 72 / (CODE_POINTS * ADVANCE))


def lighten(bodies: dict[str, str], styled: set[str], measure: int) -> dict[str, str]:
    """``bodies`` with the code spans print does not need unwrapped (their text kept)."""
    shortest = int(measure * SHORT)
    lightened = {}
    for slug, body in bodies.items():
        if "<pre" not in body:
            lightened[slug] = body
            continue
        container = parse_xhtml(body)
        for pre in container.iter("pre"):
            for span in list(pre.iter("span")):
                classes = (span.get("class") or "").split()
                if span.get("id") is not None or span.getparent() is None:
                    continue
                if classes[:1] == ["line"]:
                    if len("".join(span.itertext()).rstrip("\n")) <= shortest:
                        unwrap(span)
                    else:
                        _breakable(span)
                elif len(classes) == 1 and classes[0] not in styled:
                    unwrap(span)
        lightened[slug] = inner_xhtml(container)
    return lightened


def _breakable(line) -> None:
    """A place to break after the punctuation of a long code line, and every 16 characters of a
    run without any, in each of its texts (the characters themselves unchanged)."""
    for element in line.iter():
        element.text = _with_breaks(element.text)
        if element is not line:
            element.tail = _with_breaks(element.tail)


def _with_breaks(text: str | None) -> str | None:
    if not text:
        return text
    return RUN.sub(r"\1" + ZWSP, BREAK_AFTER.sub(r"\1" + ZWSP, text))
