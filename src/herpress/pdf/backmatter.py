"""The glossary's and the index's page numbers, read from the real layout.

The book is laid out once with the glossary and index at its end, each mark's page number
standing in as a box of a folio's width (``print.css``: no ``target-counter()`` per mark, which
costs WeasyPrint time quadratic in the marks — every target it places is looked for in every
reference). Then, knowing on which page every mark fell, only the glossary and index are laid
out again as a small second document — same stylesheets, the folio continuing — with each
entry's pages merged ("12, 12" → "12") and runs collapsed ("12, 13, 14" → "12–14"), and its
pages replace theirs. The rest of the book is not laid out twice.

The contents page, laid out the first time, names the page where the index begins. If the
merged lists would move it (the shorter lists needing fewer pages), the glossary is laid out
in the shape it had the first time instead — each use's page in the box that stood in for it,
so that it fills the same pages — and the index, merged, begins where the contents says: no
printed number is ever wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import styles
from ..model import Book, Location

RANGE_DASH = "\u2013"


def repaginate(book: Book, document, labels: list[str], render: Callable[[str, str], object],
               anchors: dict[str, int] | None = None):
    """``document`` with its glossary and index pages replaced by ones listing merged page ranges.

    ``labels`` holds the folio printed on each page of ``document``; ``render(html, css)``
    lays out another HTML document the way the book was, with ``css`` after its stylesheets;
    ``anchors``, where every mark fell (:func:`first_pages`), when ``document`` does not hold
    the final pages of every chapter.
    """
    if not (book.glossary or book.index):
        return document
    anchors = anchors if anchors is not None else first_pages(document)
    start = anchors.get("glossary-section" if book.glossary else "index-section")
    if start is None:
        return document
    folio = _folios(labels, anchors.get(book.chapters[0].id, 0))
    lists = page_lists(book, anchors, folio)
    back = lay_out_back_matter(book, lists, render, first_folio=folio(start))
    if book.glossary and book.index:
        named = anchors.get("index-section")  # the contents names this page for the index; keep it true
        if named is None:
            return document
        if start + first_pages(back).get("index-section", -1) != named:
            shaped = dict(lists, **use_lists(book, anchors, folio))
            back = lay_out_back_matter(book, shaped, render, first_folio=folio(start), shaped=True)
            if start + first_pages(back).get("index-section", -1) != named:
                return document  # not laid out as the first time (a book's own print.css): keep that
    return document.copy(document.pages[:start] + back.pages)


def first_pages(document) -> dict[str, int]:
    """Every anchor (element id) → the index of the first page holding it."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def page_lists(book: Book, anchors: dict[str, int], folio: Callable[[int], str]) -> dict[str, list[tuple[str, str]]]:
    """Entry id → [(text, id of the first mark it covers)], e.g. ``[("3", "gu-a-1"), ("12–14", "gu-b-4")]``."""
    entries = [(entry.id, entry.uses) for entry in book.glossary]
    for main in book.index:
        entries += [(main.id, main.locations)] + [(sub.id, sub.locations) for sub in main.subentries]
    return {entry_id: collapse(_placed(locations, anchors), folio) for entry_id, locations in entries}


def use_lists(book: Book, anchors: dict[str, int], folio: Callable[[int], str]) -> dict[str, list[tuple[str, str]]]:
    """Glossary entry id → the folio of each of its uses, one by one, as the first layout listed them."""
    return {entry.id: [(folio(anchors[use.id]) if use.id in anchors else "", use.id) for use in entry.uses]
            for entry in book.glossary}


def collapse(placed: list[tuple[int, str]], folio: Callable[[int], str]) -> list[tuple[str, str]]:
    """Page indexes (with a mark id each) → folios, each page once, consecutive numbered pages as ranges."""
    runs: list[list[tuple[int, str]]] = []  # [(first page, mark id), (last page, _)]
    for page, mark in sorted(placed):
        if runs and page == runs[-1][1][0]:
            continue  # the same page again
        if runs and page == runs[-1][1][0] + 1 and folio(page).isdigit() and folio(runs[-1][1][0]).isdigit():
            runs[-1][1] = (page, mark)
        else:
            runs.append([(page, mark), (page, mark)])
    return [(folio(first) if first == last else f"{folio(first)}{RANGE_DASH}{folio(last)}", mark)
            for (first, mark), (last, _) in runs]


def _placed(locations: list[Location], anchors: dict[str, int]) -> list[tuple[int, str]]:
    return [(anchors[location.id], location.id) for location in locations if location.id in anchors]


def _folios(labels: list[str], first_arabic: int) -> Callable[[int], str]:
    """The folio of a page: as printed, or counted from the first arabic page where none is printed."""
    def folio(page: int) -> str:
        if page < len(labels) and labels[page]:
            return labels[page]
        return str(page - first_arabic + 1)
    return folio


SHAPED = "shaped"  # the glossary's class when laid out in its first shape (print.css sizes its page boxes)


def lay_out_back_matter(book: Book, lists, render, first_folio: str, shaped: bool = False):
    """The glossary and index laid out on their own; ``shaped``: the glossary as the first layout
    set it — every entry's list said "Pages", each number in the box a stand-in had."""
    env = styles.templates_for(book)
    html = env.get_template("print/backmatter.html.j2").render(
        meta=book.metadata, glossary=book.glossary, index=book.index, page_lists=lists,
        running_title=book.metadata.title)
    if shaped:
        glossary, _, index = html.partition('<section class="chapter back index"')
        glossary = glossary.replace('<section class="chapter back glossary"',
                                    f'<section class="chapter back glossary {SHAPED}"', 1)
        glossary = glossary.replace('<span class="pages-word">Page</span>', '<span class="pages-word">Pages</span>')
        html = glossary + ('<section class="chapter back index"' if index else "") + index
    css = env.get_template("print/backmatter-pages.css.j2").render(
        side="right", first_folio=int(first_folio) if first_folio.isdigit() else 1)
    return render(html, css)
