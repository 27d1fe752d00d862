"""Footnote relief: a footnote WeasyPrint set on another page than its call.

WeasyPrint 70 moves a note to the next page when the line that calls it is kept on its page by
the widows and orphans rules (#1564, #1924; with ``footnote-policy: line`` that is the only way a
note that fits on a page leaves its call's). Around each such note, widows and orphans are
relaxed to 1 — in the block holding its call, the block before it and the two after it
(:func:`relieved_markup`; the rule is print.css's ``.relief``): a widow is a lesser fault than a
note away from its call — and the chapter is laid out again (in place: :mod:`.relayout`).
Relaxed only there, the rest of the chapter breaks as it did: relaxed around every note call of a
chapter, a chapter dense with notes broke everywhere anew and sent more notes astray than it
brought back (a benchmark chapter of 1,000 notes: 8 astray as laid out, 13 relieved that way, 3
relieved around the 8 alone).

Every chapter opens on a recto, so a chapter's layout does not depend on the pages before it:
the chapter is laid out again *on its own*, with the folio, running head and outside page
numbers it has in the book, and its pages take the place of the old ones — the rest of the
book is not laid out again. That is exact only if the chapter still fills the same number of
pages and every place the rest of the book refers to stays on its page; when it does not,
:func:`relieve` says so (``None``) and the caller lays the whole book out again.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection

from .. import styles
from ..model import Book
from ..styles import css_string


RELIEVED = ("p", "li", "blockquote")  # the blocks a note's call can sit in whose lines can break


def relieved_markup(body: str, notes: Collection[str]) -> str:
    """A chapter's print HTML with widows and orphans relaxed around the calls of these footnotes
    (their ids): class ``relief`` (print.css: ``orphans: 1; widows: 1``) on each of
    :func:`relieved_blocks`.

    Marked in the markup, not selected by a rule per note: four ``:has()`` selectors a note, which
    no selector index narrows, had the cascade test each of them on every element — a benchmark
    chapter of 1,000 notes relieved around all of them took 76.7 s to cascade, 0.63 s marked
    (around 8 of them: 1.13 s, 0.85 s marked; the marking itself 0.01 s)."""
    from ..xhtml import inner_xhtml, parse_xhtml

    if not notes or not body:
        return body
    container = parse_xhtml(body)
    marked = relieved_blocks(container, notes)
    if not marked:
        return body
    for element in marked:
        classes = (element.get("class") or "").split()
        if "relief" not in classes:
            element.set("class", " ".join(classes + ["relief"]))
    return inner_xhtml(container)


def relieved_blocks(root, notes: Collection[str]) -> list:
    """The elements under ``root`` (an ElementTree-like tree: lxml's or WeasyPrint's) whose widows
    and orphans are relaxed around the calls of ``notes``: each p, li or blockquote holding one,
    the element before it and the two after it, each once."""
    notes = set(notes)
    parents = {child: parent for parent in root.iter() for child in parent}
    siblings: dict = {}  # parent -> (its child elements, each one's place among them)

    def around(block) -> list:
        parent = parents.get(block)
        if parent is None:
            return [block]
        if parent not in siblings:
            children = [child for child in parent if isinstance(child.tag, str)]  # not comments
            siblings[parent] = children, {child: n for n, child in enumerate(children)}
        children, place = siblings[parent]
        n = place[block]
        return children[max(0, n - 1):n + 3]

    marked: dict = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id") in notes:
            up = parents.get(element)
            while up is not None:
                if up.tag in RELIEVED:
                    marked.update(dict.fromkeys(around(up)))
                up = parents.get(up)
    return list(marked)


def relieved_bodies(book: Book, bodies: dict[str, str], notes: Collection[str]) -> dict[str, str]:
    """Each chapter's print HTML, relieved around those of ``notes`` it holds (:func:`relieved_markup`)."""
    owner = book.chapter_of_id()
    slugs = {owner[note] for note in notes if note in owner}
    return {slug: relieved_markup(body, notes) if slug in slugs else body for slug, body in bodies.items()}


def widened(book: Book, before: Collection[str], after: Collection[str], relieved: Collection[str]) -> list[str]:
    """The notes to relieve around next: every note, not relieved around yet, of each chapter where
    relief around its notes astray (``before``) brought none of them back (as many astray
    ``after``). Such a note is astray for no reason near its call; relaxing the whole chapter moves
    its page breaks further (the sample's Why Samantha Leaves, screen profile: its first note stays
    a page after its call relieved around itself alone, and comes back relieved around both)."""
    owner = book.chapter_of_id()
    counted = Counter(owner[note] for note in before)
    still = Counter(owner[note] for note in after)
    stuck = {slug for slug, astray in counted.items() if still[slug] >= astray}
    return [note.id for chapter in book.chapters if chapter.slug in stuck for note in chapter.notes
            if note.id not in relieved]


def relieve(book: Book, document, slugs: list[str], labels: list[str], bodies: dict[str, str],
            render: Callable[[str, str], object], notes: Collection[str] = ()):
    """``document`` with the chapters ``slugs`` laid out again, each on its own, with relief
    around ``notes`` (ids of footnotes astray); or ``None`` when one of them would no longer fit
    its pages exactly.

    ``labels``: the folio printed on each page of ``document``; ``bodies``: each chapter's print
    HTML; ``render(html, css)`` lays out another HTML document the way the book was, with ``css``
    after its stylesheets. Without ``notes`` the chapters are laid out again as they are (their
    print HTML changed: :mod:`herpress.pdf.floats` moved a figure).
    """
    from .backmatter import first_pages

    env = styles.templates_for(book)
    chapters = {chapter.slug: chapter for chapter in book.chapters}
    owner = book.chapter_of_id()
    cited = {name: references(body) for name, body in bodies.items()}  # read once, for every chapter
    ends = [f"section-{c.slug}" for c in book.chapters[1:]] + ["glossary-section", "index-section"]
    for slug in dict.fromkeys(slugs):
        chapter = chapters[slug]
        own = {note.id for note in chapter.notes}
        anchors = first_pages(document)
        start = anchors.get(f"section-{slug}")
        later = ends[book.chapters.index(chapter):]
        end = next((anchors[name] for name in later if name in anchors), None)
        if start is None or end is None or not labels[start].isdigit():
            return None  # the last thing in the book (no recto after it to align with)
        outside = {target: labels[anchors[target]] or "0"
                   for target, _ in cited[slug] if owner.get(target) != slug and target in anchors}
        html = env.get_template("print/chapter-alone.html.j2").render(
            meta=book.metadata, chapter=chapter, chapters=book.chapters,
            bodies={slug: with_outside_folios(relieved_markup(bodies[slug], own & set(notes)), outside)})
        css = env.get_template("print/chapter-alone.css.j2").render(
            slug=slug, first_folio=int(labels[start]), title=css_string(book.metadata.title), hide_folios=False)
        alone = render(html, css)
        pages = alone.pages[:-1]  # the last page is the empty chapter's, after the blank verso if any
        if len(pages) != end - start:
            return None
        relaid = document.copy(document.pages[:start] + pages + document.pages[end:])
        # every page number the rest of the book (text and notes) and the contents print for a
        # place in this chapter must still be true
        referred = {target for other, found in cited.items() if other != slug
                    for target, _ in found if owner.get(target) == slug} | {f"section-{slug}"}
        after = first_pages(relaid)
        if any(anchors.get(target) != after.get(target) for target in referred):
            return None
        document = relaid
    return document


_XREF = re.compile(r'<a\b[^>]*\bclass="xref"[^>]*>')  # a cross-reference's opening tag
_TARGET = re.compile(r'\bhref="#([^"]+)"')


def references(body: str) -> list[tuple[str, str]]:
    """(target id, kind) of every cross-reference in a chapter's print HTML."""
    found = []
    for tag in _XREF.findall(body):
        target, kind = _TARGET.search(tag), re.search(r'\bdata-kind="([^"]+)"', tag)
        if target and kind:
            found.append((target.group(1), kind.group(1)))
    return found


def with_outside_folios(body: str, folios: dict[str, str]) -> str:
    """``body`` with ``data-folio="47"`` on each cross-reference whose target ``folios`` places."""
    import html

    if not folios:
        return body

    def marked(match) -> str:
        target = _TARGET.search(match[0])
        folio = folios.get(target[1]) if target else None
        return match[0] if folio is None else f'{match[0][:-1]} data-folio="{html.escape(folio)}">'

    return _XREF.sub(marked, body)
