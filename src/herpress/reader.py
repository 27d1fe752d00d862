"""Read a book folder into the :class:`~herpress.model.Book` — the only place Markdown is parsed."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import markdown
from lxml import etree
from markdown.extensions.abbr import AbbrExtension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.md_in_html import MarkdownInHtmlExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from pymdownx.highlight import HighlightExtension
from pymdownx.superfences import SuperFencesCodeExtension

from . import images, rawhtml, styles
from .cache import ChapterCache
from .charts.draw import draw_charts
from .charts.frame import print_frame
from .codelines import split_lines
from .errors import BookError, BookErrors, Problems, each
from .forked import cores, detach_streams
from .extensions import blocks
from .extensions.charts import ChartExtension
from .extensions.crossrefs import CrossRefExtension
from .extensions.divs import FencedDivExtension
from .extensions.fences import FenceInfoExtension, with_default_language
from .extensions.lists import ListIndentExtension
from .extensions.stray_html import StrayHtmlExtension
from .extensions.glossary import GlossaryExtension
from .extensions.image_figures import take_figures
from .extensions.index import IndexExtension, emphasis, parse_mark
from .extensions.tables import TableCaptionExtension, empty_headers_as_cells, take_caption
from .model import (Asset, Book, BookWarning, Chapter, Figure, GlossaryEntry, Heading, IndexEntry, Illustration,
                    Location, Note, Table)
from .sources import Entry, Manuscript, Page, Text, open_book
from .xhtml import drop, inner_xhtml, parse_html, parse_xhtml, plain_text, unwrap

SMART = {  # SmartyPants, writing characters rather than HTML entities
    "left-single-quote": "\u2018", "right-single-quote": "\u2019",
    "left-double-quote": "\u201c", "right-double-quote": "\u201d",
    "ndash": "\u2013", "mdash": "\u2014", "ellipsis": "\u2026",
    "left-angle-quote": "\u00ab", "right-angle-quote": "\u00bb",
}


def load_book(book_dir: Path, cache_dir: Path | None = None, chapter_cache: ChapterCache | None = None,
              source: Manuscript | None = None) -> Book:
    """Read the book in ``book_dir`` — whichever way it is kept (:mod:`herpress.sources`) — into a
    Book. Raises :class:`BookError` on bad input: every problem found, in one :class:`BookErrors`.

    ``cache_dir`` keeps drawn charts; ``chapter_cache`` keeps each chapter's Markdown → HTML
    (:mod:`herpress.cache`), so only changed chapters are converted again.
    """
    source = source or open_book(book_dir)
    root = source.root
    metadata = dataclasses.replace(source.config.book)
    metadata.slug = metadata.slug or slugify(metadata.title)[:MAX_SLUG].strip("-") or "book"
    style_dirs = styles.style_dirs(root)
    problems = Problems()

    converter = _Converter(source, chapter_cache, problems)
    converter.prefetch(source.entries)
    chapters = []
    for entry in source.entries:
        with problems.collecting():
            chapters.append(converter.chapter(entry))
    converter.incomplete = bool(problems)  # references into a chapter that could not be read are not its fault
    gray = source.config.print.interior == "bw" and source.config.print.profile != "screen"  # grey ink (the
    # screen PDF is read in colour): the print SVGs in greys, series apart by tone and hatch, not by hue
    charts = draw_charts([figure.spec for chapter in chapters for figure in chapter.figures],
                         fonts=styles.chart_fonts(style_dirs), cache_dir=cache_dir,  # meanwhile, on another core
                         print_tones="gray" if gray else "color",
                         print_frame=print_frame(source.config.print.trim))  # the trim's narrowest text
    # block under any profile: the layout only enlarges a chart, its type stays at 7 pt or more
    try:
        return _finish(source, metadata, style_dirs, chapters, converter, problems, charts)
    except BaseException as error:  # no book: the drawing process ends with the reading
        charts.abandon(interrupted=isinstance(error, KeyboardInterrupt))
        raise


def _finish(source, metadata, style_dirs, chapters, converter, problems, charts) -> Book:
    """The Book made from its chapters read: numbered, resolved, its problems raised, its assets."""
    root = source.root
    while True:  # each chapter that appears again is one problem
        count = len(chapters)
        with problems.collecting():
            _check_unique(chapters)
        if len(chapters) == count:
            break
    _number(chapters)
    glossary = []
    if source.glossary is not None:
        with problems.collecting():
            glossary = converter.glossary(source.glossary)
        converter.incomplete_glossary = not glossary

    book = Book(root=root, metadata=metadata, chapters=chapters, glossary=glossary,
                style_dirs=style_dirs, print_settings=source.config.print, base=source.base,
                config_file=source.config_file, warnings=list(source.warnings) + converter.warnings)
    _resolve(book, converter)
    problems.raise_any()
    _warn_unused(book)
    book.assets.update(converter.images)
    if metadata.cover:
        book.cover = images.cover(root, source.base, metadata.cover, source.config_file)
    for n, figure in enumerate(book.figures):  # the images wait for the drawing only when first read
        book.assets[figure.svg_name] = Asset(figure.svg_name, "image/svg+xml", lambda n=n: charts()[n].outlined)
        book.assets[figure.print_svg_name] = Asset(figure.print_svg_name, "image/svg+xml", lambda n=n: charts()[n].svg)
        book.assets[figure.png_name] = Asset(figure.png_name, "image/png", lambda n=n: charts()[n].png)
    return book


MAX_SLUG = 80  # file names are made from the slug: a very long title must not make an unwritable one


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "book"


def sort_key(text: str) -> str:
    """Case- and accent-insensitive order, as a reader looks things up."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def line_of(text: str, needle: str, nth: int = 1) -> int | None:
    """Line of the ``nth`` occurrence of ``needle`` in ``text`` (None when there are fewer)."""
    position = -1
    for _ in range(nth):
        position = text.find(needle, position + 1)
        if position < 0:
            return None
    return text.count("\n", 0, position) + 1


class _Converter:
    """One Markdown instance with herpress's extensions, reset for each chapter."""

    def __init__(self, source: Manuscript, cache: ChapterCache | None = None, problems: Problems | None = None):
        self.source, self.root, self.manuscript, self.cache = source, source.root, source.base, cache
        self.problems = problems if problems is not None else Problems()
        self.prefetched: dict[tuple[str, str], tuple] = {}  # (file as shown, text) -> (html, chart specs, notes)
        self.charts = ChartExtension()
        self.stray = StrayHtmlExtension()
        self._md: markdown.Markdown | None = None  # made when a file is first converted
        self.files: dict[str, str] = {}  # chapter slug -> its own file, as shown in messages
        self.texts_of: dict[str, Text] = {}  # chapter slug -> its text: lines for messages, and their files
        self.images: dict[str, Asset] = {}  # the author's images, by their path under the book's base
        self.texts: dict[Path, Text] = {}  # chapter texts prefetch() read, for convert() not to read them again
        self.containers: dict = {}  # chapter slug -> its body, resolved once every chapter is read
        self.pages: dict[Path, str] = {}  # every page file -> the slug of the chapter it is part of
        self.warnings: list[BookWarning] = []
        self.warned: set[str] = set()
        self.incomplete = self.incomplete_glossary = False  # a chapter (the glossary) could not be read
        self.code_language = source.config.contents.code_language

    def read(self, entry: Entry) -> Text:
        """A chapter's text, each code fence that names no language given the book's (book.toml's
        ``code_language``), so the chapter cache keys the text as converted."""
        text = self.source.text(entry)
        return dataclasses.replace(text, text=with_default_language(text.text, self.code_language))

    def text_of(self, entry: Entry) -> Text:
        text = self.texts.pop(entry.path, None) or self.read(entry)
        self.warnings += [BookWarning(message, file, line) for message, file, line in text.notes]
        return text

    def convert(self, entry: Entry) -> tuple[Text, str, list]:
        text = self.text_of(entry)
        shown = self.source.shown(entry.path)
        key = self.cache.key(shown, text.text) if self.cache else None
        done = self.prefetched.pop((shown, text.text), None) or (self.cache.get(key) if self.cache else None)
        if done is None or len(done) != 3:
            try:
                done = self.markdown(shown, text.text)
            except BookError as error:
                raise _mapped(error, shown, text)
            if self.cache:
                self.cache.put(key, done)
        html, specs, notes = done
        self.charts.start(Path(shown), self.manuscript)
        self.charts.specs = list(specs)
        for message, line in notes:
            if message not in self.warned:  # one warning per element name, at its first use in the book
                self.warned.add(message)
                self.warnings.append(BookWarning(message, *text.where(line)))
        return text, html, notes

    @property
    def md(self) -> markdown.Markdown:
        if self._md is None:
            # extension objects, not names: a name makes Python-Markdown read every installed
            # package's entry points (importlib.metadata), ~25 ms on each command
            self._md = markdown.Markdown(
                extensions=[FenceInfoExtension(), ListIndentExtension(), FencedDivExtension(), self.stray,
                            HighlightExtension(use_pygments=True, pygments_lang_class=True, guess_lang=False), SuperFencesCodeExtension(),
                            FootnoteExtension(BACKLINK_TEXT=""), AttrListExtension(),
                            DefListExtension(), TableCaptionExtension(), TableExtension(), AbbrExtension(), MarkdownInHtmlExtension(),
                            TocExtension(), SmartyExtension(substitutions=SMART), self.charts,
                            GlossaryExtension(), CrossRefExtension(), IndexExtension()],
                output_format="xhtml",
            )
        return self._md

    def markdown(self, shown: str, text: str) -> tuple[str, list, list]:
        """Markdown → (HTML, chart specs, warnings): the costly step, the one the cache keeps.

        The checks that depend on the text alone run here too, so a cached conversion is one
        that passed them and a rebuild does not repeat them; its warnings are kept with it."""
        problem = blocks.unclosed(text)
        if problem:
            raise BookError(problem[1], shown, problem[0])
        if self.cache is not None:
            self.cache.converted.append(shown)
        self.md.reset()
        self.charts.start(Path(shown), self.manuscript)
        try:
            html = self.md.convert(text)
        except RecursionError:
            raise BookError("lists, quotes or HTML are nested too deeply to read; flatten them", shown,
                            _deepest_line(text)) from None
        container = parse_html(html)
        if blocks.too_deep(container) is not None:
            raise BookError(f"lists, quotes or HTML are nested more than {blocks.MAX_DEPTH} levels deep; flatten them",
                            shown, _deepest_line(text))
        notes = [(f"{name} is a template tag of another tool: left out, its content kept" if name.startswith("{%")
                  else f"<{name}> is not an HTML element: its content is kept, the tag left out", line)
                 for name, line in self.stray.unknown.items()]
        notes += rawhtml.tidy(container, text)
        rawhtml.check(container, shown, text)
        split_lines(container)
        return inner_xhtml(container), list(self.charts.specs), notes

    def prefetch(self, entries: list[Entry]) -> None:
        """Convert, in worker processes, the chapters the cache lacks — when there are cores to
        share and enough text to pay for starting the workers. Errors are left for :meth:`convert`."""
        workers = min(PARALLEL_WORKERS, cores())
        jobs = []
        for entry in entries:
            try:
                text = self.read(entry)
            except BookError:
                continue
            self.texts[entry.path] = text
            shown = self.source.shown(entry.path)
            hit = self.cache.get(self.cache.key(shown, text.text)) if self.cache is not None else None
            if hit is None:
                jobs.append((shown, text.text))
            else:
                self.prefetched[shown, text.text] = hit
        if workers < 2 or len(jobs) < 2 or sum(len(text) for _, text in jobs) < PARALLEL_CHARS:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(self.source,)) as pool:
            # longest first, so the two workers finish together
            order = sorted(range(len(jobs)), key=lambda n: -len(jobs[n][1]))
            results = dict(zip(order, pool.map(_convert_in_worker, [jobs[n] for n in order])))
        for n, (shown, text) in enumerate(jobs):
            if results[n] is not None:
                self.prefetched[shown, text] = results[n]
                if self.cache is not None:
                    self.cache.converted.append(shown)
                    self.cache.put(self.cache.key(shown, text), results[n])

    def chapter(self, entry: Entry) -> Chapter:
        shown = self.source.shown(entry.path)
        text, html, _ = self.convert(entry)
        try:
            return self._chapter(entry, shown, text, html)
        except BookError as error:
            raise _mapped(error, shown, text)

    def _chapter(self, entry: Entry, shown: str, text: Text, html: str) -> Chapter:
        source = text.text
        container = parse_xhtml(html)
        first = self._title(container, entry, shown, text)
        if first.find(".//a[@class='footnote-ref']") is not None:  # the contents and running heads repeat a title
            raise BookError("a chapter's title cannot carry a footnote: put its call in the text below the title",
                            shown, line_of(source, "[^") or _first_line(source))
        extra = container.find(".//h1")
        if extra is not None:
            if self.source.strict:
                raise BookError("a chapter file holds one level-1 heading; use '##' for sections", shown,
                                line_of(source, "# " + plain_text(extra)))
            for heading in container.iter("h1", "h2", "h3", "h4", "h5"):  # the chapter title stands alone
                heading.tag = f"h{int(heading.tag[1]) + 1}"
            self.warnings.append(BookWarning("more than one level-1 heading: the later ones are read as sections "
                                             "('##')", *text.where(line_of(source, "# " + plain_text(extra)))))
        if not plain_text(first):
            raise BookError("the chapter's heading has no text: it names the chapter in the contents; write its title",
                            shown, _first_line(source))
        name = entry.path.name
        label = first.get("id", "")
        slug = label[3:] if label.startswith("ch:") else slugify(re.sub(r"^\d+[-_ ]*", "", Path(name).stem))
        if slug in self.files:
            raise BookError(f"chapter '{slug}' appears twice (also {self.files[slug]}): give one another label", shown,
                            line_of(source, "{#ch:" + slug) or 1)
        classes = (first.get("class") or "").split()
        numbered = "unnumbered" not in classes and entry.kind != "front"
        chapter = Chapter(
            slug=slug, source=Path(shown), kind="back" if entry.kind == "back" else "chapter",
            number=0 if numbered else None, id=f"ch-{slug}", title=plain_text(first),
            title_html=inner_xhtml(first), body_html="", part=entry.part,
            files=[Path(f) for f in dict.fromkeys(segment.file for segment in text.segments)] or [Path(shown)],
        )
        self.images.update(images.collect(container, self.root, self.manuscript, entry.path.parent, shown, source))
        self.files[slug], self.texts_of[slug] = shown, text
        for page in entry.pages:
            self.pages[page.path.resolve()] = slug
        _relabel_ids(container, slug, every=not self.source.strict)
        # marks get ids in reading order before the notes are taken out, so marks in notes count too
        for n, mark in enumerate(container.iterfind(".//a[@class='glossterm']"), 1):
            mark.set("id", f"gu-{slug}-{n}")
        for n, mark in enumerate(container.iterfind(".//span[@class='ix']"), 1):
            mark.set("id", f"ix-{slug}-{n}")
        self._no_skipped_levels(container, text)
        chapter.tables = _tables(container, slug, shown, source)
        chapter.headings = [
            Heading(id=h.get("id"), level=int(h.tag[1]), text=plain_text(h), html=inner_xhtml(h),
                    written=int(h.attrib.pop("data-written", 0)))
            for h in container.iter("h2", "h3", "h4", "h5", "h6")
        ]
        chapter.notes = _take_notes(container, slug)
        chapter.figures = [Figure(id=_label_id(s.label), number="", spec=s, svg_name=f"images/{_label_id(s.label)}.svg",
                                  png_name=f"images/{_label_id(s.label)}.png",
                                  print_svg_name=f"images/{_label_id(s.label)}.print.svg") for s in self.charts.specs]
        chapter.illustrations = [Illustration(id=figure.get("id"), label=label, number="", caption=caption)
                                 for figure, label, caption in take_figures(container, self.source.kind == "pandoc")
                                 if label]
        _order_figures(container, chapter)
        self.containers[slug] = container
        return chapter

    def _no_skipped_levels(self, container, text: Text) -> None:
        """Headings that skip a level (``####`` right under the title) move up to the next level:
        a reader, a screen reader and the contents see a hierarchy without holes (Ace's
        heading-order). Said once per chapter, at the first; ``herpress check`` still calls it an
        error in herpress's own layout (:attr:`Heading.written`)."""
        open_levels: list[tuple[int, int]] = []  # (level as written, level given) of the headings above
        first = None
        for heading in container.iter("h2", "h3", "h4", "h5", "h6"):
            written = int(heading.tag[1])
            while open_levels and open_levels[-1][0] >= written:
                open_levels.pop()
            given = open_levels[-1][1] + 1 if open_levels else 2
            if given != written:
                first = first or (plain_text(heading), written, given)
                heading.tag = f"h{given}"
                if self.source.strict:  # herpress's own layout: check calls it an error still
                    heading.set("data-written", str(written))
            open_levels.append((written, given))
        if first is not None:
            words, was, now = first
            self.warnings.append(BookWarning(f"heading '{words}' (level {was}) skips a level: set as level {now}, "
                                             "and the headings under it with it",
                                             *text.where(line_of(text.text, words))))

    def _title(self, container, entry: Entry, shown: str, text: Text):
        """Take the chapter's title out of ``container``: its first heading, after anything that
        prints nothing (comments are gone already; empty anchors and paragraphs stay, below it)."""
        leading = []
        for element in container:
            if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                break
            if plain_text(element) or element.find(".//img") is not None:
                element = None
                break
            leading.append(element)
        else:
            element = None
        if element is not None:
            following = element.getnext()
            if element.tag == "h1" and following is not None and following.tag == "h1" and not self.source.strict:
                container.remove(element)  # the book's title above the chapter's, as some files begin
                element = following
            elif element.tag != "h1":
                self.warnings.append(BookWarning(f"the chapter's first heading is level {element.tag[1]}: read as "
                                                 "its title (write it as '# …')",
                                                 *text.where(line_of(text.text, plain_text(element)))))
        if element is None:
            if self.source.strict:
                raise BookError("a chapter must begin with a level-1 heading: add one ('# Title') at its top", shown,
                                _first_line(text.text))
            title = entry.title or Path(entry.path).stem.replace("-", " ").replace("_", " ").strip().capitalize()
            self.warnings.append(BookWarning(f"no heading at the top: the chapter is titled '{title}'", shown, 1))
            element = etree.Element("h1")
            element.text = title
            container.insert(0, element)
        element.tag = "h1"
        container.remove(element)
        if element.tail and element.tail.strip():
            container.text = (container.text or "") + element.tail
        element.tail = None
        for anchor in leading:  # empty anchors before the title keep their ids, at the chapter's start
            container.remove(anchor)
            container.insert(0, anchor)
        return element

    def glossary(self, path: Path) -> list[GlossaryEntry]:
        shown = Path(self.source.shown(path))
        text, html, _ = self.convert(Entry([Page(path)]))
        lines = text.text.split("\n")
        term_lines = [n + 1 for n, line in enumerate(lines[:-1])
                      if line.strip() and not line[0].isspace() and not line.startswith((":", "#"))
                      and _next_nonblank(lines, n).startswith(":")]
        container = parse_xhtml(html)
        entries: list[GlossaryEntry] = []
        seen: dict[str, int] = {}
        for n, dt in enumerate(container.iter("dt")):
            term = plain_text(dt)
            line = term_lines[n] if n < len(term_lines) else None
            if sort_key(term) in seen:
                raise BookError(f"'{term}' is defined twice (first at line {seen[sort_key(term)]}): keep one definition",
                                shown, line)
            seen[sort_key(term)] = line
            dd = dt.getnext()
            definition = inner_xhtml(dd) if dd is not None and dd.tag == "dd" else ""
            if not definition.strip():
                raise BookError(f"'{term}' has no definition: add one on the next line (':   definition')", shown, line)
            entries.append(GlossaryEntry(term=term, id=f"gl-{slugify(term)}", definition_html=definition,
                                         source=shown, line=line or 1))
        if not entries:
            raise BookError("the glossary defines no terms: write each as 'Term' on one line, ':   definition' on the next",
                            shown, 1)
        return sorted(entries, key=lambda e: sort_key(e.term))

    def error(self, slug: str, message: str, line: int | None) -> BookError:
        """A problem at ``line`` of chapter ``slug``'s text, placed in the file that line came from."""
        file, line = self.texts_of[slug].where(line)
        return BookError(message, file or self.files[slug], line)

    def markdown_of(self, slug: str) -> str:
        """Chapter ``slug``'s Markdown, as the reader parsed it (to find a line in it)."""
        return self.texts_of[slug].text


def _mapped(error: BookError, shown: str, text: Text) -> BookError:
    """``error`` with its line of the chapter's text turned into a line of the file it came from."""
    mapped = []
    for single in each(error):
        if str(single.file) == shown and text.segments:
            file, line = text.where(single.line)
            single = BookError(single.message, file, line)
        mapped.append(single)
    return mapped[0] if len(mapped) == 1 else BookErrors(mapped)


PARALLEL_WORKERS = 2
PARALLEL_CHARS = 400_000  # below this, starting workers costs more than it saves (bench/README.md)
_worker: _Converter | None = None


def _start_worker(source: Manuscript) -> None:
    global _worker
    detach_streams()
    _worker = _Converter(source)


def _convert_in_worker(job: tuple[str, str]):
    """(HTML, chart specs) of one file, or None when it fails (the parent converts it again and reports)."""
    try:
        return _worker.markdown(*job)
    except Exception:
        return None


def _deepest_line(text: str) -> int:
    """The line that opens the deepest nesting of lists or quotes (by indentation and '>')."""
    def depth(line: str) -> int:
        return len(line) - len(line.lstrip(" >\t")) + line.count(">")
    lines = text.split("\n")
    return max(range(len(lines)), key=lambda n: depth(lines[n])) + 1 if lines else 1


def _first_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            return number
    return 1


def _next_nonblank(lines: list[str], n: int) -> str:
    for line in lines[n + 1 :]:
        if line.strip():
            return line
    return ""


def _label_id(label: str) -> str:
    return label.replace(":", "-")


def _relabel_ids(container, slug: str, every: bool = False) -> None:
    """Labels (``sec:x``) become ids (``sec-x``); automatic heading ids get the chapter's prefix —
    and with ``every`` (a book not written for herpress, whose pages each had ids of their own),
    every id the author gave does, as do the links to them inside the chapter."""
    renamed = {}
    for element in container.iter():
        element_id = element.get("id")
        if not element_id or element.tag in ("sup", "li") and element_id.startswith(("fn", "fnref")):
            continue
        if ":" in element_id and not every or ":" in element_id and element_id.split(":")[0] in LABEL_KINDS:
            element.set("data-label", element_id)
            element.set("id", _label_id(element_id))
        elif element.tag in ("h2", "h3", "h4", "h5", "h6") or every:
            renamed[element_id] = f"{slug}--{_safe_id(element_id)}"
            element.set("id", renamed[element_id])
    if every and renamed:
        for link in container.iter("a"):
            href = link.get("href") or ""
            if href.startswith("#") and href[1:] in renamed:
                link.set("href", "#" + renamed[href[1:]])


LABEL_KINDS = ("ch", "sec", "fig", "tab", "tbl")


def _safe_id(value: str) -> str:
    """An id XML accepts (no spaces, no leading digit problems: it follows a prefix anyway)."""
    return re.sub(r"[^\w.-]", "-", value)


def _order_figures(container, chapter: Chapter) -> None:
    """Each chart's and labelled image's place in the chapter's one sequence of figures."""
    places = {}
    for element in container.iter("figure"):
        label = element.get("data-figure") or element.get("data-label")
        if label:
            places.setdefault(label, len(places))
    for figure in [*chapter.figures, *chapter.illustrations]:
        figure.ordinal = places.get(figure.label, len(places))


def _tables(container, slug: str, shown: str, text: str) -> list[Table]:
    """Captioned tables (``Table: caption {#tab:x}`` next to a pipe table) become numbered tables."""
    tables = []
    for table in list(container.iter("table")):
        empty_headers_as_cells(table)
        caption = take_caption(table, shown, text)
        if caption is None:
            continue
        label, plain = caption
        element_id = _label_id(label) if label else f"tab-{slug}-{len(tables) + 1}"
        table.set("id", element_id)
        if label:
            table.set("data-label", label)
        tables.append(Table(id=element_id, label=label or "", number="", caption=plain))
    return tables


def _take_notes(container, slug: str) -> list[Note]:
    """Python-Markdown's footnotes become Note objects and neutral ``a.noteref`` calls."""
    block = container.find(".//div[@class='footnote']")
    if block is None:
        return []
    notes, numbers = [], {}
    called = {link.get("href")[1:] for link in container.iterfind(".//sup/a[@class='footnote-ref']")
              if not _inside(link, block)}
    # a note no call in the text reaches (its only call was in a definition a later one replaced)
    # is left out, as pandoc leaves it: it could only be a note no reader gets to
    items = [item for item in block.iterfind("./ol/li") if item.get("id") in called]
    for number, item in enumerate(items, 1):
        numbers[item.get("id")] = number
        for backref in item.iterfind(".//a[@class='footnote-backref']"):
            drop(backref)
        for paragraph in item.iter("p"):  # the no-break space Python-Markdown put before the back-link
            if len(paragraph):
                paragraph[-1].tail = (paragraph[-1].tail or "").rstrip("\xa0 ") or None
            elif paragraph.text:
                paragraph.text = paragraph.text.rstrip("\xa0 ")
        notes.append(Note(id=f"fn-{slug}-{number}", ref_id=f"fnref-{slug}-{number}", number=number,
                          html=inner_xhtml(item).strip()))
    block.getparent().remove(block)
    calls: dict[int, int] = {}
    for sup in list(container.iter("sup")):
        link = sup.find("a[@class='footnote-ref']")
        if link is None or link.get("href")[1:] not in numbers:
            continue
        number = numbers[link.get("href")[1:]]
        calls[number] = calls.get(number, 0) + 1
        call = parse_html(f'<a class="noteref">{number}</a>')[0]
        call.set("href", f"#fn-{slug}-{number}")
        call.set("id", f"fnref-{slug}-{number}" + ("" if calls[number] == 1 else f"-{calls[number]}"))
        call.tail = sup.tail
        sup.getparent().replace(sup, call)
    return notes


def _inside(element, ancestor) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _check_unique(chapters: list[Chapter]) -> None:
    """A chapter that appears twice is an error, and the second one is left out of the book."""
    seen: dict[str, Chapter] = {}
    for chapter in list(chapters):
        if chapter.slug in seen:
            chapters.remove(chapter)
            raise BookError(f"chapter '{chapter.slug}' appears twice (also {seen[chapter.slug].source}): list it once",
                            chapter.source, 1)
        seen[chapter.slug] = chapter


def _number(chapters: list[Chapter]) -> None:
    number = 0
    for chapter in chapters:
        if chapter.kind == "chapter" and chapter.number is not None:
            number += 1
            chapter.number = number
        elif chapter.kind == "back":
            chapter.number = None
        numbered = sorted([*chapter.figures, *chapter.illustrations], key=lambda figure: figure.ordinal)
        for k, figure in enumerate(numbered, 1):
            figure.number = f"{chapter.number}.{k}" if chapter.number else f"{k}"
        for k, table in enumerate(chapter.tables, 1):
            table.number = f"{chapter.number}.{k}" if chapter.number else f"{k}"


def _resolve(book: Book, converter: _Converter) -> None:
    """Cross-references, glossary uses and index marks, once every chapter is known."""
    targets = _targets(book, converter)
    positions = {chapter.slug: n for n, chapter in enumerate(book.chapters)}
    glossary = {sort_key(entry.term): entry for entry in book.glossary}
    marks: dict[tuple[str, str | None], IndexEntry] = {}

    ids = {chapter.slug: {e.get("id") for e in converter.containers[chapter.slug].iter() if e.get("id")}
           for chapter in book.chapters if chapter.slug in converter.containers}
    for chapter in book.chapters:
        container = converter.containers.pop(chapter.slug)
        source = converter.markdown_of(chapter.slug)
        _resolve_links(container, chapter, book, converter, ids)
        for table in chapter.tables:  # "Table 2.1" at the head of each caption
            number = container.find(f".//table[@id='{table.id}']/caption/span[@class='table-number']")
            number.text = f"Table {table.number}"
        for illustration in chapter.illustrations:  # "Figure 2.3" at the head of each image's caption
            number = container.find(f".//figure[@id='{illustration.id}']/figcaption/span[@class='figure-number']")
            number.text = f"Figure {illustration.number}"
        notes = [(note, parse_xhtml(note.html)) for note in chapter.notes]
        for part in [container] + [body for _, body in notes]:  # reading order is kept by the mark ids
            _resolve_part(part, chapter, source, converter, targets, glossary, marks)
        for note, body in notes:
            note.html = inner_xhtml(_stripped(body))
            note.keep_tree(body)
        chapter.body_html = inner_xhtml(_stripped(container))
        chapter.keep_tree(container)  # the writers read the tree, not the markup again
    for entry in book.glossary:  # book order: chapters in order, and in each the mark numbers
        entry.uses.sort(key=lambda use: _mark_order(positions, use.id))
    book.index = _index_tree(book, marks, converter, positions)


def _stripped(container):
    """``container`` without white space at its start and end (its markup ``.strip()``-ed)."""
    container.text = (container.text or "").lstrip() or None
    last = container[-1] if len(container) else None
    if last is not None:
        last.tail = (last.tail or "").rstrip() or None
    elif container.text:
        container.text = container.text.rstrip() or None
    return container


def _targets(book: Book, converter: _Converter) -> dict[str, tuple[str, str, str]]:
    """Every label → (id, kind, text); a label used twice is an error at its second place."""
    targets: dict[str, tuple[str, str, str]] = {}
    seen: dict[str, int] = {}  # label -> times met in the current file

    def add(label: str, target: tuple[str, str, str], chapter: Chapter) -> None:
        source = converter.markdown_of(chapter.slug)
        if label in targets:
            first = targets[label]
            nth = seen.get((chapter.slug, label), 0) + 1
            converter.problems.add(converter.error(
                chapter.slug, f"label '{label}' is used twice (also for {first[2]}): rename one",
                line_of(source, "{#" + label, nth) or line_of(source, f'"{label}"', nth) or line_of(source, label)))
            return
        seen[(chapter.slug, label)] = seen.get((chapter.slug, label), 0) + 1
        targets[label] = target

    for chapter in book.chapters:
        add(f"ch:{chapter.slug}", (chapter.id, "chapter", chapter.label), chapter)
        container = converter.containers.get(chapter.slug)
        for element in container.iter() if container is not None else ():
            label = element.get("data-label", "")
            if label.startswith("sec:") and element.tag in ("h2", "h3", "h4", "h5", "h6"):
                add(label, (element.get("id"), "section", plain_text(element)), chapter)
        for figure in [*chapter.figures, *chapter.illustrations]:
            add(figure.label, (figure.id, "figure", f"Figure {figure.number}"), chapter)
        for table in chapter.tables:
            if table.label:
                add(table.label, (table.id, "table", f"Table {table.number}"), chapter)
    return targets


def _resolve_part(part, chapter: Chapter, source: str, converter: _Converter, targets, glossary, marks) -> None:
    problem = lambda message, line: converter.problems.add(converter.error(chapter.slug, message, line))  # noqa: E731
    for ref in part.iterfind(".//a[@class='xref']"):
        label = ref.attrib.pop("data-label")
        if label not in targets:
            if not converter.incomplete:
                problem(f"unknown label '{label}' in [@{label}]: mark the target {{#{label}}}, or correct the label",
                        line_of(source, f"[@{label}]") or line_of(source, f"@{label}"))
            continue
        target_id, kind, text = targets[label]
        ref.set("href", f"#{target_id}")
        ref.set("data-kind", kind)
        ref.text = text
    # a book kept as mdBook, pandoc or plain Markdown that has no glossary writes ``[[A]]`` for
    # brackets (a verdict format, a nested list in prose): there it stays as written
    literal = not glossary and converter.source.glossary is None and converter.source.kind != "herpress"
    for use in list(part.iterfind(".//a[@class='glossterm']")):
        term = use.attrib.pop("data-term")
        if literal:
            use.text = f"[[{use.text}]]" if use.text == term else f"[[{use.text}|{term}]]"
            unwrap(use)
            continue
        entry = glossary.get(sort_key(term))
        if entry is None and not converter.incomplete_glossary:
            problem(f"'{term}' is marked as a glossary term but the glossary does not define it: define it there, "
                    "or remove the [[ ]]",
                    line_of(source, term + "]]") or line_of(source, term))
            continue
        if entry is None:
            continue
        use.set("href", f"#{entry.id}")
        entry.uses.append(Location(id=use.get("id"), chapter=chapter.slug, where=chapter.label))
    for mark in part.iterfind(".//span[@class='ix']"):
        raw = mark.attrib.pop("data-entry")
        term, sub, see = parse_mark(raw)
        if not term:
            problem(f"empty index mark {{^{raw}}}: write the entry in it ({{^entry}}), or remove it", line_of(source, "{^" + raw) or line_of(source, "{^"))
            continue
        (term, term_markup), (sub, sub_markup) = emphasis(term), emphasis(sub) if sub else (None, "")
        see = emphasis(see)[0] if see else see
        entry = marks.setdefault((term, sub), IndexEntry(term=term, sub=sub, markup=sub_markup or term_markup))
        if sub is not None:  # the main entry as it is shown, when only its sub-entries are marked
            marks.setdefault((term, None), IndexEntry(term=term, markup=term_markup))
        entry.see = entry.see or see
        entry.locations.append(Location(id=mark.get("id"), chapter=chapter.slug, where=chapter.label))
    for element in part.iter():
        element.attrib.pop("data-label", None)


def _resolve_links(container, chapter: Chapter, book: Book, converter: _Converter, ids: dict) -> None:
    """Links between the book's own files (``ch04.md#slices``, ``ch04.html``, mdBook's way) become
    links to the chapter and its heading; a link to a file the book does not hold becomes its text."""
    here = book.root / chapter.source
    outside: list[tuple[str, int | None]] = []  # links to files the book does not hold
    for link in list(container.iter("a")):
        href = (link.get("href") or "").strip()
        if not href or href.startswith("#") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
            prefixed = f"{chapter.slug}--{_safe_id(href[1:])}"
            if href.startswith("#") and href[1:] not in ids.get(chapter.slug, ()) and prefixed in ids.get(chapter.slug, ()):
                link.set("href", f"#{prefixed}")
            continue
        name, _, fragment = href.partition("#")
        target = (here.parent / name).resolve()
        slug = converter.pages.get(target) or converter.pages.get(target.with_suffix(".md"))
        if slug is None:
            outside.append((href, line_of(converter.markdown_of(chapter.slug), name)))
            unwrap(link)
            continue
        anchor = f"{slug}--{_safe_id(fragment)}" if fragment else ""
        if anchor and anchor not in ids.get(slug, ()):
            anchor = fragment if fragment in ids.get(slug, ()) else ""
        link.set("href", f"#{anchor or 'ch-' + slug}")
    if outside:
        shown = ", ".join(href for href, _ in outside[:3]) + (", …" if len(outside) > 3 else "")
        book.warnings.append(_warning_at(converter, chapter.slug, f"{len(outside)} link(s) to files that are not "
                                         f"chapters of the book ({shown}): kept as text", outside[0][1]))


def _warning_at(converter: _Converter, slug: str, message: str, line: int | None) -> BookWarning:
    error = converter.error(slug, message, line)
    return BookWarning(message, error.file, error.line)


def _mark_order(positions: dict[str, int], mark_id: str) -> tuple[int, int]:
    """``gu-<slug>-<n>`` → (position of the chapter in the book, n)."""
    slug, _, n = mark_id[3:].rpartition("-")
    return positions[slug], int(n)


def _index_tree(book: Book, marks: dict, converter: _Converter, positions: dict[str, int]) -> list[IndexEntry]:
    """Main entries (sorted) holding their sub-entries (sorted); a "see" must name a main entry."""
    mains: dict[str, IndexEntry] = {}
    for (term, sub), entry in marks.items():
        key = sort_key(term)
        main = mains.setdefault(key, IndexEntry(term=term, key=key, id=f"ixe-{slugify(term)}",
                                                markup=marks.get((term, None), entry).markup if sub else entry.markup))
        entry.key = sort_key(sub) if sub else key
        if sub is None:
            main.locations.extend(entry.locations)
            main.see = main.see or entry.see
        else:
            entry.id = f"{main.id}--{slugify(sub)}"
            main.subentries.append(entry)
    for main in mains.values():
        main.locations.sort(key=lambda location: _mark_order(positions, location.id))
        main.subentries.sort(key=lambda sub: sub.key)
        for sub in main.subentries:
            sub.locations.sort(key=lambda location: _mark_order(positions, location.id))
    for entry in [e for main in mains.values() for e in (main, *main.subentries)]:
        if entry.see and sort_key(entry.see) in mains:
            entry.see_id = mains[sort_key(entry.see)].id
        elif entry.see:
            first = entry.locations[0]
            chapter = next(c for c in book.chapters if c.slug == first.chapter)
            book.warnings.append(BookWarning(f"index entry '{entry.text}' says see '{entry.see}', "
                                             "which is not an index entry", chapter.source,
                                             line_of(converter.markdown_of(chapter.slug), "|see " + entry.see)))
    return sorted(mains.values(), key=lambda main: main.key)


def _warn_unused(book: Book) -> None:
    for entry in book.glossary:
        if not entry.uses:
            book.warnings.append(BookWarning(f"glossary term '{entry.term}' is defined but never marked in the text "
                                             f"(mark a use with [[{entry.term}]])", entry.source, entry.line))
