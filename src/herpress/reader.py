"""Read a book folder into the :class:`~herpress.model.Book` — the only place Markdown is parsed."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import markdown
from markdown.extensions.abbr import AbbrExtension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.md_in_html import MarkdownInHtmlExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension

from . import images, rawhtml, styles
from .cache import ChapterCache
from .charts.draw import draw_charts
from .config import CONFIG_NAME, load_config
from .errors import BookError
from .forked import cores, detach_streams
from .extensions import blocks
from .extensions.charts import ChartExtension
from .extensions.crossrefs import CrossRefExtension
from .extensions.glossary import GlossaryExtension
from .extensions.index import IndexExtension, parse_mark
from .extensions.tables import take_caption
from .model import (Asset, Book, BookWarning, Chapter, Figure, GlossaryEntry, Heading, IndexEntry, Location,
                    Note, Table)
from .xhtml import inner_xhtml, parse_html, parse_xhtml, plain_text

MANUSCRIPT = "manuscript"
MAX_FILE_BYTES = 4 * 2**20  # a very long chapter is ~0.5 MB; more is a mistake (or an attack)
SMART = {  # SmartyPants, writing characters rather than HTML entities
    "left-single-quote": "\u2018", "right-single-quote": "\u2019",
    "left-double-quote": "\u201c", "right-double-quote": "\u201d",
    "ndash": "\u2013", "mdash": "\u2014", "ellipsis": "\u2026",
    "left-angle-quote": "\u00ab", "right-angle-quote": "\u00bb",
}


def load_book(book_dir: Path, cache_dir: Path | None = None, chapter_cache: ChapterCache | None = None) -> Book:
    """Read ``book_dir/manuscript`` into a Book. Raises :class:`BookError` on bad input.

    ``cache_dir`` keeps drawn charts; ``chapter_cache`` keeps each file's Markdown → HTML
    (:mod:`herpress.cache`), so only changed files are converted again.
    """
    root = book_dir.resolve()
    manuscript = manuscript_dir(root)
    config = load_config(manuscript / CONFIG_NAME, shown_as=f"{MANUSCRIPT}/{CONFIG_NAME}")
    metadata = dataclasses.replace(config.book)
    metadata.slug = metadata.slug or slugify(metadata.title)
    style_dirs = styles.style_dirs(root)

    converter = _Converter(root, manuscript, chapter_cache)
    converter.prefetch([*config.contents.chapters, *config.contents.back]
                       + ([config.contents.glossary] if config.contents.glossary else []))
    chapters = [converter.chapter(name, "chapter") for name in config.contents.chapters]
    chapters += [converter.chapter(name, "back") for name in config.contents.back]
    charts = draw_charts([figure.spec for chapter in chapters for figure in chapter.figures],
                         fonts=styles.chart_fonts(style_dirs), cache_dir=cache_dir)  # meanwhile, on another core
    _check_unique(chapters)
    _number(chapters)
    glossary = converter.glossary(config.contents.glossary) if config.contents.glossary else []

    book = Book(root=root, metadata=metadata, chapters=chapters, glossary=glossary,
                style_dirs=style_dirs, print_settings=config.print)
    _resolve(book, converter)
    _warn_unused(book)
    book.assets.update(converter.images)
    if metadata.cover:
        book.cover = images.cover(root, manuscript, metadata.cover)
    for n, figure in enumerate(book.figures):  # the images wait for the drawing only when first read
        book.assets[figure.svg_name] = Asset(figure.svg_name, "image/svg+xml", lambda n=n: charts()[n].svg)
        book.assets[figure.png_name] = Asset(figure.png_name, "image/png", lambda n=n: charts()[n].png)
    return book


def manuscript_dir(root: Path) -> Path:
    """The book's ``manuscript/`` folder; a :class:`BookError` when there is none."""
    manuscript = root / MANUSCRIPT
    if not manuscript.is_dir():
        raise BookError(f"no {MANUSCRIPT}/ folder here: run 'herpress init' to start a book", root)
    return manuscript


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "book"


def sort_key(text: str) -> str:
    """Case- and accent-insensitive order, as a reader looks things up."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def read_text(root: Path, path: Path) -> str:
    """Read a manuscript file: inside the book folder, UTF-8 (BOM allowed), newlines normalized."""
    shown = _shown(root, path)
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise BookError("refused: this file lies outside the book folder", shown)
    try:
        size = resolved.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BookError(f"this file is {size / 2**20:.1f} MB; herpress reads manuscript files of up to "
                            f"{MAX_FILE_BYTES // 2**20} MB: split it into chapters", shown, 1)
        data = resolved.read_bytes()
    except FileNotFoundError:
        raise BookError("file not found", shown)
    except OSError as error:
        raise BookError(f"cannot read: {error.strerror}", shown)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BookError(f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8", shown, line)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def line_of(text: str, needle: str, nth: int = 1) -> int | None:
    """Line of the ``nth`` occurrence of ``needle`` in ``text`` (None when there are fewer)."""
    position = -1
    for _ in range(nth):
        position = text.find(needle, position + 1)
        if position < 0:
            return None
    return text.count("\n", 0, position) + 1


def _shown(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class _Converter:
    """One Markdown instance with herpress's extensions, reset for each file."""

    def __init__(self, root: Path, manuscript: Path, cache: ChapterCache | None = None):
        self.root, self.manuscript, self.cache = root, manuscript, cache
        self.prefetched: dict[tuple[str, str], tuple] = {}  # (file as shown, text) -> (html, chart specs)
        self.charts = ChartExtension()
        self._md: markdown.Markdown | None = None  # made when a file is first converted
        self.sources: dict[str, str] = {}  # chapter slug -> Markdown text, for error lines
        self.files: dict[str, str] = {}  # chapter slug -> file as shown in messages
        self.images: dict[str, Asset] = {}  # the author's images, by their path under manuscript/
        self.texts: dict[Path, str] = {}  # files prefetch() read, for convert() not to read them again
        self.containers: dict = {}  # chapter slug -> its body, resolved once every chapter is read

    def convert(self, path: Path) -> tuple[str, str]:
        text = self.texts.pop(path, None) or read_text(self.root, path)
        shown = _shown(self.root, path)
        key = self.cache.key(shown, text) if self.cache else None
        done = self.prefetched.pop((shown, text), None) or (self.cache.get(key) if self.cache else None)
        if done is None:
            done = self.markdown(shown, text)
            if self.cache:
                self.cache.put(key, done)
        html, specs = done
        self.charts.start(Path(shown), self.manuscript)
        self.charts.specs = list(specs)
        return text, html

    @property
    def md(self) -> markdown.Markdown:
        if self._md is None:
            # extension objects, not names: a name makes Python-Markdown read every installed
            # package's entry points (importlib.metadata), ~25 ms on each command
            self._md = markdown.Markdown(
                extensions=[FencedCodeExtension(), FootnoteExtension(BACKLINK_TEXT=""), AttrListExtension(),
                            DefListExtension(), TableExtension(), AbbrExtension(), MarkdownInHtmlExtension(),
                            TocExtension(), SmartyExtension(substitutions=SMART), self.charts,
                            GlossaryExtension(), CrossRefExtension(), IndexExtension()],
                output_format="xhtml",
            )
        return self._md

    def markdown(self, shown: str, text: str) -> tuple[str, list]:
        """Markdown → (HTML, chart specs): the costly step, the one the cache keeps.

        The checks that depend on the text alone run here too, so a cached conversion is one
        that passed them and a rebuild does not repeat them."""
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
            raise BookError("lists, quotes or HTML are nested too deeply to read", shown,
                            _deepest_line(text)) from None
        container = parse_html(html)
        if blocks.too_deep(container) is not None:
            raise BookError(f"lists, quotes or HTML are nested more than {blocks.MAX_DEPTH} levels deep",
                            shown, _deepest_line(text))
        rawhtml.check(container, shown, text)
        return html, list(self.charts.specs)

    def prefetch(self, names: list[str]) -> None:
        """Convert, in worker processes, the files the cache lacks — when there are cores to share
        and enough text to pay for starting the workers. Errors are left for :meth:`convert`."""
        workers = min(PARALLEL_WORKERS, cores())
        jobs = []
        for name in names:
            path = self.manuscript / name
            try:
                text = read_text(self.root, path)
            except BookError:
                continue
            self.texts[path] = text
            shown = _shown(self.root, path)
            hit = self.cache.get(self.cache.key(shown, text)) if self.cache is not None else None
            if hit is None:
                jobs.append((shown, text))
            else:
                self.prefetched[shown, text] = hit
        if workers < 2 or len(jobs) < 2 or sum(len(text) for _, text in jobs) < PARALLEL_CHARS:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(self.root, self.manuscript)) as pool:
            # longest first, so the two workers finish together
            order = sorted(range(len(jobs)), key=lambda n: -len(jobs[n][1]))
            results = dict(zip(order, pool.map(_convert_in_worker, [jobs[n] for n in order])))
        for n, (shown, text) in enumerate(jobs):
            if results[n] is not None:
                self.prefetched[shown, text] = results[n]
                if self.cache is not None:
                    self.cache.converted.append(shown)
                    self.cache.put(self.cache.key(shown, text), results[n])

    def chapter(self, name: str, kind: str) -> Chapter:
        path = self.manuscript / name
        shown = _shown(self.root, path)
        text, html = self.convert(path)
        container = parse_html(html)
        self.images.update(images.collect(container, self.root, self.manuscript, shown, text))
        first = container[0] if len(container) else None
        if first is None or first.tag != "h1":
            raise BookError("a chapter must begin with a level-1 heading ('# Title')", shown, _first_line(text))
        container.remove(first)
        container.text = (container.text or "") + (first.tail or "")
        first.tail = None
        extra = container.find(".//h1")
        if extra is not None:
            raise BookError("a chapter file holds one level-1 heading; use '##' for sections", shown,
                            line_of(text, "# " + plain_text(extra)))
        if not plain_text(first):
            raise BookError("the chapter's heading has no text: it names the chapter in the contents",
                            shown, _first_line(text))
        label = first.get("id", "")
        slug = label[3:] if label.startswith("ch:") else slugify(re.sub(r"^\d+[-_ ]*", "", Path(name).stem))
        classes = (first.get("class") or "").split()
        chapter = Chapter(
            slug=slug, source=Path(shown), kind=kind, number=None if "unnumbered" in classes else 0,
            id=f"ch-{slug}", title=plain_text(first), title_html=inner_xhtml(first), body_html="",
        )
        self.sources[slug], self.files[slug] = text, shown
        _relabel_ids(container, slug)
        # marks get ids in reading order before the notes are taken out, so marks in notes count too
        for n, mark in enumerate(container.iterfind(".//a[@class='glossterm']"), 1):
            mark.set("id", f"gu-{slug}-{n}")
        for n, mark in enumerate(container.iterfind(".//span[@class='ix']"), 1):
            mark.set("id", f"ix-{slug}-{n}")
        chapter.tables = _tables(container, slug, shown, text)
        chapter.headings = [
            Heading(id=h.get("id"), level=int(h.tag[1]), text=plain_text(h), html=inner_xhtml(h))
            for h in container.iter("h2", "h3", "h4", "h5", "h6")
        ]
        chapter.notes = _take_notes(container, slug)
        chapter.figures = [Figure(id=_label_id(s.label), number="", spec=s, svg_name=f"images/{_label_id(s.label)}.svg",
                                  png_name=f"images/{_label_id(s.label)}.png") for s in self.charts.specs]
        self.containers[slug] = container
        return chapter

    def glossary(self, name: str) -> list[GlossaryEntry]:
        path = self.manuscript / name
        shown = Path(_shown(self.root, path))
        text, html = self.convert(path)
        lines = text.split("\n")
        term_lines = [n + 1 for n, line in enumerate(lines[:-1])
                      if line.strip() and not line[0].isspace() and not line.startswith((":", "#"))
                      and _next_nonblank(lines, n).startswith(":")]
        container = parse_html(html)
        entries: list[GlossaryEntry] = []
        seen: dict[str, int] = {}
        for n, dt in enumerate(container.iter("dt")):
            term = plain_text(dt)
            line = term_lines[n] if n < len(term_lines) else None
            if sort_key(term) in seen:
                raise BookError(f"'{term}' is defined twice (first at line {seen[sort_key(term)]})", shown, line)
            seen[sort_key(term)] = line
            dd = dt.getnext()
            definition = inner_xhtml(dd) if dd is not None and dd.tag == "dd" else ""
            if not definition.strip():
                raise BookError(f"'{term}' has no definition", shown, line)
            entries.append(GlossaryEntry(term=term, id=f"gl-{slugify(term)}", definition_html=definition,
                                         source=shown, line=line or 1))
        if not entries:
            raise BookError("the glossary defines no terms ('Term' on one line, ':   definition' on the next)", shown, 1)
        return sorted(entries, key=lambda e: sort_key(e.term))


PARALLEL_WORKERS = 2
PARALLEL_CHARS = 400_000  # below this, starting workers costs more than it saves (bench/README.md)
_worker: _Converter | None = None


def _start_worker(root: Path, manuscript: Path) -> None:
    global _worker
    detach_streams()
    _worker = _Converter(root, manuscript)


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


def _relabel_ids(container, slug: str) -> None:
    """Labels (``sec:x``) become ids (``sec-x``); automatic heading ids get the chapter's prefix."""
    for element in container.iter():
        element_id = element.get("id")
        if not element_id or element.tag in ("sup", "li") and element_id.startswith(("fn", "fnref")):
            continue
        if ":" in element_id:
            element.set("data-label", element_id)
            element.set("id", _label_id(element_id))
        elif element.tag in ("h2", "h3", "h4", "h5", "h6"):
            element.set("id", f"{slug}--{element_id}")


def _tables(container, slug: str, shown: str, text: str) -> list[Table]:
    """Captioned tables (``Table: caption {#tab:x}`` next to a pipe table) become numbered tables."""
    tables = []
    for table in list(container.iter("table")):
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
    for number, item in enumerate(block.iterfind("./ol/li"), 1):
        numbers[item.get("id")] = number
        for backref in item.iterfind(".//a[@class='footnote-backref']"):
            _drop(backref)
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
        if link is None:
            continue
        number = numbers[link.get("href")[1:]]
        calls[number] = calls.get(number, 0) + 1
        call = parse_html(f'<a class="noteref">{number}</a>')[0]
        call.set("href", f"#fn-{slug}-{number}")
        call.set("id", f"fnref-{slug}-{number}" + ("" if calls[number] == 1 else f"-{calls[number]}"))
        call.tail = sup.tail
        sup.getparent().replace(sup, call)
    return notes


def _drop(element) -> None:
    """Remove an element, keeping its tail text."""
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _check_unique(chapters: list[Chapter]) -> None:
    seen: dict[str, Chapter] = {}
    for chapter in chapters:
        if chapter.slug in seen:
            raise BookError(f"chapter '{chapter.slug}' appears twice (also {seen[chapter.slug].source})", chapter.source, 1)
        seen[chapter.slug] = chapter


def _number(chapters: list[Chapter]) -> None:
    number = 0
    for chapter in chapters:
        if chapter.kind == "chapter" and chapter.number is not None:
            number += 1
            chapter.number = number
        elif chapter.kind == "back":
            chapter.number = None
        for k, figure in enumerate(chapter.figures, 1):
            figure.number = f"{chapter.number}.{k}" if chapter.number else f"{k}"
        for k, table in enumerate(chapter.tables, 1):
            table.number = f"{chapter.number}.{k}" if chapter.number else f"{k}"


def _resolve(book: Book, converter: _Converter) -> None:
    """Cross-references, glossary uses and index marks, once every chapter is known."""
    targets = _targets(book, converter)
    positions = {chapter.slug: n for n, chapter in enumerate(book.chapters)}
    glossary = {sort_key(entry.term): entry for entry in book.glossary}
    marks: dict[tuple[str, str | None], IndexEntry] = {}

    for chapter in book.chapters:
        container = converter.containers.pop(chapter.slug)
        source, shown = converter.sources[chapter.slug], converter.files[chapter.slug]
        for table in chapter.tables:  # "Table 2.1" at the head of each caption
            number = container.find(f".//table[@id='{table.id}']/caption/span[@class='table-number']")
            number.text = f"Table {table.number}"
        notes = [(note, parse_xhtml(note.html)) for note in chapter.notes]
        for part in [container] + [body for _, body in notes]:  # reading order is kept by the mark ids
            _resolve_part(part, chapter, source, shown, targets, glossary, marks)
        for note, body in notes:
            note.html = inner_xhtml(body).strip()
        chapter.body_html = inner_xhtml(container).strip()
    for entry in book.glossary:  # book order: chapters in order, and in each the mark numbers
        entry.uses.sort(key=lambda use: _mark_order(positions, use.id))
    book.index = _index_tree(book, marks, converter, positions)


def _targets(book: Book, converter: _Converter) -> dict[str, tuple[str, str, str]]:
    """Every label → (id, kind, text); a label used twice is an error at its second place."""
    targets: dict[str, tuple[str, str, str]] = {}
    seen: dict[str, int] = {}  # label -> times met in the current file

    def add(label: str, target: tuple[str, str, str], chapter: Chapter) -> None:
        source = converter.sources[chapter.slug]
        if label in targets:
            first = targets[label]
            nth = seen.get((chapter.slug, label), 0) + 1
            raise BookError(f"label '{label}' is used twice (also for {first[2]})", chapter.source,
                            line_of(source, "{#" + label, nth) or line_of(source, f'"{label}"', nth)
                            or line_of(source, label))
        seen[(chapter.slug, label)] = seen.get((chapter.slug, label), 0) + 1
        targets[label] = target

    for chapter in book.chapters:
        add(f"ch:{chapter.slug}", (chapter.id, "chapter", chapter.label), chapter)
        container = converter.containers[chapter.slug]
        for element in container.iter():
            label = element.get("data-label", "")
            if label.startswith("sec:") and element.tag in ("h2", "h3", "h4", "h5", "h6"):
                add(label, (element.get("id"), "section", plain_text(element)), chapter)
        for figure in chapter.figures:
            add(figure.label, (figure.id, "figure", f"Figure {figure.number}"), chapter)
        for table in chapter.tables:
            if table.label:
                add(table.label, (table.id, "table", f"Table {table.number}"), chapter)
    return targets


def _resolve_part(part, chapter: Chapter, source: str, shown: str, targets, glossary, marks) -> None:
    for ref in part.iterfind(".//a[@class='xref']"):
        label = ref.attrib.pop("data-label")
        if label not in targets:
            raise BookError(f"unknown label '{label}' in [@{label}]", shown, line_of(source, f"[@{label}]"))
        target_id, kind, text = targets[label]
        ref.set("href", f"#{target_id}")
        ref.set("data-kind", kind)
        ref.text = text
    for use in part.iterfind(".//a[@class='glossterm']"):
        term = use.attrib.pop("data-term")
        entry = glossary.get(sort_key(term))
        if entry is None:
            raise BookError(f"'{term}' is marked as a glossary term but the glossary does not define it",
                            shown, line_of(source, term + "]]") or line_of(source, term))
        use.set("href", f"#{entry.id}")
        entry.uses.append(Location(id=use.get("id"), chapter=chapter.slug, where=chapter.label))
    for mark in part.iterfind(".//span[@class='ix']"):
        raw = mark.attrib.pop("data-entry")
        term, sub, see = parse_mark(raw)
        if not term:
            raise BookError(f"empty index mark {{^{raw}}}", shown, line_of(source, "{^" + raw) or line_of(source, "{^"))
        entry = marks.setdefault((term, sub), IndexEntry(term=term, sub=sub))
        entry.see = entry.see or see
        entry.locations.append(Location(id=mark.get("id"), chapter=chapter.slug, where=chapter.label))
    for element in part.iter():
        element.attrib.pop("data-label", None)


def _mark_order(positions: dict[str, int], mark_id: str) -> tuple[int, int]:
    """``gu-<slug>-<n>`` → (position of the chapter in the book, n)."""
    slug, _, n = mark_id[3:].rpartition("-")
    return positions[slug], int(n)


def _index_tree(book: Book, marks: dict, converter: _Converter, positions: dict[str, int]) -> list[IndexEntry]:
    """Main entries (sorted) holding their sub-entries (sorted); a "see" must name a main entry."""
    mains: dict[str, IndexEntry] = {}
    for (term, sub), entry in marks.items():
        key = sort_key(term)
        main = mains.setdefault(key, IndexEntry(term=term, key=key, id=f"ixe-{slugify(term)}"))
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
                                             line_of(converter.sources[chapter.slug], "|see " + entry.see)))
    return sorted(mains.values(), key=lambda main: main.key)


def _warn_unused(book: Book) -> None:
    for entry in book.glossary:
        if not entry.uses:
            book.warnings.append(BookWarning(f"glossary term '{entry.term}' is defined but never marked in the text "
                                             f"(mark a use with [[{entry.term}]])", entry.source, entry.line))
