"""The Book: everything the writers need, read once from the manuscript.

Bodies are XHTML fragments (no namespaces) in which the parts that each medium
renders its own way are left as neutral placeholders:

* ``<a class="noteref" href="#fn-…" id="fnref-…">N</a>`` — a footnote call;
* ``<figure data-figure="fig:…"/>`` — a chart, see :class:`Figure`;
* ``<figure class="image" id="fig-…">`` — an image of the author's as a figure, see :class:`Illustration`;
* ``<a class="xref" href="#id" data-kind="figure">Figure 2.1</a>`` — a cross-reference;
* ``<a class="glossterm" href="#gl-…" id="gu-…">text</a>`` — a marked glossary term;
* ``<span class="ix" id="ix-…"></span>`` — an index location.

Tables keep their own markup: a labelled table carries its id and a ``<caption>``
that begins with ``<span class="table-number">Table 2.1</span>``.

The model imports no writer; writers never see Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .charts.spec import ChartSpec
from .config import BookSection as Metadata  # the [book] table of book.toml, as typed there
from .config import PrintSettings

_MARKUP = re.compile(r"<[^>]*>|\s+")


def visible_characters(html: str) -> int:
    """The characters a piece of the book's XHTML prints, spaces and markup left out (for
    guessing pages before anything is laid out)."""
    return len(_MARKUP.sub("", html))


class _Parsed:
    """A fragment of the model's XHTML, parsed once: the reader hands over the tree it made the
    markup from (:meth:`keep_tree`), else the markup is parsed the first time it is asked for.
    The tree is shared: read it (:meth:`tree`); to change it, change a copy (:meth:`tree_copy`)."""

    _markup_field = "html"

    def keep_tree(self, tree) -> None:
        """``tree``: the markup (already set) as parsed, the tree it was written from."""
        self._tree, self._tree_of = tree, getattr(self, self._markup_field)

    def tree(self):
        markup = getattr(self, self._markup_field)
        if getattr(self, "_tree_of", None) is not markup:  # none yet, or the markup was set anew
            from .xhtml import parse_xhtml

            self._tree, self._tree_of = parse_xhtml(markup), markup
        return self._tree

    def tree_copy(self):
        import copy

        return copy.deepcopy(self.tree())


@dataclass
class Heading:
    id: str
    level: int
    text: str  # plain text, for contents and navigation
    html: str  # inline XHTML of the heading's content
    written: int = 0  # the level the author wrote, where the reader moved a heading that skipped one


@dataclass
class Note(_Parsed):
    id: str  # id of the note itself
    ref_id: str  # id of its call in the text
    number: int
    html: str  # the note's content, block XHTML


@dataclass
class Figure:
    id: str
    number: str  # "2.1"
    spec: ChartSpec
    svg_name: str  # asset names, e.g. "images/fig-poll.svg": the ebooks' SVG (labels as outlines)
    png_name: str  # the Kindle edition's
    print_svg_name: str = ""  # the print edition's SVG (labels as text), e.g. "images/fig-poll.print.svg"
    ordinal: int = 0  # its place among the chapter's numbered figures, charts and illustrations

    @property
    def label(self) -> str:
        return self.spec.label


@dataclass
class Illustration:
    """A labelled image of the author's set as a figure (:mod:`herpress.extensions.image_figures`):
    its markup stays in the body, with its number at the head of its caption."""

    id: str  # "fig-tree"
    label: str  # "fig:tree"
    number: str  # "3.2", in one sequence with the chapter's charts
    caption: str  # plain text, without the number
    ordinal: int = 0


@dataclass
class Table:
    id: str  # "tab-viewing"
    label: str  # "tab:viewing"
    number: str  # "2.1", per chapter like figures
    caption: str  # plain text, without the number


@dataclass
class Chapter(_Parsed):
    slug: str
    source: Path  # relative to the book folder, for messages
    kind: str  # "chapter" (body) or "back" (back matter)
    number: int | None  # None for unnumbered chapters
    id: str  # id of the chapter heading
    title: str  # plain text
    title_html: str
    body_html: str  # everything after the title
    headings: list[Heading] = field(default_factory=list)  # level 2 and below
    notes: list[Note] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)  # charts
    illustrations: list[Illustration] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    part: str = ""  # the title of the part this chapter opens (mdBook's "# Part" lines), if any
    files: list[Path] = field(default_factory=list)  # every file its text came from (pages, includes)

    _markup_field = "body_html"  # its tree (:class:`_Parsed`) is the body's

    @property
    def label(self) -> str:
        return f"Chapter {self.number}" if self.number is not None else self.title

    def visible_characters(self) -> int:
        """The characters it prints, its notes' included, spaces and markup left out (for guessing
        its pages before it is laid out)."""
        return visible_characters(self.body_html) + sum(visible_characters(note.html) for note in self.notes)


@dataclass
class Location:
    """A marked place in the text: a glossary use or an index mark."""

    id: str  # id of the mark (``gu-…`` / ``ix-…``)
    chapter: str  # chapter slug
    where: str = ""  # the chapter's label as a reader sees it ("Chapter 2", "Introduction")


IndexLocation = Location  # the older name


def by_chapter(locations: list[Location]) -> list[tuple[str, list[Location]]]:
    """Locations grouped by chapter, in reading order: ``[("Chapter 2", [loc, loc]), …]``."""
    groups: list[tuple[str, list[Location]]] = []
    for location in locations:
        if groups and groups[-1][1][0].chapter == location.chapter:
            groups[-1][1].append(location)
        else:
            groups.append((location.where, [location]))
    return groups


@dataclass
class GlossaryEntry:
    term: str
    id: str
    definition_html: str
    source: Path
    line: int
    uses: list[Location] = field(default_factory=list)  # the marked uses, in book order

    @property
    def uses_by_chapter(self) -> list[tuple[str, list[Location]]]:
        return by_chapter(self.uses)


@dataclass
class IndexEntry:
    """A main entry (``sub`` is None) with its sub-entries, or a sub-entry."""

    term: str
    sub: str | None = None
    see: str | None = None  # "see" reference: another main entry's term
    see_id: str = ""  # id of that entry, when the index has it
    locations: list[Location] = field(default_factory=list)
    subentries: list["IndexEntry"] = field(default_factory=list)
    key: str = ""  # case- and accent-free sort key of the term, set by the reader
    id: str = ""  # id of the entry in the index (for "see" links)
    markup: str = ""  # the term (or sub-entry) as the index shows it: titles in <em>; else its text

    @property
    def text(self) -> str:
        return self.sub if self.sub is not None else self.term

    @property
    def shown(self) -> str:
        """The entry's markup as the index prints it (escaped text when no title is in it)."""
        import html

        return self.markup or html.escape(self.text)

    @property
    def letter(self) -> str:
        """The letter the entry is filed under; "#" for digits and symbols."""
        first = self.key[:1].upper()
        return first if first.isalpha() else "#"

    @property
    def locations_by_chapter(self) -> list[tuple[str, list[Location]]]:
        return by_chapter(self.locations)


@dataclass
class BookWarning:
    """Something worth fixing that does not stop the build. Printed as ``file:line: warning: message``."""

    message: str
    file: Path | str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:" + (f"{self.line}:" if self.line is not None else "") + " " if self.file else ""
        return f"{where}warning: {self.message}"


@dataclass
class Asset:
    name: str  # path inside the book, e.g. "images/fig-poll.svg"
    media_type: str
    content: bytes | Callable[[], bytes]  # or a function that returns them once made (a chart being drawn)

    @property
    def data(self) -> bytes:
        if callable(self.content):
            self.content = self.content()
        return self.content


@dataclass
class Book:
    root: Path  # the book folder
    metadata: Metadata
    chapters: list[Chapter]
    glossary: list[GlossaryEntry] = field(default_factory=list)
    index: list[IndexEntry] = field(default_factory=list)  # main entries, sorted; sub-entries inside
    assets: dict[str, Asset] = field(default_factory=dict)
    cover: Asset | None = None  # the author's cover image, when book.toml names one
    style_dirs: list[Path] = field(default_factory=list)  # the book's styles/ first, then the defaults
    print_settings: PrintSettings = field(default_factory=PrintSettings)
    warnings: list[BookWarning] = field(default_factory=list)
    base: Path | None = None  # the folder image paths are relative to (manuscript/, an mdBook's src/…)
    config_file: str = "manuscript/book.toml"  # where the metadata came from, for messages ("" when guessed)

    def __post_init__(self):
        self.base = self.base or self.root / "manuscript"

    @property
    def slug(self) -> str:
        return self.metadata.slug

    @property
    def figures(self) -> list[Figure]:
        return [figure for chapter in self.chapters for figure in chapter.figures]

    @property
    def tables(self) -> list[Table]:
        return [table for chapter in self.chapters for table in chapter.tables]

    @property
    def index_by_letter(self) -> list[tuple[str, list[IndexEntry]]]:
        """The index's main entries grouped under their letters, in order."""
        groups: list[tuple[str, list[IndexEntry]]] = []
        for entry in self.index:
            if groups and groups[-1][0] == entry.letter:
                groups[-1][1].append(entry)
            else:
                groups.append((entry.letter, [entry]))
        return groups

    @property
    def body(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind == "chapter"]

    @property
    def back(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind == "back"]

    def wait_for_assets(self) -> None:
        """Wait for the assets still being made (charts drawn in another process); raises their errors."""
        for asset in self.assets.values():
            asset.data

    def chapter_of_id(self) -> dict[str, str]:
        """Map every id in the book to the slug of the chapter holding it."""
        from .xhtml import ids_in

        owner: dict[str, str] = {}
        for chapter in self.chapters:
            owner[chapter.id] = chapter.slug
            for element_id in ids_in(chapter.body_html):
                owner[element_id] = chapter.slug
            for note in chapter.notes:
                owner[note.id] = chapter.slug
                for element_id in ids_in(note.html):  # marks inside notes
                    owner[element_id] = chapter.slug
            for figure in chapter.figures:
                owner[figure.id] = chapter.slug
        return owner

