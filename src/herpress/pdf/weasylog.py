"""WeasyPrint's own messages about the book, said as herpress's, never swallowed.

WeasyPrint logs, rather than raises, what it could not use — an image it could not load or draw
("Failed to load image at …", "Failed to render SVG image …"), a rule of a stylesheet it ignored,
a font it could not read — to its ``weasyprint`` logger, which has only a NullHandler: the PDF
then goes without the picture, and the build says nothing. herpress checks the book's images and
stylesheets before the layout (:mod:`herpress.images`, :mod:`herpress.references`), so none of
these should come; when one does, :func:`surfaced` makes it a herpress message: an error for
what WeasyPrint left out (its errors), at the Markdown file and line that uses the image when it
is one of the book's, and a warning for the rest.

    with weasylog.surfaced(book) as said:
        document = html.render(...)      # the errors are raised here, together, as BookErrors
    warnings += said.warnings
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from ..errors import BookError, Problems

LOGGER = "weasyprint"  # its progress logger, "weasyprint.progress", says only INFO
# Said of WeasyPrint's own bookkeeping, not of the book: an empty anchor (``<p><a id/></p>``) at a
# page break is laid out twice, and said "defined twice" (herpress checks the book's ids itself;
# the Rust book gave 2 × 19 of these, its ids all unique)
BOOKKEEPING = ("Anchor defined twice",)
IMAGE = re.compile(r"^Failed to (?:load image at|render SVG image) '?(?P<url>[^\s':]+:[^\s']+)'?")


class Said(logging.Handler):
    """What WeasyPrint logged at WARNING or above while a :func:`surfaced` block ran."""

    def __init__(self, book=None):
        super().__init__(logging.WARNING)
        self.book = book
        self.errors = Problems()
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is still said
            message = str(record.msg)
        if record.levelno >= logging.ERROR:
            self.errors.add(self.located(message))
        elif not message.startswith(BOOKKEEPING) and f"WeasyPrint: {message}" not in self.warnings:
            self.warnings.append(f"WeasyPrint: {message}")

    def located(self, message: str) -> BookError:
        match = IMAGE.match(message)
        if match is None or self.book is None:
            return BookError(f"the PDF would leave something out: WeasyPrint says: {message}")
        name = _name(self.book, match["url"])
        file, line = _use_of(self.book, name) if name else (None, None)
        return BookError(f"image '{name or match['url']}' could not be drawn in the PDF (WeasyPrint: {message})",
                         file, line)


@contextmanager
def surfaced(book=None) -> Iterator[Said]:
    """Collect WeasyPrint's warnings and errors while the block runs; its errors are raised at the
    end of the block (when nothing else was), each a :class:`BookError`."""
    handler = Said(book)
    logger = logging.getLogger(LOGGER)
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    handler.errors.raise_any()


def _name(book, url: str) -> str | None:
    """The book's name for the image at ``url`` (its path under the manuscript folder)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path))
    try:
        return path.relative_to(book.base).as_posix()
    except ValueError:
        return None


def _use_of(book, name: str) -> tuple[str | None, int | None]:
    """The Markdown file and line where ``name`` is first used as an image."""
    from ..sources import written_at

    for chapter in book.chapters:
        if f'src="{name}"' in chapter.body_html:
            file, line = written_at(book.root, chapter.files, (name, Path(name).name))
            return (file, line) if file else (str(chapter.source), None)
    return None, None
