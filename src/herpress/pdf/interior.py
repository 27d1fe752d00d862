"""The print PDF: the Book as one HTML document, laid out by WeasyPrint with ``print.css``.

The page geometry (trim, bleed, margins) comes from the book's print profile
(:mod:`herpress.pdf.profiles`). The inside margin depends on the page count, so the book
is laid out, counted, and laid out again only if the count falls in another gutter band.
Chapters where WeasyPrint set a footnote away from its call are laid out again on their own
(:mod:`herpress.pdf.relief`), and the glossary and index with merged page ranges
(:mod:`herpress.pdf.backmatter`). The printers' profiles lay the book out a part at a time
instead, on every core (:mod:`herpress.pdf.parts`); :func:`herpress.pdf.output.print_book` chooses.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import profiles
from .. import styles
from ..config import TRIMS
from ..framestack import roomy
from ..model import Book
from .profiles import Profile
from ..xhtml import html_readable, inner_xhtml, parse_html
from . import floats, print_code
from ..clock import source_date
from .print_fonts import font_configuration, font_faces

# The design's outside margin in inches, by trim (the inside one comes from the profile).
OUTSIDE = {"5x8": 0.55, "5.5x8.5": 0.58, "6x9": 0.6}
TOP, BOTTOM = 0.75, 0.8  # the running head and the folio sit in these
HEAD_ROOM = 0.35  # inches a running head or folio takes beyond the safety margin (print.css: 0.14 in + a line)
CAPTION_ROOM = 0.6  # inches an image leaves below it for its caption (three lines of 9 pt)


@dataclass(frozen=True)
class Geometry:
    """Where the type sits on the sheet, in inches."""

    width: float  # trim
    height: float
    inside: float  # margins from the trim
    outside: float
    bleed: float  # 0 when the interior does not bleed
    bleed_sides: str  # "outside" or "all"
    top: float = TOP
    bottom: float = BOTTOM

    @property
    def text_width(self) -> float:
        return self.width - self.inside - self.outside

    @property
    def text_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def image_height(self) -> float:
        """The tallest an image may be printed: the text block less a caption's room."""
        return self.text_height - CAPTION_ROOM

    def bleeds(self, side: str, page_side: str) -> float:
        """Bleed on ``side`` (top, bottom, left, right) of a ``page_side`` (left or right) page."""
        if not self.bleed:
            return 0.0
        if self.bleed_sides == "outside" and side == ("right" if page_side == "left" else "left"):
            return 0.0  # never on the spine edge
        return self.bleed


@dataclass
class PrintLayout:
    """What the layout tells the rest of herpress: how many pages and where things fell."""

    document: object  # weasyprint.Document
    page_labels: list[str]  # the folio printed on each page ("", "iii", "1", …)
    profile: Profile = field(default_factory=lambda: profiles.get("kdp"))
    geometry: Geometry | None = None
    passes: int = 1  # layouts needed to settle the gutter
    misplaced_notes: list[str] = field(default_factory=list)  # ids of notes not on their call's page
    relieved: list[str] = field(default_factory=list)  # footnotes around whose calls widows/orphans are 1
    bodies: dict[str, str] = field(default_factory=dict)  # each chapter's print HTML as laid out

    @property
    def page_count(self) -> int:
        return len(self.document.pages)

    def page_of(self, element_id: str) -> int | None:
        """The index of the first page holding ``element_id``."""
        for number, page in enumerate(self.document.pages):
            if element_id in page.anchors:
                return number
        return None


def print_bodies(book: Book) -> dict[str, str]:
    """Each chapter's body as the print book sets it: notes inline, figures drawn in."""
    env = styles.templates_for(book)
    figure_template = env.get_template("print/figure.html.j2")
    bodies = {}
    for chapter in book.chapters:
        container = chapter.tree_copy()  # the reader's tree, not the markup parsed again
        _footnotes_inline(container, {note.id: note for note in chapter.notes})
        figures = {figure.label: figure for figure in chapter.figures}
        for placeholder in list(container.iterfind(".//figure[@data-figure]")):
            rendered = parse_html(figure_template.render(figure=figures[placeholder.get("data-figure")]))[0]
            rendered.tail = placeholder.tail
            placeholder.getparent().replace(placeholder, rendered)
        floats.mark(container, chapter.slug)
        bodies[chapter.slug] = inner_xhtml(container)
    return bodies


def print_html(book: Book, bodies: dict[str, str] | None = None, stylesheets: list[str] = (),
               page_lists: dict | None = None) -> str:
    """The whole book as one HTML document, ready for the print stylesheet. For the print HTML
    folder (:mod:`.print_html`): ``stylesheets``, the files it links; ``page_lists``, the glossary's
    and index's page numbers as the layout printed them (else stand-ins of a folio's width)."""
    extra = {"page_lists": page_lists} if page_lists is not None else {}
    return html_readable(styles.templates_for(book).get_template("print/book.html.j2").render(
        meta=book.metadata, chapters=book.chapters, bodies=bodies or print_bodies(book), glossary=book.glossary,
        index=book.index, stylesheets=stylesheets, **extra))  # read by an HTML parser: WeasyPrint's, a browser's


def geometry(book: Book, profile: Profile, pages: int) -> Geometry:
    """The page geometry of this book under ``profile`` for a book of ``pages`` pages."""
    width, height = TRIMS[book.print_settings.trim]
    outside = max(OUTSIDE[book.print_settings.trim], profile.safety)
    bleed = profile.bleed if profile.bleeds(book.print_settings.full_bleed) else 0.0
    top, bottom = max(TOP, profile.safety + HEAD_ROOM), max(BOTTOM, profile.safety + HEAD_ROOM)
    return Geometry(width=width, height=height, inside=profile.inside_margin(pages, outside), outside=outside,
                    bleed=bleed, bleed_sides=profile.bleed_sides, top=top, bottom=bottom)


def sheet_names(book: Book, profile: Profile) -> list[str]:
    """The print stylesheets of this book under ``profile``: print.css, and print-cmyk.css where the
    interior ends in CMYK (its text in 100 % K, its output intent); a black-and-white interior
    prints no CMYK and embeds no colour profile (IngramSpark asks for none)."""
    from .profiles import inks

    return ["print.css"] + (["print-cmyk.css"] if inks(profile, book.print_settings.interior) == "cmyk" else [])


def stylesheets(book: Book, font_config, page_geometry: Geometry, profile: Profile, color_profiles: dict):
    """The stylesheets of :func:`sheet_names`, and the page geometry.

    ``color_profiles`` collects the sheets' ``@color-profile`` rules; pass the same dict to ``render``.
    """
    from weasyprint import CSS

    from ..fetcher import BookFetcher

    fetcher = BookFetcher(book)
    names = sheet_names(book, profile)
    sheets = [CSS(filename=str(styles.find(book.style_dirs, name)), font_config=font_config, url_fetcher=fetcher,
                  color_profiles=color_profiles) for name in names]
    css = styles.templates_for(book).get_template("print/page-geometry.css.j2").render(g=page_geometry)
    return [font_faces(book, font_config)] + sheets + [CSS(string=css, font_config=font_config, url_fetcher=fetcher)]


class Typesetter:
    """The book's print HTML, fonts and stylesheets, laid out as often as the print PDF needs."""

    def __init__(self, book: Book, profile: Profile):
        from . import weasyfix  # noqa: F401 -- WeasyPrint mended before anything is laid out

        self.book, self.profile = book, profile
        self.font_config = font_configuration(book)
        self.bodies = print_bodies(book)
        self.base_url = str(book.base) + "/"
        self.html = None  # made at the first layout, once the wide tables are fitted to the page
        self.geometry: Geometry | None = None
        self.color_profiles: dict = {}
        self.sheets: list = []  # print.css and the rest, parsed for the geometry (:meth:`prepare`)
        self.tables_fitted = False
        self.styled: set[str] | None = None  # the highlighting classes the print stylesheets style
        self.floated = False  # figures moved down once (:mod:`herpress.pdf.floats`)

    def styled_code(self) -> set[str]:
        """The highlighting classes the print stylesheets style."""
        names = sheet_names(self.book, self.profile)
        return set().union(*(print_code.styled_classes(styles.find(self.book.style_dirs, name).read_text(
            encoding="utf-8")) for name in names))

    def float_figures(self, document) -> list[str]:
        """Move the figures that left a gap before them (once); the chapters whose print HTML changed."""
        if self.floated:
            return []
        self.floated = True
        found = floats.moves(document)
        self.bodies = floats.apply(self.bodies, found)
        return list(dict.fromkeys(floats.chapter_of(move) for move in found))

    def set_geometry(self, pages: int) -> None:
        """The geometry of a book of ``pages`` pages, and the stylesheets parsed for it — once, here:
        the @font-face fonts are then in place before any worker is forked (each would write them
        into the one shared folder, and one found them half written)."""
        self.geometry, self.color_profiles = geometry(self.book, self.profile, pages), {}
        self.sheets = stylesheets(self.book, self.font_config, self.geometry, self.profile, self.color_profiles)

    def prepare(self, pages: int, fit: bool = True) -> None:
        """:meth:`set_geometry`; the first time, unless not ``fit``, fit every chapter's code and
        tables to its measure (the gutter moves a table's measure by a few points at most: fitted
        once). Then the charts, drawn on another core meanwhile, are waited for; their errors are
        raised here."""
        self.set_geometry(pages)
        if fit and not self.tables_fitted:
            self.bodies = {slug: self.fitted(body) for slug, body in self.bodies.items()}
            self.tables_fitted = True
        self.book.wait_for_assets()

    def fitted(self, body: str) -> str:
        """A chapter's print HTML with its code lightened and its wide tables fitted to the measure
        (:mod:`.print_code`, :mod:`.table_fit`)."""
        from .table_fit import fit_tables

        if self.styled is None:
            self.styled = self.styled_code()
        body = print_code.lighten({"": body}, self.styled, print_code.columns(self.geometry.text_width))[""]
        return fit_tables({"": body}, self.geometry, self.render_more)[""] if "<table" in body else body

    def render(self, pages: int, relieved: list[str]):
        """The whole book, its gutter that of a book of ``pages`` pages, with relief around the
        footnotes ``relieved`` (their ids)."""
        from weasyprint import HTML

        from ..fetcher import BookFetcher
        from .relief import relieved_bodies

        self.prepare(pages)
        if relieved:  # the relieved chapters' markup is marked (.relief): a document of its own
            html = HTML(string=print_html(self.book, relieved_bodies(self.book, self.bodies, relieved)),
                        base_url=self.base_url, url_fetcher=BookFetcher(self.book))
        else:
            if self.html is None:
                self.html = HTML(string=print_html(self.book, self.bodies), base_url=self.base_url,
                                 url_fetcher=BookFetcher(self.book))
            html = self.html
        return html.render(stylesheets=list(self.sheets), font_config=self.font_config,
                           color_profiles=self.color_profiles)

    def render_more(self, markup: str, css: str):
        """Another document laid out exactly like the book (stylesheets, fonts, geometry), plus ``css``."""
        from weasyprint import CSS, HTML

        from ..fetcher import BookFetcher

        sheets = list(self.sheets)
        return HTML(string=html_readable(markup), base_url=self.base_url, url_fetcher=BookFetcher(self.book)).render(
            stylesheets=sheets + [CSS(string=css, font_config=self.font_config, url_fetcher=BookFetcher(self.book))],
            font_config=self.font_config,
            color_profiles=self.color_profiles)


@roomy
def layout(book: Book, profile: Profile | None = None, relieve: bool = True, pages_hint: int | None = None):
    """Lay the book out under its print profile as one document; the result can be written and inspected.

    ``relieve=False`` keeps widows and orphans at 2 even where a footnote goes astray (for tests).
    ``pages_hint`` (the last build's page count) is the first guess of the gutter band; the
    layout is repeated, as without it, when the real count falls in another band. The printers'
    profiles are laid out a part at a time instead (:mod:`herpress.pdf.parts`).
    """
    from .coverage import check_coverage

    profile = profile or profiles.get(book.print_settings.profile)
    check_coverage(book)
    with collecting_less():
        return _layout(book, profile, relieve, pages_hint)


@contextmanager
def collecting_less():
    """A layout makes millions of long-lived objects, which Python's default thresholds have the
    garbage collector scan again and again (~0.45 s a full collection at 430 pages; ~10 % of a
    layout): while laying out, young objects are collected 14 times less often."""
    import gc

    thresholds = gc.get_threshold()
    gc.set_threshold(10_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _layout(book: Book, profile: Profile, relieve: bool, pages_hint: int | None):
    from ..fetcher import RefusedURL, refused_as_book_error
    from .relief import relieve as relieve_chapters

    typesetter = Typesetter(book, profile)
    pages, passes, relieved = max(pages_hint or 0, profile.min_pages), 0, []
    owner = book.chapter_of_id()
    try:  # stylesheets fetch too (@import, url()): a refused URL stops the build either way
        while True:  # until the gutter band holds and every footnote is on its call's page (at most 4 layouts)
            passes += 1
            document = None  # free the last pass's layout before the next one (peak memory)
            document = typesetter.render(pages, relieved)
            settled = profile.gutter(len(document.pages)) == profile.gutter(pages)
            pages = len(document.pages)
            moved = typesetter.float_figures(document)
            if moved:  # a figure moved down: those chapters laid out again, each on its own
                relaid = relieve_chapters(book, document, moved, page_labels(document), typesetter.bodies,
                                          typesetter.render_more, notes=relieved)
                if relaid is None and passes < 4:  # a chapter's pages changed: the whole book again
                    typesetter.html = None
                    continue
                document = relaid or document
                pages = len(document.pages)
            newly = [n for n in misplaced_notes(PrintLayout(document, []), book) if n not in relieved] if relieve else []
            relieved += newly
            if not settled and passes < 4:
                continue
            if newly and settled:  # lay out again only the chapters that need it, when that is exact
                relaid = relieve_chapters(book, document, list(dict.fromkeys(owner[n] for n in newly)),
                                          page_labels(document), typesetter.bodies, typesetter.render_more,
                                          notes=relieved)
                if relaid is not None:
                    document, relieved = _widening(book, relaid, newly, relieved, typesetter)
                    newly = []
            if not newly or passes == 4:
                break
    except RefusedURL as error:
        raise refused_as_book_error(error) from None
    # Issue 5: glossary and index pages relaid with merged page ranges (pdf/backmatter.py),
    # rendered exactly like the book, plus a little CSS of their own.
    from .backmatter import repaginate

    document = repaginate(book, document, page_labels(document), typesetter.render_more)
    result = PrintLayout(document=document, page_labels=page_labels(document), profile=profile,
                         geometry=typesetter.geometry, passes=passes, relieved=relieved, bodies=typesetter.bodies)
    result.misplaced_notes = misplaced_notes(result, book)
    return result


def _widening(book: Book, document, astray: list[str], relieved: list[str], typesetter):
    """``document`` relieved around every note of each chapter where relief around its notes
    ``astray`` brought none back (:func:`.relief.widened`), where that sets fewer astray and fits
    the chapter's pages; with the notes the document is relieved around."""
    from .relief import relieve, widened

    still = misplaced_notes(PrintLayout(document, []), book)
    more = widened(book, astray, still, relieved)
    if not more:
        return document, relieved
    owner = book.chapter_of_id()
    again = relieve(book, document, list(dict.fromkeys(owner[n] for n in more)), page_labels(document),
                    typesetter.bodies, typesetter.render_more, notes=relieved + more)
    if again is None or len(misplaced_notes(PrintLayout(again, []), book)) >= len(still):
        return document, relieved
    return again, relieved + more


def page_labels(document) -> list[str]:
    """The folio each page prints, read from its bottom margin boxes ("" where there is none)."""
    labels = []
    for page in document.pages:
        texts = [_box_text(box) for box in page._page_box.children
                 if getattr(box, "at_keyword", "").startswith("@bottom")]
        labels.append(" ".join(text for text in texts if text).strip())
    return labels


def _box_text(box) -> str:
    text = getattr(box, "text", "") or ""
    return text + "".join(_box_text(child) for child in getattr(box, "children", []))


def misplaced_notes(result: PrintLayout, book: Book) -> list[str]:
    """Footnotes set on another page than their call (WeasyPrint #1564 can push one a page early)."""
    from .backmatter import first_pages

    wrong, first_page = [], first_pages(result.document)  # one pass over the pages, not one per note
    for chapter in book.chapters:
        for note in chapter.notes:
            call, text = first_page.get(f"call-{note.id}"), first_page.get(note.id)
            if call is not None and text != call:
                wrong.append(note.id)
    return wrong


def pdf_options(profile: Profile) -> dict:
    return {"pdf_variant": profile.pdf_variant} if profile.pdf_variant else {}


@roomy
def write_layout(book: Book, result: PrintLayout, target: Path) -> None:
    """Write a laid-out book as the profile asks (no links or bookmarks for the printers), in the
    inks its interior prints in (:mod:`herpress.pdf.inks`: each part of a book converted as it is
    written, in its worker, and kept so in the part cache; the join only copies the pages)."""
    from .inks import convert

    document = result.document
    for page in document.pages:
        if not result.profile.annotations:
            page.links = []
        if not result.profile.bookmarks:
            page.bookmarks = []
    stamp = pdf_date()
    if stamp:  # PDF/X writes the time of day otherwise
        document.metadata.created = document.metadata.modified = stamp
    document.write_pdf(target, **pdf_options(result.profile))
    convert(target, book, result.profile)


def write_pdf(book: Book, target: Path, profile: Profile | None = None, pages_hint: int | None = None) -> PrintLayout:
    result = layout(book, profile, pages_hint=pages_hint)
    write_layout(book, result, target)
    return result


@dataclass
class Printed:
    """A print PDF written: what the build goes on with once the layout is gone."""

    page_count: int
    page_labels: list[str]
    starts: list  # pagemap.PageStart of every page, for the EPUB's page-list
    misplaced_notes: list[str]
    profile: Profile
    geometry: Geometry
    relieved: list[str]  # footnotes around whose calls widows and orphans were relaxed
    warnings: list[str] = field(default_factory=list)  # WeasyPrint's own, about the book (weasylog.py)
    memo: object = None  # what the parts came to, for the next build's guesses (parts.Memo)
    bodies: dict[str, str] = field(default_factory=dict)  # each chapter's print HTML as laid out
    page_lists: dict | None = None  # the glossary's and index's page numbers, where the parts made them


def pdf_date() -> str | None:
    """SOURCE_DATE_EPOCH as the PDF's creation and modification date (PDF/X writes the time of day otherwise)."""
    moment = source_date()
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00") if moment else None


def _footnotes_inline(container, notes: dict) -> None:
    """Each note call becomes the note itself, floated to the foot of its page by the CSS."""
    for call in list(container.iterfind(".//a[@class='noteref']")):
        note = notes[call.get("href")[1:]]
        body = note.tree_copy()
        marker = etree.Element("span", {"class": "footnote-call-at", "id": f"call-{note.id}"})
        call.addprevious(marker)  # where the call is, to check the note lands on the same page
        span = etree.Element("span", {"class": "footnote", "id": note.id})
        span.text = body.text
        for block in body:
            if block.tag == "p":  # a footnote is inline in print: paragraphs become spans
                block.tag = "span"
                block.set("class", "footnote-para")
            span.append(block)
        span.tail = call.tail
        call.getparent().replace(call, span)
