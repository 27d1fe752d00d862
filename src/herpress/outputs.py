"""Every output format herpress writes, in one registry that ``build``, ``watch``, ``check``, the
cache and the CLI walk instead of naming formats.

A format is a name (as the CLI and ``book.toml`` say it), a medium, the end of its file name, and
the function that writes it from a :class:`Job`. Print formats are written first: the ebooks carry
the print edition's page numbers. Adding one is a module with ``write(job, target)`` and one line
in :data:`FORMATS`; the cache keys it by its name, ``watch --only`` and ``check --build`` take it.

Nothing here imports a writer: a format's module is imported when that format is built, so a
command that writes only an EPUB never imports WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import BookError

if TYPE_CHECKING:
    from .model import Book


class Progress(str):
    """A ``report`` message within the step under way: how far it has come (``done`` of ``total``:
    a bar on a terminal) and what it has come to so far (``summary``, which ``--verbose`` prints
    after the step's time). Not a step of its own."""

    done: int | None
    total: int | None
    summary: str

    def __new__(cls, message: str, done: int | None = None, total: int | None = None, summary: str = ""):
        self = super().__new__(cls, message)
        self.done, self.total, self.summary = done, total, summary
        return self


@dataclass(frozen=True)
class Format:
    name: str  # "epub", "kindle", "pdf"…: the CLI's and book.toml's word for it, and its cache record
    medium: str  # "print" or "ebook"
    suffix: str  # the file name after the book's slug
    writer: str  # "module:function", called as function(job, target)
    summary: str  # one line, for --help and the README
    warm: tuple[str, ...] = ()  # modules a watch imports once, so that each forked build starts with them

    def file_name(self, book: Book) -> str:
        return book.slug + self.suffix

    def write(self, job: Job, target: Path) -> None:
        module, function = self.writer.split(":")
        getattr(import_module(module), function)(job, target)


_EPUB = ("ebooklib", "herpress.epub.output")
FORMATS = (
    Format("pdf", "print", ".pdf", "herpress.pdf.output:write", "the print interior, for the profile's printer",
           ("pypdf", "weasyprint", "weasyprint.text.fonts", "herpress.pdf.output", "herpress.pdf.parts",
            "herpress.pdf.pdfjoin", "herpress.pdf.preflight")),
    Format("epub", "ebook", ".epub", "herpress.epub.output:write", "the EPUB 3 for Google Play and every other store", _EPUB),
    Format("kindle", "ebook", "-kindle.epub", "herpress.epub.kindle:write", "for KDP's EPUB upload: PNG art, no SVG",
           (*_EPUB, "herpress.epub.kindle")),
    Format("kobo", "ebook", ".kepub.epub", "herpress.epub.kobo:write", "Kobo's kepub: sentence spans for highlights",
           (*_EPUB, "herpress.epub.kobo")),
    Format("apple", "ebook", "-apple.epub", "herpress.epub.apple:write", "for Apple Books: the embedded faces used",
           (*_EPUB, "herpress.epub.apple")),
)
STORES = tuple(f.name for f in FORMATS if f.medium == "ebook" and f.name != "epub")  # book.toml's [ebook] stores


def names() -> list[str]:
    return [f.name for f in FORMATS]


def get(name: str) -> Format:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise BookError(f"unknown output format '{name}' (one of {', '.join(names())})")


def ordered(names) -> list[Format]:
    """The formats named, each once, print first (the ebooks take its page numbers), then in
    the registry's order."""
    wanted = {get(name).name for name in names}
    return [f for f in FORMATS if f.name in wanted and f.medium == "print"] + \
        [f for f in FORMATS if f.name in wanted and f.medium != "print"]


def warm(names) -> None:
    """Import, once, what building ``names`` uses (:mod:`herpress.watch` forks each build)."""
    for fmt in ordered(names):
        for module in fmt.warm:
            import_module(module)


@dataclass
class Job:
    """One build, as each format's writer sees it: the book, where the build's files go, and what
    the formats written before leave for the next (the print layout's page starts)."""

    book: Book
    out: Path  # BOOK_DIR/build
    inputs: object | None  # cache.Inputs, None when the book's files could not be listed
    layout_key: str | None = None  # what the print layout depends on (cache.Inputs.layout_key)
    starts: list | None = None  # pagemap.PageStart of the printed pages, once a print format laid them out
    printed: object | None = None  # the print writer's Printed (its page count; proofread reads it)
    readback: object | None = None  # the print PDF's pdf.readback.PageMemo: preflight's and proofread's pages
    warnings: list[str] = field(default_factory=list)  # preflight's: acceptable, worth reading
    notices: list[str] = field(default_factory=list)  # one-line remarks, by format
    facts: dict[str, dict] = field(default_factory=dict)  # per format: what its cache record repeats
    report: Callable[[str], None] = lambda message: None  # a writer's Progress within its step (the CLI shows it)
    _shared: dict[str, object] = field(default_factory=dict)

    def shared(self, name: str, make: Callable[[], object]):
        """What several formats of one build use, made once (the EPUB's documents, for every edition)."""
        if name not in self._shared:
            self._shared[name] = make()
        return self._shared[name]
