"""Read a book folder into the :class:`~herpress.model.Book` — the only place Markdown is parsed."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import markdown

from . import styles
from .charts.draw import draw_chart
from .config import CONFIG_NAME, load_config
from .errors import BookError
from .extensions.charts import ChartExtension
from .extensions.crossrefs import CrossRefExtension
from .extensions.glossary import GlossaryExtension
from .extensions.index import IndexExtension, parse_mark
from .model import Asset, Book, Chapter, Figure, GlossaryEntry, Heading, IndexEntry, IndexLocation, Metadata, Note
from .xhtml import inner_xhtml, parse_html, plain_text

MANUSCRIPT = "manuscript"
SMART = {  # SmartyPants, writing characters rather than HTML entities
    "left-single-quote": "\u2018", "right-single-quote": "\u2019",
    "left-double-quote": "\u201c", "right-double-quote": "\u201d",
    "ndash": "\u2013", "mdash": "\u2014", "ellipsis": "\u2026",
    "left-angle-quote": "\u00ab", "right-angle-quote": "\u00bb",
}


def load_book(book_dir: Path, cache_dir: Path | None = None) -> Book:
    """Read ``book_dir/manuscript`` into a Book. Raises :class:`BookError` on bad input."""
    root = book_dir.resolve()
    manuscript = root / MANUSCRIPT
    if not manuscript.is_dir():
        raise BookError(f"no {MANUSCRIPT}/ folder here: run 'herpress init' to start a book", root)
    config = load_config(manuscript / CONFIG_NAME, shown_as=f"{MANUSCRIPT}/{CONFIG_NAME}")
    metadata = Metadata(**dataclasses.asdict(config.book))
    metadata.slug = metadata.slug or slugify(metadata.title)
    style_dirs = styles.style_dirs(root)

    converter = _Converter(root, manuscript)
    chapters = [converter.chapter(name, "chapter") for name in config.contents.chapters]
    chapters += [converter.chapter(name, "back") for name in config.contents.back]
    _check_unique(chapters)
    _number(chapters)
    glossary = converter.glossary(config.contents.glossary) if config.contents.glossary else []

    book = Book(root=root, metadata=metadata, chapters=chapters, glossary=glossary,
                style_dirs=style_dirs, print_settings=config.print)
    _resolve(book, converter)
    _draw_charts(book, cache_dir)
    return book


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


def line_of(text: str, needle: str) -> int | None:
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else None


def _shown(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class _Converter:
    """One Markdown instance with herpress's extensions, reset for each file."""

    def __init__(self, root: Path, manuscript: Path):
        self.root, self.manuscript = root, manuscript
        self.charts = ChartExtension()
        self.md = markdown.Markdown(
            extensions=["extra", "toc", "smarty", self.charts, GlossaryExtension(), CrossRefExtension(), IndexExtension()],
            extension_configs={"smarty": {"substitutions": SMART}, "footnotes": {"BACKLINK_TEXT": ""}},
            output_format="xhtml",
        )
        self.sources: dict[str, str] = {}  # chapter slug -> Markdown text, for error lines
        self.files: dict[str, str] = {}  # chapter slug -> file as shown in messages

    def convert(self, path: Path) -> tuple[str, str]:
        text = read_text(self.root, path)
        self.md.reset()
        self.charts.start(Path(_shown(self.root, path)), self.manuscript)
        return text, self.md.convert(text)

    def chapter(self, name: str, kind: str) -> Chapter:
        path = self.manuscript / name
        shown = _shown(self.root, path)
        text, html = self.convert(path)
        container = parse_html(html)
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
        label = first.get("id", "")
        slug = label[3:] if label.startswith("ch:") else slugify(re.sub(r"^\d+[-_ ]*", "", Path(name).stem))
        classes = (first.get("class") or "").split()
        chapter = Chapter(
            slug=slug, source=Path(shown), kind=kind, number=None if "unnumbered" in classes else 0,
            id=f"ch-{slug}", title=plain_text(first), title_html=inner_xhtml(first), body_html="",
        )
        self.sources[slug], self.files[slug] = text, shown
        _relabel_ids(container, slug)
        chapter.headings = [
            Heading(id=h.get("id"), level=int(h.tag[1]), text=plain_text(h), html=inner_xhtml(h))
            for h in container.iter("h2", "h3", "h4", "h5", "h6")
        ]
        chapter.notes = _take_notes(container, slug)
        chapter.figures = [Figure(id=_label_id(s.label), number="", spec=s, svg_name=f"images/{_label_id(s.label)}.svg",
                                  png_name=f"images/{_label_id(s.label)}.png") for s in self.charts.specs]
        for n, mark in enumerate(container.iterfind(".//a[@class='glossterm']"), 1):
            mark.set("id", f"gu-{slug}-{n}")
        for n, mark in enumerate(container.iterfind(".//span[@class='ix']"), 1):
            mark.set("id", f"ix-{slug}-{n}")
        chapter._container = container  # resolved and serialized once every chapter is read
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


def _resolve(book: Book, converter: _Converter) -> None:
    """Cross-references, glossary uses and index marks, once every chapter is known."""
    targets: dict[str, tuple[str, str, str]] = {}  # label -> (id, kind, text)
    for chapter in book.chapters:
        targets[f"ch:{chapter.slug}"] = (chapter.id, "chapter", chapter.label)
        for heading in chapter.headings:
            if heading.id.startswith("sec-"):
                targets["sec:" + heading.id[4:]] = (heading.id, "section", heading.text)
        for figure in chapter.figures:
            if figure.label in targets:
                raise BookError(f"label '{figure.label}' is used twice", chapter.source,
                                line_of(converter.sources[chapter.slug], figure.label))
            targets[figure.label] = (figure.id, "figure", f"Figure {figure.number}")
    glossary = {sort_key(entry.term): entry for entry in book.glossary}
    index: dict[tuple[str, str | None], IndexEntry] = {}

    for chapter in book.chapters:
        container = chapter.__dict__.pop("_container")
        source, shown = converter.sources[chapter.slug], converter.files[chapter.slug]
        for ref in container.iterfind(".//a[@class='xref']"):
            label = ref.attrib.pop("data-label")
            if label not in targets:
                raise BookError(f"unknown label '{label}' in [@{label}]", shown, line_of(source, f"[@{label}]"))
            target_id, kind, text = targets[label]
            ref.set("href", f"#{target_id}")
            ref.set("data-kind", kind)
            ref.text = text
        for use in container.iterfind(".//a[@class='glossterm']"):
            term = use.attrib.pop("data-term")
            entry = glossary.get(sort_key(term))
            if entry is None:
                raise BookError(f"'{term}' is marked as a glossary term but the glossary does not define it",
                                shown, line_of(source, term + "]]") or line_of(source, term))
            use.set("href", f"#{entry.id}")
            entry.uses.append(use.get("id"))
        for mark in container.iterfind(".//span[@class='ix']"):
            term, sub, see = parse_mark(mark.attrib.pop("data-entry"))
            if not term:
                raise BookError("empty index mark", shown, line_of(source, "{^"))
            entry = index.setdefault((term, sub), IndexEntry(term=term, sub=sub))
            entry.see = entry.see or see
            entry.locations.append(IndexLocation(id=mark.get("id"), chapter=chapter.slug))
        for element in container.iter():
            element.attrib.pop("data-label", None)
        chapter.body_html = inner_xhtml(container).strip()
    book.index = sorted(index.values(), key=lambda e: (sort_key(e.term), sort_key(e.sub or "")))


def _draw_charts(book: Book, cache_dir: Path | None) -> None:
    fonts = styles.chart_fonts(book.style_dirs)
    for figure in book.figures:
        images = draw_chart(figure.spec, fonts=fonts, cache_dir=cache_dir)
        book.assets[figure.svg_name] = Asset(figure.svg_name, "image/svg+xml", images.svg)
        book.assets[figure.png_name] = Asset(figure.png_name, "image/png", images.png)
