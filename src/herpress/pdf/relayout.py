"""A chapter laid out again *in place* with footnote relief: the pages before the first relieved
block are kept, and so is every page after the layout falls back into step.

Relief (:mod:`.relief`) relaxes widows and orphans around a few notes a chapter set astray, and the
chapter is laid out again. Laid out afresh, that second layout costs what the first did — the
cascade, the box tree and every page: a chapter of 1,000 notes on 46 pages, 7 s of its 14 s. Yet
only the styles of a few blocks change, and WeasyPrint already knows how to lay out again only
what changed: when a page number a page prints changes, it makes that page again from the state
it began with (``context.page_maker``) and the pages after it while their starting state differs,
and keeps the rest (``make_all_pages``). Here the same machinery is asked to do it for relief:

1. the first layout is made as usual, keeping its box tree, its layout context and each page as
   ``make_all_pages`` made it (before the margin boxes were added);
2. the relieved elements' boxes — the block holding a note's call, the one before it and the two
   after it, and everything inside them, the note's own box included, as CSS would inherit it —
   get ``orphans: 1; widows: 1``, in a copy of their style (WeasyPrint shares one style among
   the elements that cascade alike: set in place, it relaxed 190 paragraphs instead of 12);
3. each page holding one of them, and the page before it, is marked changed, and WeasyPrint's
   ``layout_document`` runs again over the kept pages (its page maker not reset).

The result is the layout a fresh render with the relief rule gives, page for page (the test
compares their text and positions), for the cost of the pages that really move.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass, field

from .relief import relieved_blocks


@dataclass
class Laid:
    """A document laid out, with what laying it out again in place needs."""

    document: object  # weasyprint.Document
    html: object  # the weasyprint.HTML it was laid out from
    root: object  # the box tree
    context: object  # the LayoutContext
    footnotes: list  # every footnote box of the document, as the box tree was built
    raw: list = field(default_factory=list)  # (page box, its children, its root's children) as made


def render(make: Callable[[], object]) -> Laid:
    """``make()`` (a WeasyPrint render), kept for :func:`relieved`."""
    import weasyprint.document as wp_document
    import weasyprint.layout as wp_layout

    seen: dict = {}
    layout_document, make_all_pages = wp_document.layout_document, wp_layout.make_all_pages

    def keeping_layout(html, root_box, context, *args, **kwargs):
        seen.update(html=html, root=root_box, context=context, footnotes=list(context.footnotes))
        return layout_document(html, root_box, context, *args, **kwargs)

    with _patched(wp_document, "layout_document", keeping_layout), \
            _patched(wp_layout, "make_all_pages", _keeping_pages(make_all_pages, seen)):
        document = make()
    return Laid(document, seen["html"], seen["root"], seen["context"], seen["footnotes"], seen["raw"])


def relieved(laid: Laid, notes: Collection[str]) -> Laid:
    """``laid`` laid out again with widows and orphans at 1 around the calls of ``notes``; the pages
    that do not move are kept. ``laid`` is used up (its later pages become the new layout's);
    its document still draws as it was."""
    from weasyprint.document import Document, Page
    import weasyprint.layout as wp_layout

    elements = {inner for block in relieved_blocks(laid.html.etree_element, notes) for inner in block.iter()}
    if not elements:
        return laid
    relaxed: dict = {}  # a style -> its copy with widows and orphans at 1 (WeasyPrint shares equal styles)
    for box in _boxes(laid):
        if box.element in elements:
            if id(box.style) not in relaxed:
                copy = box.style.copy()
                copy["orphans"] = copy["widows"] = 1
                relaxed[id(box.style)] = relaxed[id(copy)] = copy  # (a style met again, already relaxed)
            box.style = relaxed[id(box.style)]
    context, old = laid.context, laid.raw
    cooked = [(page, page.children, page.children[0].children) for page, _, _ in old]
    for page, children, root_children in old:  # as make_all_pages made them: margin boxes are added again
        page.children, children[0].children = children, root_children
    for index, (page, _, _) in enumerate(old):
        if any(box.element in elements for box in page.descendants()):
            for changed in {max(0, index - 1), index}:  # the page before: a block moved up onto it
                context.page_maker[changed][-1]["content_changed"] = True
    context.footnotes = list(laid.footnotes)
    context.string_set = defaultdict(lambda: defaultdict(list))  # gathered again from every page
    seen: dict = {}
    first, keeping = [page for page, _, _ in old], _keeping_pages(wp_layout.make_all_pages, seen)

    def from_kept_pages(context, root_box, html, pages):  # layout_document's first run starts with none
        return keeping(context, root_box, html, pages or first)

    with _patched(wp_layout, "initialize_page_maker", lambda context, root_box: None), \
            _patched(wp_layout, "make_all_pages", from_kept_pages):
        pages = list(wp_layout.layout_document(laid.html, laid.root, context))
    kept = {id(page) for page in pages}
    for page, children, root_children in cooked:  # a page the new layout left: as the old document drew it
        if id(page) not in kept:
            page.children, children[0].children = children, root_children
    before = laid.document
    document = Document([Page(page) for page in pages], before.metadata, before.url_fetcher, before.font_config,
                        before.color_profiles, before.output_intent)
    document._html = laid.html
    return Laid(document, laid.html, laid.root, context, laid.footnotes, seen["raw"])


def _boxes(laid: Laid):
    """Every box of the box tree and of its footnotes."""
    yield from laid.root.descendants()
    for note in laid.footnotes:
        yield from note.descendants()


def _keeping_pages(make_all_pages, seen: dict):
    """``make_all_pages`` keeping each page it yields as it was made (``seen["raw"]``, the last run's)."""

    def keeping(context, root_box, html, pages):
        raw = seen["raw"] = []
        for page in make_all_pages(context, root_box, html, pages):
            raw.append((page, page.children, page.children[0].children))
            yield page
    return keeping


@contextmanager
def _patched(module, name: str, value):
    before = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, before)
