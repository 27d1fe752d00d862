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
``<span epub:type="pagebreak" role="doc-pagebreak">`` into an EPUB document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "figure", "tr"}
EPUB_NS = "http://www.idpf.org/2007/ops"
XHTML_NS = "http://www.w3.org/1999/xhtml"
FOLIO = re.compile(r"[0-9]+|[ivxlcdm]+")
HYPHEN = "\u2010"  # WeasyPrint's default hyphenate-character
_SPACE = re.compile(r"\s+")


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
            blocks = _print_blocks(region_element)
            ordinal = next((n for n, element in enumerate(blocks) if element is block), -1)
            block_text = _print_text(block) if ordinal >= 0 else ""
        if ordinal < 0:
            offset = 0
        words = box.text.strip() if isinstance(box, boxes.TextBox) else "[image]"
        starts.append(PageStart(number, folios[number], region, ordinal, offset, block_text, words[:60]))
    return starts


def place_markers(document: etree._Element, starts: list[PageStart]) -> None:
    """Insert a page-break marker for each of ``starts`` (all of one region) into ``document``."""
    body = document.find(f"{{{XHTML_NS}}}body")
    blocks = _epub_blocks(body)
    texts = [_epub_text(block) for block in blocks]
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


def _match(blocks, texts, start: PageStart):
    """The EPUB block the page begins in: the one with the same text nearest the same ordinal."""
    if start.block < 0:
        return None
    same = [n for n, text in enumerate(texts) if start.block_text and text == start.block_text]
    if same:
        return blocks[min(same, key=lambda n: abs(n - start.block))]
    return blocks[start.block] if start.block < len(blocks) else None


def _before(block, marker) -> None:
    parent = block.getparent()
    if _tag_name(parent) in ("ol", "ul", "dl", "table", "tbody", "thead", "tfoot", "tr"):
        marker.tail, block.text = block.text, None  # a list item or row: the marker goes inside
        block.insert(0, marker)
    else:
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
            if _tag_name(child) == "section" and "notes" in (child.get("class") or "").split():
                continue
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
