"""Where each printed page begins, carried over from the print layout into the EPUB's XHTML.

The print PDF and the EPUB come from the same Book, so the place where a printed page
begins can be named in terms both share: a *region* (a chapter, the glossary, the
index, the title or copyright page), the ordinal of a *block* in it (paragraph,
heading, list item, figure, …, in document order) and the number of non-space
characters of that block set on earlier pages. Counting non-space characters ignores
what differs between the media (line breaks, hyphens added by the layout, footnote
calls, generated text) and lands a marker inside a paragraph split across pages, at the
start of the word that the page begins with.

:func:`page_starts` reads a WeasyPrint layout; :func:`place_markers` inserts
``<span epub:type="pagebreak" role="doc-pagebreak">`` into an EPUB document, only where a
``span`` may stand (never as a child of a table, a row or a list: a page that begins at a
table row is marked at the start of the row's first cell), in document order with ascending
page numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .xhtml import detach

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "figure", "tr", "caption"}
# Elements whose children may not be phrasing content: a marker there moves to the start of the
# next item or cell (li, dt, dd, td, th, caption, ...), or before the outermost of them.
CONTAINERS = {"table", "thead", "tbody", "tfoot", "tr", "colgroup", "ul", "ol", "menu", "dl", "hgroup"}
# Elements a marker may never be inside, nor at the start of: it goes before them.
OPAQUE = {"svg", "math", "picture", "select", "optgroup", "option", "datalist", "colgroup", "audio", "video",
          "object", "iframe", "canvas", "textarea", "script", "noscript", "style", "template", "head", "title",
          "img", "br", "hr", "col", "wbr", "source", "track", "area", "input", "embed", "meta", "link", "base",
          "param"}
EPUB_NS = "http://www.idpf.org/2007/ops"
XHTML_NS = "http://www.w3.org/1999/xhtml"
FOLIO = re.compile(r"[0-9]+|[ivxlcdm]+")
HYPHEN = "\u2010"  # WeasyPrint's default hyphenate-character
_SPACE = re.compile(r"[\s\u200b]+")  # the zero-width spaces print_code adds to long code lines are not text


@dataclass(frozen=True)
class PageStart:
    page: int  # index of the page in the PDF
    label: str  # the folio printed on it
    region: str  # "chapter:<slug>", "glossary", "index", "titlepage", "copyright", "contents"
    block: int  # ordinal of the block the page begins in (-1: the region's start)
    offset: int  # non-space characters of that block set on earlier pages
    block_text: str  # the block's non-space text, to find it again in the EPUB
    text: str  # the first words printed on the page


def printed_folios(print_layout) -> list[str]:
    """The folio printed on each page: ``print_layout.page_labels`` when it has them,
    else read from the page's bottom margin boxes ("" on pages that print none)."""
    from weasyprint.formatting_structure import boxes

    pages = print_layout.document.pages
    labels = list(getattr(print_layout, "page_labels", None) or [])
    if len(labels) == len(pages) and any(labels):
        return labels
    folios = []
    for page in pages:
        found = ""
        for margin in page._page_box.children:
            if isinstance(margin, boxes.MarginBox) and margin.at_keyword.startswith("@bottom"):
                text = "".join(box.text for box in _walk(margin) if isinstance(box, boxes.TextBox)).strip()
                if FOLIO.fullmatch(text):
                    found = text
        folios.append(found)
    return folios


def page_starts(print_layout, book) -> list[PageStart]:
    """One :class:`PageStart` per page that prints a folio and begins with content the EPUB has."""
    from weasyprint.formatting_structure import boxes

    pages = print_layout.document.pages
    folios = printed_folios(print_layout)
    regions = {chapter.id: f"chapter:{chapter.slug}" for chapter in book.chapters}
    regions.update({"glossary": "glossary", "index": "index"})
    seen: dict[int, int] = {}  # id(block element) -> non-space characters laid out so far
    ordinals: dict[int, dict[int, int]] = {}  # id(region element) -> {id(block): its ordinal}, made once
    opened: dict[int, int] = {}  # id(block element) -> the page it was first laid out on
    starts: list[PageStart] = []
    for number, page in enumerate(pages):
        first = None
        for box, ancestors in _flow(page._page_box):
            is_text = isinstance(box, boxes.TextBox)
            if is_text and not box.text.strip():
                continue
            block = next((a.element for a in reversed(ancestors) if _tag(a) in BLOCKS), None)
            figure = next((a.element for a in ancestors if _tag(a) == "figure"), None)
            block = figure if figure is not None else block
            if block is not None:
                if opened.setdefault(id(block), number) < number and _repeated(ancestors):
                    continue  # a table's header (or footer) repeated on a later page: the page begins after it
            if first is None and (is_text or isinstance(box, boxes.ReplacedBox)):
                first = (box, ancestors, block, seen.get(id(block), 0) if block is not None else 0)
            if is_text and block is not None:
                text = box.text
                if text.endswith(HYPHEN) and _last_in_line(box, ancestors):
                    text = text[:-1]
                seen[id(block)] = seen.get(id(block), 0) + len(_SPACE.sub("", text))
        if first is None or not folios[number]:
            continue
        box, ancestors, block, offset = first
        region, region_element = _region(ancestors, regions)
        if region is None:
            continue
        ordinal, block_text = -1, ""
        if block is not None and region not in ("contents",):
            if id(region_element) not in ordinals:  # once per region, not once per page (issue 15)
                ordinals[id(region_element)] = {id(e): n for n, e in reversed(list(enumerate(_print_blocks(region_element))))}
            ordinal = ordinals[id(region_element)].get(id(block), -1)
            block_text = _print_text(block) if ordinal >= 0 else ""
        if ordinal < 0:
            offset = 0
        words = box.text.strip() if isinstance(box, boxes.TextBox) else "[image]"
        starts.append(PageStart(number, folios[number], region, ordinal, offset, block_text, words[:60]))
    return starts


def place_markers(document: etree._Element, starts: list[PageStart]) -> None:
    """Insert a page-break marker for each of ``starts`` (all of one region, in page order) into
    ``document``: where the page begins when a ``span`` may stand there, else at the nearest place
    where one may (:func:`_legalize`); never before the marker of an earlier page."""
    body = document.find(f"{{{XHTML_NS}}}body")
    blocks = _epub_blocks(body)
    texts: dict[str, list[int]] = {}  # a block's text -> the ordinals of the blocks that have it
    for n, block in enumerate(blocks):
        texts.setdefault(_epub_text(block), []).append(n)
    previous = None
    for start in starts:
        marker = etree.Element(f"{{{XHTML_NS}}}span", nsmap={"epub": EPUB_NS})
        marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
        marker.set("role", "doc-pagebreak")
        marker.set("id", f"page-{start.label}")
        marker.set("aria-label", start.label)
        block = _match(blocks, texts, start)
        if block is None:
            marker.tail, body.text = body.text, None
            body.insert(0, marker)
        elif start.offset == 0 or _tag_name(block) == "figure":
            _before(block, marker)
        else:
            _inside(block, start.offset, marker)
        _legalize(marker)
        if previous is not None and _path(marker) < _path(previous):
            _after(previous, marker)  # two pages at one place, or a start found too early: keep the order
        previous = marker


def _match(blocks, texts: dict[str, list[int]], start: PageStart):
    """The EPUB block the page begins in: the one with the same text nearest the same ordinal."""
    if start.block < 0:
        return None
    same = texts.get(start.block_text, []) if start.block_text else []
    if same:
        return blocks[min(same, key=lambda n: abs(n - start.block))]
    return blocks[start.block] if start.block < len(blocks) else None


def _before(block, marker) -> None:
    parent = block.getparent()
    parent.insert(parent.index(block), marker)
    marker.tail = None


def _inside(block, offset: int, marker) -> None:
    """Put ``marker`` at the start of the word holding non-space character number ``offset``."""
    count = 0
    for owner, attribute, text in _text_slots(block):
        for position, char in enumerate(text):
            if char.isspace():
                continue
            if count == offset:
                while position > 0 and not text[position - 1].isspace():
                    position -= 1  # a word broken across the pages: mark its start
                _split(owner, attribute, position, marker, block)
                return
            count += 1
    _before(block, marker)


def _split(owner, attribute: str, position: int, marker, block) -> None:
    while attribute == "text" and position == 0 and owner is not block:
        # the page begins with an inline element (a link, an emphasis): mark before it, not inside
        parent = owner.getparent()
        index = parent.index(owner)
        if index == 0 and not (parent.text or "").strip():
            owner, attribute = parent, "text"  # and it starts its parent too: go up
            continue
        parent.insert(index, marker)
        marker.tail = None
        return
    if attribute == "text":
        marker.tail, owner.text = owner.text[position:], owner.text[:position]
        owner.insert(0, marker)
    else:
        parent = owner.getparent()
        marker.tail, owner.tail = owner.tail[position:], owner.tail[:position]
        parent.insert(parent.index(owner) + 1, marker)


def _legalize(marker) -> None:
    """Move ``marker`` to the nearest place where a ``span`` (phrasing content) is allowed.

    Out of an element nothing may be put into (``svg``, ``math``, ``picture``, ``select``, ``img``
    …): before the outermost one. In a table, a row group, a row or a list (where only rows,
    cells or items may stand): to the start of the first cell or item that follows (a ``td`` or
    ``th``, an ``li``, a ``dt`` or ``dd``, a ``caption``), else before the outermost such
    container, in the flow that holds it."""
    opaque = [a for a in marker.iterancestors() if _tag_name(a) in OPAQUE]
    if opaque:
        _move_before(marker, opaque[-1])
    parent = marker.getparent()
    if not _container(parent):
        return
    level, index = parent, parent.index(marker) + 1
    while True:
        slot = _first_slot(level, index)
        if slot is not None:
            detach(marker)
            marker.tail, slot.text = slot.text, None
            slot.insert(0, marker)
            return
        up = level.getparent()
        if up is None or not _container(up):
            _move_before(marker, level)  # nothing of the table or list follows: just before it
            return
        level, index = up, up.index(level) + 1


def _first_slot(container, index: int):
    """The first element at or after child ``index`` of ``container``, or inside those, at whose
    start a ``span`` may stand."""
    for child in container[index:]:
        if not isinstance(child.tag, str) or _skipped(child) or _tag_name(child) in OPAQUE:
            continue
        if _container(child):
            found = _first_slot(child, 0)
            if found is not None:
                return found
            continue
        return child
    return None


def _container(element) -> bool:
    name = _tag_name(element)
    if name == "div":
        parent = element.getparent()
        return parent is not None and _tag_name(parent) == "dl"  # a dt/dd group: only dt and dd inside
    return name in CONTAINERS


def _move_before(marker, element) -> None:
    detach(marker)
    parent = element.getparent()
    parent.insert(parent.index(element), marker)


def _after(previous, marker) -> None:
    """Put ``marker`` right after the marker ``previous`` (a place where a span may stand)."""
    detach(marker)
    parent = previous.getparent()
    parent.insert(parent.index(previous) + 1, marker)
    marker.tail, previous.tail = previous.tail, None


def _path(element) -> list[int]:
    """``element``'s child indexes from the root: comparing two paths compares document order."""
    path = []
    parent = element.getparent()
    while parent is not None:
        path.append(parent.index(element))
        element, parent = parent, parent.getparent()
    return path[::-1]


def _repeated(ancestors) -> bool:
    """Whether the box lies in a table's header or footer row group (repeated on every page)."""
    return any(getattr(box, "is_header", False) or getattr(box, "is_footer", False) for box in ancestors)


def _text_slots(block):
    """The text of ``block`` in order, as (element, "text"|"tail", string), skipping note calls
    and nested blocks (their text belongs to them)."""
    def visit(element, top):
        if element.text and not _skipped(element):
            yield element, "text", element.text
        for child in element:
            if not (_tag_name(child) in BLOCKS or _skipped(child)):
                yield from visit(child, False)
            if child.tail:
                yield child, "tail", child.tail
    yield from visit(block, True)


def _skipped(element) -> bool:
    return element.get(f"{{{EPUB_NS}}}type") in ("noteref", "pagebreak")


def _epub_blocks(body) -> list:
    found = []

    def visit(element):
        for child in element:
            if not isinstance(child.tag, str):
                continue
            classes = (child.get("class") or "").split()
            if _tag_name(child) == "section" and "notes" in classes or "chart-data" in classes:
                continue  # the EPUB's own: its notes section, a chart's data (print draws the chart)
            if _tag_name(child) in BLOCKS:
                found.append(child)
            if _tag_name(child) != "figure":
                visit(child)
    visit(body)
    return found


def _epub_text(block) -> str:
    if _tag_name(block) == "figure":
        return ""
    return _SPACE.sub("", "".join(text for _, _, text in _text_slots(block)))


def _print_blocks(region) -> list:
    found = []

    def visit(element):
        for child in element:
            if "footnote" in (child.get("class") or "").split():
                continue
            if child.tag in BLOCKS:
                found.append(child)
            if child.tag != "figure":
                visit(child)
    visit(region)
    return found


def _print_text(block) -> str:
    if block.tag == "figure":
        return ""

    def visit(element):
        parts = [element.text or ""]
        for child in element:
            if child.tag not in BLOCKS and "footnote" not in (child.get("class") or "").split():
                parts.append(visit(child))
            parts.append(child.tail or "")
        return "".join(parts)
    return _SPACE.sub("", visit(block))


def _region(ancestors, regions: dict[str, str]):
    for box in reversed(ancestors):
        element = box.element
        if element is None or box.element_tag.startswith(("html", "body")):
            continue
        classes = (element.get("class") or "").split()
        if element.tag == "section" and "chapter" in classes:
            heading = element.find(".//h1")
            region = regions.get(heading.get("id")) if heading is not None else None
            return region, element
        if "title-page" in classes:
            return "titlepage", element
        if "copyright-page" in classes:
            return "copyright", element
        if element.tag == "nav" and "contents" in classes:
            return "contents", element
    return None, None


def _flow(page_box):
    """Boxes of the page's main flow in order, with their ancestors (no margins, no footnotes,
    no generated content)."""
    from weasyprint.formatting_structure import boxes

    def visit(box, ancestors):
        if isinstance(box, (boxes.MarginBox, boxes.FootnoteAreaBox)) or "::" in (box.element_tag or ""):
            return
        yield box, ancestors
        for child in getattr(box, "children", None) or ():
            yield from visit(child, ancestors + [box])
    yield from visit(page_box, [])


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _walk(child)


def _last_in_line(box, ancestors) -> bool:
    from weasyprint.formatting_structure import boxes

    line = next((a for a in reversed(ancestors) if isinstance(a, boxes.LineBox)), None)
    if line is None:
        return False
    texts = [b for b in _walk(line) if isinstance(b, boxes.TextBox)]
    return bool(texts) and texts[-1] is box


def _tag(box) -> str:
    return box.element_tag if box.element is not None and "::" not in (box.element_tag or "") else ""


def _tag_name(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]
