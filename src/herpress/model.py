"""The Book: everything the writers need, read once from the manuscript.

Bodies are XHTML fragments (no namespaces) in which the parts that each medium
renders its own way are left as neutral placeholders:

* ``<a class="noteref" href="#fn-…" id="fnref-…">N</a>`` — a footnote call;
* ``<figure data-figure="fig:…"/>`` — a chart, see :class:`Figure`;
* ``<a class="xref" href="#id" data-kind="figure">Figure 2.1</a>`` — a cross-reference;
* ``<a class="glossterm" href="#gl-…" id="gu-…">text</a>`` — a marked glossary term;
* ``<span class="ix" id="ix-…"></span>`` — an index location.

The model imports no writer; writers never see Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .charts.spec import ChartSpec
from .config import PrintSettings


@dataclass
class Metadata:
    title: str
    creator: str
    publisher: str
    identifier: str
    language: str = "en-US"
    subtitle: str = ""
    date: str = ""
    edition: str = ""
    rights: str = ""
    description: str = ""
    subjects: list[str] = field(default_factory=list)
    isbn: str = ""
    slug: str = ""


@dataclass
class Heading:
    id: str
    level: int
    text: str  # plain text, for contents and navigation
    html: str  # inline XHTML of the heading's content


@dataclass
class Note:
    id: str  # id of the note itself
    ref_id: str  # id of its call in the text
    number: int
    html: str  # the note's content, block XHTML


@dataclass
class Figure:
    id: str
    number: str  # "2.1"
    spec: ChartSpec
    svg_name: str  # asset names, e.g. "images/fig-poll.svg"
    png_name: str

    @property
    def label(self) -> str:
        return self.spec.label


@dataclass
class Chapter:
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
    figures: list[Figure] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Chapter {self.number}" if self.number is not None else self.title


@dataclass
class GlossaryEntry:
    term: str
    id: str
    definition_html: str
    source: Path
    line: int
    uses: list[str] = field(default_factory=list)  # ids of the marked uses, in book order


@dataclass
class IndexLocation:
    id: str  # id of the invisible anchor
    chapter: str  # chapter slug


@dataclass
class IndexEntry:
    term: str
    sub: str | None = None
    see: str | None = None
    locations: list[IndexLocation] = field(default_factory=list)


@dataclass
class Asset:
    name: str  # path inside the book, e.g. "images/fig-poll.svg"
    media_type: str
    data: bytes


@dataclass
class Book:
    root: Path  # the book folder
    metadata: Metadata
    chapters: list[Chapter]
    glossary: list[GlossaryEntry] = field(default_factory=list)
    index: list[IndexEntry] = field(default_factory=list)
    assets: dict[str, Asset] = field(default_factory=dict)
    style_dirs: list[Path] = field(default_factory=list)  # the book's styles/ first, then the defaults
    print_settings: PrintSettings = field(default_factory=PrintSettings)

    @property
    def slug(self) -> str:
        return self.metadata.slug

    @property
    def figures(self) -> list[Figure]:
        return [figure for chapter in self.chapters for figure in chapter.figures]

    @property
    def body(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind == "chapter"]

    @property
    def back(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind == "back"]

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
            for figure in chapter.figures:
                owner[figure.id] = chapter.slug
        return owner

