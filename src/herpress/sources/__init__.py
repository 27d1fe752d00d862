"""Where a book comes from: the book folder as its author keeps it, read into one reading order.

A *source* knows one way of keeping a book — herpress's own ``manuscript/``, an mdBook
(``book.toml`` + ``src/SUMMARY.md``), a pandoc project (YAML metadata) or a plain folder of
Markdown files — and turns it into a :class:`Manuscript`: the metadata as herpress's typed
settings, the chapters in reading order (each one or more Markdown files), and the text of each
chapter with the source's own directives already applied (mdBook's ``{{#include}}``). The
reader (:mod:`herpress.reader`) then parses that text once, whatever the source was.

Nothing here runs anything from the book folder, and nothing outside it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import BookConfig
from ..errors import BookError
from ..model import BookWarning
from ..paths import NotRegular, TooLarge, read_regular, within


@dataclass
class Page:
    """One Markdown file of a chapter. A page nested ``depth`` levels below the chapter's own
    file (mdBook's nested SUMMARY items) becomes a section of it: its headings move down."""

    path: Path  # absolute
    depth: int = 0
    title: str = ""  # what the source's index calls it, for a page without a heading


@dataclass
class Entry:
    """A chapter of the reading order: its own file first, then the pages nested in it."""

    pages: list[Page]
    kind: str = "chapter"  # "front" (unnumbered, before the body), "chapter" or "back"
    part: str = ""  # the title of the part this chapter opens, if it opens one

    @property
    def path(self) -> Path:
        return self.pages[0].path

    @property
    def title(self) -> str:
        return self.pages[0].title


@dataclass
class Segment:
    """Lines ``first``… of a chapter's text come from ``file`` from line ``line`` on; an
    included file's lines all map to the line of the directive that brought them (``step`` 0)."""

    first: int
    file: str
    line: int
    step: int = 1


@dataclass
class Text:
    """A chapter's Markdown as the reader parses it, and where each of its lines came from."""

    text: str
    segments: list[Segment] = field(default_factory=list)
    notes: list[tuple[str, str, int]] = field(default_factory=list)  # warnings: (message, file, line)

    def where(self, line: int | None) -> tuple[str | None, int | None]:
        """The manuscript file and line of ``line`` of this text."""
        if not self.segments:
            return None, line
        if line is None:
            return self.segments[0].file, None
        segment = next((s for s in reversed(self.segments) if s.first <= line), self.segments[0])
        return segment.file, segment.line + (line - segment.first) * segment.step


@dataclass
class Manuscript:
    kind: str  # "herpress", "mdbook", "pandoc" or "plain"
    root: Path  # the book folder, resolved
    base: Path  # the folder image and data paths are relative to (manuscript/, src/, the folder)
    config: BookConfig
    config_file: str  # the file the metadata came from, as shown in messages ("" when guessed)
    entries: list[Entry]
    glossary: Path | None = None
    warnings: list[BookWarning] = field(default_factory=list)
    strict: bool = True  # herpress's own layout: a chapter file holds exactly one '#' heading

    def shown(self, path: Path) -> str:
        return shown(self.root, path)

    def text(self, entry: Entry) -> Text:
        """The chapter's Markdown: its files joined, nested pages' headings moved down."""
        from .pages import chapter_text

        return chapter_text(self, entry)

    def read(self, path: Path) -> Text:
        """One Markdown file's text with the source's directives applied (none by default)."""
        return Text(read_text(self.root, path), [Segment(1, self.shown(path), 1)])

    def inputs(self) -> list[Path]:
        """Every file a build of this book may read from the book folder (styles aside): what a
        no-op build compares and what ``herpress watch`` looks at."""
        return book_files(self.base)


def open_book(book_dir: Path) -> Manuscript:
    """The book in ``book_dir``, whichever way it is kept. Raises :class:`BookError` when the
    folder holds no book at all."""
    from . import herpress, mdbook, pandoc, plain

    root = book_dir.resolve()
    if not root.is_dir():
        raise BookError("no such folder: check the path, or run herpress init DIR to start a book", book_dir)
    for kind in (herpress, mdbook, pandoc, plain):
        if kind.recognizes(root):
            return kind.load(root)
    raise BookError("no book here: no manuscript/ folder (herpress), book.toml with src/SUMMARY.md (mdBook), "
                    "or Markdown files; run 'herpress init' to start a book", book_dir)


# --- what every source shares ----------------------------------------------------------------

MAX_FILE_BYTES = 4 * 2**20  # a very long chapter is ~0.5 MB; more is a mistake (or an attack)
MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")
SKIPPED_DIRS = {"build", "styles", "node_modules", "book", "_book", "target"}


def shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_text(root: Path, path: Path) -> str:
    """Read a manuscript file: a regular file inside the book folder, UTF-8 (BOM allowed),
    newlines normalized. A FIFO or a device is refused without being waited on (:mod:`herpress.paths`)."""
    where = shown(root, path)
    if "\0" in str(path):
        raise BookError("the file name holds a NUL character: no file is named so; correct the name", where.replace("\0", "\\0"))
    if not within(path, root):
        raise BookError("refused: this file lies outside the book folder; move it into the book", where)
    try:
        data = read_regular(path.resolve(), MAX_FILE_BYTES)
    except FileNotFoundError:
        raise BookError("file not found: create it, or correct the name where it is listed", where) from None
    except NotRegular as error:
        raise BookError(f"not a regular file (a {error.kind}): herpress reads chapters only from files; put the file itself there",
                        where) from None
    except TooLarge as error:
        raise BookError(f"this file is {error.size / 2**20:.1f} MB; herpress reads manuscript files of up to "
                        f"{MAX_FILE_BYTES // 2**20} MB: split it into chapters", where, 1) from None
    except OSError as error:
        raise BookError(f"cannot read: {error.strerror}; check the file's permissions", where) from None
    return decode(data, where)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text (a BOM allowed), newlines normalized; otherwise an error at the first bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BookError(f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8", where, line)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def peek(root: Path, path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    """The text of a file a source only looks at (to recognize a book, to find a title or a line):
    None when it is not a regular file inside the book, too large, or unreadable."""
    try:
        if "\0" in str(path) or not within(path, root):
            return None
        return read_regular(path.resolve(), limit).decode("utf-8-sig", errors="replace")
    except OSError:
        return None


def line_in_file(path: Path, needle: str) -> int | None:
    """The line of ``path`` where ``needle`` first appears (for a metadata file's messages)."""
    text = peek(path.parent.resolve(), path)
    if text is None:
        return None
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else None


def written_at(root: Path, files, needles) -> tuple[str | None, int | None]:
    """The first of ``files`` (relative to ``root``) holding one of ``needles``, tried in order, and
    its line: where a message about something found after reading (in the layout, by a check)
    points. Files are read as :func:`peek` reads them: regular, inside the book."""
    for file in files:
        text = peek(root, root / file)
        if text is None:
            continue
        for needle in needles:
            position = text.find(needle) if needle else -1
            if position >= 0:
                return str(file), text.count("\n", 0, position) + 1
    return None, None


def book_files(folder: Path) -> list[Path]:
    """The files under ``folder`` a book may use: no hidden files or folders, editor droppings,
    outputs (``build/``) or tool folders."""
    found = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in parts) or parts[0] in SKIPPED_DIRS or path.name.endswith("~"):
            continue
        if path.is_file():
            found.append(path)
    return found


def natural_key(path: Path) -> list:
    """``ch2`` before ``ch10``: digits compare as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", path.as_posix())]


FRONT = re.compile(r"\b(foreword|preface|prologue|introduction|acknowledg\w*|dedication|about (this|the) book|"
                   r"title[- ]page|copyright|front[- ]?matter)\b", re.IGNORECASE)
BACK = re.compile(r"\b(appendix|appendices|glossary|bibliography|references|afterword|epilogue|colophon|"
                  r"about the authors?|back[- ]?matter|endnotes)\b", re.IGNORECASE)


def kind_by_name(name: str, title: str = "") -> str | None:
    """"front" or "back" when a file's name or title says so (Foreword, Appendix A…), else None."""
    words = f"{re.sub(r'[-_]+', ' ', Path(name).stem)} {title}"
    if BACK.search(words):
        return "back"
    if FRONT.search(words):
        return "front"
    return None
