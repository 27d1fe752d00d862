"""The print PDF laid out a part at a time: each chapter, then the back matter, then the front matter.

Laid out as one document, a book holds the layout of every page at once — 737 MiB for the 751
pages of the Rust book's No Starch chapters (``bench/results/memory.md``) — on one core. But
chapters open on rectos, so a chapter's pages depend on the rest of the book only through its
first folio and the folios its cross-references print (its running heads are its own title and
the book's). So each chapter is laid out on its own, written to a PDF of its own and freed, on
every core (:class:`herpress.forked.Workers`); then the glossary and index, which print where
the chapters' marks fell (:mod:`.backmatter`); then the front matter, whose contents prints where
each of them begins. The parts are joined into the book (:mod:`.pdfjoin`).

A chapter laid out before the ones ahead of it are guesses what it cannot know yet — its first
folio, and the folios of the places it refers to in other chapters — from the last build
(:class:`Memo`) or from its length. Each part keeps what it assumed; once every chapter is laid
out, a chapter that assumed wrong is laid out again with the true numbers, until none did. The
check compares what was printed with what is true: it never hopes.

A chapter's own repairs stay its own: a figure moved down past the blocks that fill the gap before
it (:mod:`.floats`), and widows and orphans relaxed around a footnote WeasyPrint set away from its
call (:mod:`.relief`), lay that chapter out again, alone, whatever its page count becomes.

Only for profiles that write no links, bookmarks or tags (the printers'): a join would cut links
between parts and the structure tree. The screen profile is laid out as one document
(:func:`herpress.pdf.interior.layout`).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from .. import styles
from ..styles import css_string
from ..forked import Workers, cores
from ..model import Book
from .profiles import Profile
from .interior import Printed, PrintLayout, Typesetter, misplaced_notes, page_labels, write_layout

FRONT, BACK, FOLIOS = ":front", ":back", ":folios:"  # the parts that are not chapters (FOLIOS + a slug)
ROUNDS = 6  # a chapter's page count moving a number another prints, and back: then one document
GUTTER_PASSES = 3  # the inside margin depends on the page count, which depends on it


@dataclass(frozen=True)
class Task:
    """One part to lay out: what a worker needs beyond what it was forked with."""

    name: str  # a chapter's slug, FRONT or BACK
    first_folio: int
    folios: tuple[tuple[str, str], ...]  # (id, folio): a chapter's outside references; the contents' lines
    path: str  # where to write its PDF
    lists: dict | None = None  # the back matter's page lists (:func:`.backmatter.page_lists`)


@dataclass
class Part:
    """A part laid out and written: what the book needs of it once its layout is gone."""

    task: Task
    labels: list[str]  # the folio printed on each of its pages
    anchors: dict[str, int]  # every id in it -> the index of its first page in the part
    starts: list  # pagemap.PageStart of its pages, counted in the part
    misplaced: list[str]  # notes still set away from their call
    relieved: list[str]  # notes around whose calls widows and orphans were relaxed (.relief)
    warnings: list[str] = field(default_factory=list)  # WeasyPrint's own (herpress.pdf.weasylog)
    body: str | None = None  # a chapter's print HTML when the layout changed it (a figure moved down)
    folio_boxes: list[str] = field(default_factory=list)  # a chapter's: the margin box of each page's folio

    @property
    def pages(self) -> int:
        return len(self.labels)


@dataclass
class Memo:
    """What the last build's parts came to: the first guesses of the next one."""

    pages: dict[str, int] = field(default_factory=dict)  # part name -> its pages
    folios: dict[str, str] = field(default_factory=dict)  # id a reference names -> its folio


def can_print_in_parts(profile: Profile) -> bool:
    return not (profile.annotations or profile.bookmarks or (profile.pdf_variant or "").startswith("pdf/ua"))


def print_in_parts(book: Book, profile: Profile, target: Path, pages_hint: int,
                   memo: Memo | None = None, part_cache=None, progress=None) -> tuple[Printed, Memo] | None:
    """Lay the book out a part at a time and write it to ``target``; with the memo for the next
    build. ``None`` when the chapters' numbers would not settle (the caller lays the book out whole).

    ``part_cache`` (a :class:`herpress.cache.PartCache`) holds the parts of the last build: a part
    whose pages would be drawn from the same things is taken from it instead of laid out again.
    """
    from . import pdfjoin

    memo = memo or Memo()
    typesetter = Typesetter(book, profile)
    pages, written = max(pages_hint, profile.min_pages), []
    try:
        for n in range(GUTTER_PASSES):
            typesetter.prepare(pages, fit=False)  # each chapter's code and tables fitted by its worker
            try:
                with Workers(partial(lay_out, typesetter), cores()) as workers:
                    laying = Laying(typesetter, workers, part_cache, target, written, progress)
                    laid = _lay_out_book(book, typesetter, laying, memo, pages if n < GUTTER_PASSES - 1 else None)
            except _Replan as replan:  # the chapters alone already say the gutter is another
                pages, memo = replan.pages, replan.memo
                continue
            if laid is None:
                return None
            parts, folios, memo = laid
            total = sum(part.pages for part in parts)
            settled = profile.gutter(total) == profile.gutter(pages)
            pages = total
            if settled:
                break
        fonts = part_cache.fonts() if part_cache is not None else None
        pdfjoin.join([Path(part.task.path) for part in parts], target, over=folios, fonts=fonts)
        if part_cache is not None:
            part_cache.keep_only_used()
            fonts.keep_only_used()
    finally:
        for path in written:
            Path(path).unlink(missing_ok=True)
    return _printed(typesetter, parts), memo


class Laying:
    """Parts handed to the workers one by one, each made when a worker is free (so that it is made
    with the numbers of every part done by then), or taken from the last build's parts."""

    def __init__(self, typesetter: Typesetter, workers: Workers, part_cache, target: Path, written: list[str],
                 progress=None):  # progress(name, reused): told of each part done (herpress.build.part_progress)
        self.typesetter, self.workers, self.part_cache = typesetter, workers, part_cache
        self.target, self.written, self.progress = target, written, progress or (lambda name, reused: None)

    def lay(self, names: list[str], make, done) -> None:
        """For each name in order: ``task = make(name)``, laid out (or found in the cache), then
        ``done(part)`` — before the task of a later name is made, where a worker is free for it."""
        keys: dict[str, str] = {}

        def made(name: str):
            task = make(name)
            if self.part_cache is not None:
                keys[name] = part_key(self.typesetter, task, self.part_cache)
                hit = self.part_cache.get(keys[name])
                if hit is not None:
                    path, facts = hit
                    done(Part(replace(task, path=str(path)), **facts))
                    self.progress(name, True)
                    return None
            return replace(task, path=self.new_path())

        def finished(name: str, part: Part) -> None:
            if self.part_cache is not None:
                self.part_cache.put(keys[name], Path(part.task.path),
                                    {fact: getattr(part, fact) for fact in self.part_cache.FACTS})
            done(part)
            self.progress(name, False)

        self.workers.stream(names, made, finished)

    def one(self, task: Task) -> Part:
        found: list[Part] = []
        self.lay([task.name], lambda name: task, found.append)
        return found[0]

    def new_path(self) -> str:
        handle, name = tempfile.mkstemp(prefix=f"{self.target.name}.{len(self.written)}.",
                                        suffix=f".{os.getpid()}.part", dir=self.target.parent)
        os.close(handle)
        self.written.append(name)
        return name


class _Replan(Exception):
    """The chapters, laid out once, fill a book whose gutter is not the one they were laid out with."""

    def __init__(self, pages: int, memo: Memo):
        super().__init__(pages)
        self.pages, self.memo = pages, memo


FRONT_PAGES = 6  # half title, title, copyright and contents, each a recto with its verso: a guess


def _lay_out_book(book: Book, typesetter: Typesetter, laying: Laying, memo: Memo, pages: int | None):
    """The front matter, every chapter and the back matter, laid out and written, in book order,
    the chapters' folio pages, and the memo of it all; ``None`` if the numbers do not settle.
    ``pages``: the page count the gutter was chosen for (None: no replanning, the last pass). Once every chapter is laid out, if they
    and the front and back matter (as the last build had them, or guessed) make a book of another
    gutter, :class:`_Replan` is raised then, not after the back matter and a second round.

    A chapter is laid out with its folios hidden (drawn over it afterwards: :func:`_folio_pages`),
    so its pages depend on where it begins only when it prints a page number of its own pages."""
    from .backmatter import page_lists
    from .output import back_matter_pages

    slugs = [chapter.slug for chapter in book.chapters]
    owner = book.chapter_of_id()
    outside, within = _cited(book, typesetter.bodies, owner)
    placed = {slug for slug, cited in within.items() if cited}
    guessed = {chapter.slug: memo.pages.get(chapter.slug) or _estimate(typesetter, chapter) for chapter in book.chapters}
    parts: dict[str, Part] = {}

    def numbers():
        counts = [parts[slug].pages if slug in parts else guessed[slug] for slug in slugs]
        firsts = dict(zip(slugs, (1 + sum(counts[:n]) for n in range(len(slugs)))))

        def folio(element: str) -> str:
            slug = owner[element]
            part = parts.get(slug)
            if part is not None and element in part.anchors:  # where it falls does not depend on the folios
                return str(firsts[slug] + part.anchors[element])
            return memo.folios.get(element) or str(firsts[slug])
        return firsts, folio

    def assumed(slug: str) -> Task:
        firsts, folio = numbers()
        return Task(slug, firsts[slug] if slug in placed else 1,
                    tuple((element, folio(element)) for element in outside[slug]), "")

    def done(part: Part) -> None:
        parts[part.task.name] = part

    # a chapter that prints page numbers (its own, or other chapters') goes last, when most are known
    printing = {slug for slug in slugs if outside[slug] or slug in placed}
    pending = [slug for slug in slugs if slug not in printing] + [slug for slug in slugs if slug in printing]
    profile = typesetter.profile
    for round_ in range(ROUNDS):
        laying.lay(pending, assumed, done)
        if round_ == 0 and pages is not None:
            expected = (sum(parts[slug].pages for slug in slugs) + (memo.pages.get(FRONT) or FRONT_PAGES)
                        + (memo.pages.get(BACK) or round(back_matter_pages(book)) if book.glossary or book.index else 0))
            if profile.gutter(expected) != profile.gutter(pages):
                raise _Replan(expected, Memo(pages={**memo.pages, **{slug: parts[slug].pages for slug in slugs}},
                                             folios=memo.folios))
        pending = [slug for slug in slugs if replace(parts[slug].task, path="") != assumed(slug)]
        if not pending:
            break
    else:
        return None
    firsts, _ = numbers()
    body = sum(parts[slug].pages for slug in slugs)
    marks = {element: firsts[slug] - 1 + page for slug in slugs for element, page in parts[slug].anchors.items()}
    chapters = [_with_folios(parts[slug], firsts[slug]) for slug in slugs]
    # the back matter, and each chapter's folio pages apart (found in the cache while its folios
    # stay), all at once on every core; then the front matter, which names where the back begins
    tasks = {FOLIOS + part.task.name: Task(FOLIOS + part.task.name, 1, tuple(zip(part.folio_boxes, part.labels)), "")
             for part in chapters}
    if book.glossary or book.index:
        tasks = {BACK: Task(BACK, body + 1, (), "", page_lists(book, marks, lambda page: str(page + 1))), **tasks}
    drawn: dict[str, Part] = {}
    laying.lay(list(tasks), tasks.__getitem__, lambda part: drawn.__setitem__(part.task.name, part))
    back = drawn.get(BACK)
    contents = [(chapter.id, str(firsts[chapter.slug])) for chapter in book.chapters]
    if back is not None:
        contents += [(name, str(body + 1 + back.anchors[name])) for name in ("glossary", "index")
                     if name in back.anchors]
    front = laying.one(Task(FRONT, 1, tuple(contents), ""))
    offset, folios = front.pages, []
    for part in chapters:
        folios.append((Path(drawn[FOLIOS + part.task.name].task.path), offset))
        offset += part.pages
    memo = Memo(pages={**{slug: parts[slug].pages for slug in slugs}, FRONT: front.pages,
                       **({BACK: back.pages} if back is not None else {})},
                folios={element: str(firsts[slug] + page) for slug in slugs
                        for element, page in parts[slug].anchors.items()})
    return [front] + chapters + ([back] if back is not None else []), folios, memo


def _with_folios(part: Part, first: int) -> Part:
    """A chapter's part with the folios it has in the book (its pages print them: :func:`_folio_pages`)."""
    labels = [str(first + n) if box else "" for n, box in enumerate(part.folio_boxes)]
    return replace(part, labels=labels, starts=[replace(start, label=labels[start.page]) for start in part.starts])


def part_key(typesetter: Typesetter, task: Task, part_cache) -> str:
    """A digest of everything the part's pages are drawn from, beyond the cache's salt (herpress,
    its libraries, the print styles and fonts): the geometry, the stylesheets the profile and the
    interior choose (:func:`~herpress.pdf.interior.sheet_names`) and the inks it is written in,
    the numbers it prints, its markup and the images that markup draws."""
    from .interior import sheet_names
    from .profiles import inks

    book = typesetter.book
    common = (repr(typesetter.geometry), typesetter.profile.name, repr(sheet_names(book, typesetter.profile)),
              inks(typesetter.profile, book.print_settings.interior),  # a part is kept in its inks
              task.name, str(task.first_folio), repr(task.folios))
    if task.name == FRONT:
        return part_cache.key(*common, repr(book.metadata), repr([(c.id, c.number, c.kind, c.title_html)
                                                                  for c in book.chapters]),
                              str(bool(book.glossary)), str(bool(book.index)))
    if task.name.startswith(FOLIOS):
        return part_cache.key(*common)
    if task.name == BACK:
        return part_cache.key(*common, repr(book.metadata.title), repr(task.lists), repr(book.glossary),
                              repr(book.index))
    html, css = _chapter_markup(typesetter, task, typesetter.bodies[task.name])
    return part_cache.key(*common, html, css, *_drawn(book, html))


def _drawn(book: Book, html: str) -> list[str]:
    """A digest of each image the markup draws (a chart, as drawn; a file of the book, as it is)."""
    import hashlib
    import re

    from ..cache import file_digest

    found = []
    for name in dict.fromkeys(re.findall(r'\bsrc="([^"]+)"', html)):
        asset = book.assets.get(name)
        data = asset.data if asset is not None else None
        found.append(f"{name}\0" + (hashlib.sha256(data).hexdigest() if data is not None else str(file_digest(book.base / name))))
    return found


def _cited(book: Book, bodies: dict[str, str], owner: dict[str, str]):
    """Each chapter's cross-references to places in other chapters (each target once, in order),
    and to its own places (their page numbers depend on its first folio): read once each."""
    from .relief import references

    outside, within = {}, {}
    for chapter in book.chapters:
        targets = [target for target, _ in references(bodies[chapter.slug])]
        outside[chapter.slug] = list(dict.fromkeys(t for t in targets if owner.get(t) not in (None, chapter.slug)))
        within[chapter.slug] = [t for t in targets if owner.get(t) == chapter.slug]
    return outside, within


def _estimate(typesetter: Typesetter, chapter) -> int:
    """A chapter's pages, guessed from its length (~1,850 visible characters a 6×9 page), and
    even: each opens on a recto."""
    geometry = typesetter.geometry
    area = geometry.text_width * geometry.text_height / (4.8 * 7.5)
    pages = math.ceil(chapter.visible_characters() / (1850 * area)) or 1
    return pages + pages % 2


class _Fitted(dict):
    """Each chapter's print HTML as laid out: fitted to the measure (as each worker fitted it, again
    here only when asked: ``--html``), or as the layout changed it."""

    def __init__(self, typesetter: Typesetter, changed: dict[str, str]):
        super().__init__(changed)
        self.typesetter = typesetter

    def __missing__(self, slug: str) -> str:
        self[slug] = self.typesetter.fitted(self.typesetter.bodies[slug])
        return self[slug]


def _printed(typesetter: Typesetter, parts: list[Part]) -> Printed:
    labels, starts, notes, relieved, warnings, offset = [], [], [], [], [], 0
    for part in parts:
        labels += part.labels
        starts += [replace(start, page=start.page + offset) for start in part.starts]
        notes += part.misplaced
        relieved += part.relieved
        warnings += [warning for warning in part.warnings if warning not in warnings]
        offset += part.pages
    printed = Printed(len(labels), labels, starts, notes, typesetter.profile, typesetter.geometry, relieved,
                      bodies=_Fitted(typesetter, {p.task.name: p.body for p in parts if p.body is not None}),
                      page_lists=next((p.task.lists for p in parts if p.task.name == BACK), None))
    printed.warnings = warnings
    return printed


# --- in a worker -----------------------------------------------------------------------------


def lay_out(typesetter: Typesetter, task: Task) -> Part:
    """Lay one part out and write it to ``task.path`` (in a worker, or in this process)."""
    from . import weasylog

    with weasylog.surfaced(typesetter.book) as said:
        body = fitted = None
        if task.name.startswith(FOLIOS):
            document, relieved = _folio_pages(typesetter, task), []
        elif task.name == FRONT:
            document, relieved = _front(typesetter, task), []
        elif task.name == BACK:
            document, relieved = _back(typesetter, task), []
        else:
            fitted = typesetter.fitted(typesetter.bodies[task.name])
            document, relieved, body = _chapter(typesetter, task, fitted)
        part = _written(typesetter, task, document, relieved)
    part.warnings = said.warnings
    if body is not None and body != fitted:
        part.body = body
    return part


def _chapter(typesetter: Typesetter, task: Task, body: str):
    """The chapter laid out alone, its figures placed and its notes relieved: its pages (less
    the empty chapter's page that ends the document), the notes it was relieved around, and its
    print HTML.

    Relief (:mod:`.relief`) is tried around the notes astray; where that brings none of them back,
    around every note of the chapter (the sample's Why Samantha Leaves, screen profile: its first
    note stays astray relieved around itself alone); and the layout kept is the one with the fewest
    notes astray, the unrelieved one on a tie: relaxing widows and orphans moves page breaks, and a
    moved break can push another note off its call's page. A relieved layout is made in place
    (:mod:`.relayout`): from the page before the first relieved block, the pages that do not move
    kept (the benchmark's 20 chapters of 1,000 notes: 0.3–2.3 s each, 3.6–5.4 s laid out afresh)."""
    from . import floats, relayout, weasyfix
    from .relief import widened

    book, slug = typesetter.book, task.name
    chapter = next(chapter for chapter in book.chapters if chapter.slug == slug)
    floated, relieved, laid = False, [], None
    own_notes = {note.id for note in chapter.notes}
    best, first = None, None  # (notes astray, document, relieved around): the fewest so far; the first
    with weasyfix.note_heights_carried():  # the layouts below differ in widows, orphans and a figure's place
        while True:
            if laid is None:
                html, css = _chapter_markup(typesetter, task, body)
                laid = relayout.render(lambda: typesetter.render_more(html, css))
            else:  # relieved: laid out again in place, the pages that do not move kept
                laid = relayout.relieved(laid, relieved)
            document = laid.document
            if not floated:  # a figure that left a gap before it moves down, once
                floated, found = True, floats.moves(document)
                if found:
                    body, laid = floats.apply({slug: body}, found)[slug], None
                    continue
            astray = own_notes & set(misplaced_notes(PrintLayout(document, []), book))
            if best is None or len(astray) < best[0]:
                best = (len(astray), document, relieved)
            document = None  # the layouts that lose are freed at once
            if not astray:
                break
            if first is None:
                first, relieved = astray, sorted(astray)  # around the notes astray
            elif more := widened(book, first, astray, relieved):
                relieved = relieved + more  # none came back: around every note
            else:
                break
    laid = None  # its box tree and context are let go before the part is written (peak memory)
    _, document, relieved = best
    return document.copy(document.pages[:-1]), relieved, body


def _chapter_markup(typesetter: Typesetter, task: Task, body: str) -> tuple[str, str]:
    """The chapter alone as HTML, and the CSS that gives it its folios. Each cross-reference to a
    page outside the chapter carries that page's folio (``data-folio``), which one rule of the CSS
    prints: a rule per target (``a.xref[href="#x"]``), which no selector index narrows, made the
    cascade test every reference against every target — 1,000 references to 190 places in one
    chapter cost 190,000 matches a layout."""
    from .relief import with_outside_folios

    book, slug = typesetter.book, task.name
    env = styles.templates_for(book)
    chapter = next(chapter for chapter in book.chapters if chapter.slug == slug)
    html = env.get_template("print/chapter-alone.html.j2").render(
        meta=book.metadata, chapter=chapter, chapters=book.chapters, bodies={slug: with_outside_folios(body, dict(task.folios))})
    css = env.get_template("print/chapter-alone.css.j2").render(
        slug=slug, first_folio=task.first_folio, title=css_string(book.metadata.title), hide_folios=True)
    return html, css


def _back(typesetter: Typesetter, task: Task):
    from .backmatter import lay_out_back_matter

    return lay_out_back_matter(typesetter.book, task.lists, typesetter.render_more, first_folio=str(task.first_folio))


def _front(typesetter: Typesetter, task: Task):
    book = typesetter.book
    env = styles.templates_for(book)
    html = env.get_template("print/front-alone.html.j2").render(
        meta=book.metadata, chapters=book.chapters, glossary=book.glossary, index=book.index)
    css = env.get_template("print/front-alone.css.j2").render(folios=task.folios)
    document = typesetter.render_more(html, css)
    return document.copy(document.pages[:-1])


def _folio_pages(typesetter: Typesetter, task: Task):
    """One page per chapter page, with nothing but its folio, where the chapter's layout put it."""
    book = typesetter.book
    env = styles.templates_for(book)
    html = env.get_template("print/folios.html.j2").render(
        meta=book.metadata, pages=[(box.removeprefix("@") and "-" + box.removeprefix("@"), css_string(label))
                                   for box, label in task.folios])
    document = typesetter.render_more(html, env.get_template("print/folios.css.j2").render())
    if len(document.pages) != len(task.folios):
        raise RuntimeError(f"{len(document.pages)} folio pages laid out for {len(task.folios)} pages")
    return document


def _written(typesetter: Typesetter, task: Task, document, relieved: list[str]) -> Part:
    from ..pagemap import page_starts
    from .backmatter import first_pages

    labels = page_labels(document)
    laid_out = PrintLayout(document, labels, profile=typesetter.profile, geometry=typesetter.geometry)
    if task.name.startswith(FOLIOS):
        part = Part(task, labels, {}, [], [], [])
    else:
        part = Part(task, labels, first_pages(document), page_starts(laid_out, typesetter.book),
                    misplaced_notes(laid_out, typesetter.book), relieved)
    if task.name in typesetter.bodies:  # a chapter
        part.folio_boxes = folio_boxes(document)
    write_layout(typesetter.book, laid_out, Path(task.path))
    return part


def folio_boxes(document) -> list[str]:
    """The bottom margin box each page prints its folio in ("@bottom-right"…), "" where none."""
    found = []
    for page in document.pages:
        boxes = [box.at_keyword for box in page._page_box.children
                 if getattr(box, "at_keyword", "").startswith("@bottom") and _printed_text(box).strip()]
        found.append(boxes[0] if boxes else "")
    return found


def _printed_text(box) -> str:
    return (getattr(box, "text", "") or "") + "".join(_printed_text(child) for child in getattr(box, "children", []))
