"""Figures that float down: a figure too tall for the rest of its page lets the text after it
fill the gap, and opens the next page — as LaTeX and InDesign place figures.

WeasyPrint 70 has no page floats (``float: top``/``bottom``): a figure that does not fit what is
left of a page moves to the next one and leaves the gap empty (the sample book lost a third of a
page so). herpress reads the first layout instead: where a figure opens a page and the page
before, in the same chapter, ends with a gap of more than :data:`GAP_LINES` lines, the figure is
moved in the print HTML after as many of the blocks that follow it as fill that gap (never past
a heading, another figure, a table or the end of its section), and the chapter is laid out again
on its own (:mod:`herpress.pdf.relief`; the whole book when its pages would change).
A figure keeps its number (the Book numbers figures) and every reference to it names its new
page (``target-counter``). The EPUB keeps the author's order.

A figure here is a chart (``figure``) or a paragraph holding only an image.
"""

from __future__ import annotations

from dataclasses import dataclass


from ..xhtml import detach, inner_xhtml, parse_xhtml

GAP_LINES = 3  # a gap of three lines of text is worth filling; a smaller one is a page's normal slack
LINE = 14.5  # px: one line of 10.5 pt text at line-height 1.38
ATTRIBUTE = "data-float"
STOPS = {"h1", "h2", "h3", "h4", "h5", "h6", "figure", "table", "section", "header", "hr", "div"}


@dataclass(frozen=True)
class Move:
    figure: str  # its data-float value
    past: int  # how many of the blocks after it to move it past


def chapter_of(move: Move) -> str:
    """The slug of the chapter a moved figure is in (its name is ``<slug>-<n>``)."""
    return move.figure.rsplit("-", 1)[0]


def mark(container, slug: str) -> None:
    """Name each figure of a chapter's print HTML (``data-float``), so a layout can point at it."""
    for n, element in enumerate(_figures(container)):
        element.set(ATTRIBUTE, f"{slug}-{n}")


def _figures(container):
    for element in container:
        if element.tag == "figure":
            yield element
        elif element.tag == "p" and len(element) == 1 and element[0].tag == "img" \
                and not (element.text or "").strip() and not (element[0].tail or "").strip():
            yield element


def moves(document) -> list[Move]:
    """The figures of a layout that opened a page leaving a gap on the page before, and how far
    each should move down to fill it."""
    found = []
    pages = document.pages
    for number in range(1, len(pages)):
        chain = _first_blocks(pages[number]._page_box)
        if not chain or chain[-1].element is None or chain[-1].element.get(ATTRIBUTE) is None:
            continue
        figure = chain[-1]
        gap = _gap(pages[number - 1]._page_box, _section(chain))
        if gap < GAP_LINES * LINE:
            continue
        if len(chain) < 2:
            continue
        room = pages[number]._page_box.height - figure.margin_height()  # what may precede it on its page
        past = _past(pages, number, chain[-2].element, figure.element, gap, room)
        if past:
            found.append(Move(figure.element.get(ATTRIBUTE), past))
    return found


def _past(pages, number: int, parent, figure, gap: float, room: float) -> int:
    """How many of the blocks after ``figure`` (children of ``parent``, on this page and the
    next ones) to move up into ``gap``: those that fit it, and the next one when, carried over
    whole (widows and orphans may keep it from splitting), it leaves ``room`` for the figure."""
    filled, past, after, last = 0.0, 0, False, None
    for page in pages[number:number + 3]:
        box = _find(_root(page._page_box), parent)
        if box is None:
            break
        for child in box.children:
            if child.element is None or child.element is parent:
                continue
            if child.element is figure:
                after = True
                continue
            if not after:
                continue
            if child.element.tag in STOPS or child.element.get(ATTRIBUTE) is not None:
                return past
            height = child.margin_height()
            if child.element is not last:
                if filled + height > gap:  # this block may not fit the gap: worth moving only if the
                    return past + 1 if height <= room else past  # figure would fit after all of it (widows)
                past += 1
            last = child.element
            filled += height
            if filled >= gap:
                return past
    return past


def _find(box, element):
    """The box of ``element`` among ``box`` and its descendants on one page (block levels only)."""
    if box is None:
        return None
    if box.element is element and type(box).__name__ not in ("LineBox", "TextBox"):
        return box
    for child in getattr(box, "children", []):
        if type(child).__name__ in ("LineBox", "TextBox", "InlineBox"):
            continue
        found = _find(child, element)
        if found is not None:
            return found
    return None


def apply(bodies: dict[str, str], found: list[Move]) -> dict[str, str]:
    """``bodies`` with each figure of ``found`` moved after the blocks it moves past."""
    wanted = {move.figure: move.past for move in found}
    moved = dict(bodies)
    for slug, body in bodies.items():
        if ATTRIBUTE not in body:
            continue
        container = parse_xhtml(body)
        changed = False
        for figure in list(container.iterfind(f"*[@{ATTRIBUTE}]")):
            past = wanted.get(figure.get(ATTRIBUTE))
            if not past:
                continue
            target = figure
            for _ in range(past):
                following = target.getnext()
                if following is None:
                    break
                target = following
            if target is not figure:
                _move_after(figure, target)
                changed = True
        if changed:
            moved[slug] = inner_xhtml(container)
    return moved


def _move_after(figure, target) -> None:
    """Move ``figure`` right after ``target``, the text after the figure staying where it was."""
    detach(figure)
    target.addnext(figure)


def _first_blocks(page_box) -> list:
    """The boxes from the page's root down to the first block of its flow (the chain of first children)."""
    chain, box = [], _root(page_box)
    while box is not None:
        chain.append(box)
        children = [child for child in getattr(box, "children", []) if _in_flow(child)]
        if not children or box.element is not None and box.element.get(ATTRIBUTE) is not None:
            break
        first = children[0]
        if first.element is None or type(first).__name__ in ("LineBox", "TextBox") \
                or first.element.tag not in ("html", "body", "section", "div", "header", "figure", "p"):
            break
        box = first
    return chain


def _section(chain) -> str | None:
    return next((box.element.get("id") for box in chain if box.element is not None and box.element.tag == "section"),
                None)


def _gap(page_box, section: str | None) -> float:
    """The empty height at the foot of a page's flow (above its footnotes), in px; 0 unless the
    page's flow ends in ``section``."""
    box, last, owner = _root(page_box), None, None
    while box is not None:
        children = [child for child in getattr(box, "children", []) if _in_flow(child)]
        if box.element is not None and box.element.tag == "section":
            owner = box.element.get("id")
        if not children:
            break
        last = children[-1]
        box = last if type(last).__name__ not in ("LineBox", "TextBox") else None
    if last is None or owner != section or section is None:
        return 0.0
    bottom = last.position_y + last.margin_height()
    floor = page_box.content_box_y() + page_box.height
    footnotes = getattr(page_box, "footnote_area", None)
    if footnotes is not None and footnotes.children:
        floor = min(floor, footnotes.position_y)
    return max(0.0, floor - bottom)


def _root(page_box):
    return next((child for child in page_box.children if type(child).__name__ != "MarginBox"
                 and child is not getattr(page_box, "footnote_area", None)), None)


def _in_flow(box) -> bool:
    return not getattr(box, "is_absolutely_positioned", lambda: False)() and type(box).__name__ != "MarginBox"
