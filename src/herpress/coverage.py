"""Every character the book prints must be in the shipped faces: no tofu, no silent fallback.

The faces are the theme's text fonts (``theme.toml`` ``[fonts] text``); their cmaps are
read with fontTools. A character missing from a face is reported with its code point,
its Unicode name, and the file and line of the manuscript where it first appears.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from . import styles
from .errors import BookError
from .model import Book
from .xhtml import parse_xhtml

# Characters WeasyPrint lays out without drawing a glyph.
INVISIBLE = {"\n", "\r", "\t", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


@lru_cache(maxsize=32)
def cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def printed_text(book: Book) -> list[tuple[str, Path | str]]:
    """(text, file it comes from) for everything the print edition sets in the text faces."""
    meta = book.metadata
    parts: list[tuple[str, Path | str]] = [
        (" ".join([meta.title, meta.subtitle, meta.creator, meta.publisher, meta.rights, meta.edition, meta.isbn]),
         "manuscript/book.toml")]
    for chapter in book.chapters:
        texts = [chapter.title, _text(chapter.body_html)] + [_text(note.html) for note in chapter.notes]
        texts += [f"{figure.spec.title} {figure.spec.source or ''}" for figure in chapter.figures]
        parts.append((" ".join(texts), chapter.source))
    for entry in book.glossary:
        parts.append((f"{entry.term} {_text(entry.definition_html)}", entry.source))
    for entry in book.index:
        parts.append((f"{entry.term} {entry.sub or ''} {entry.see or ''}", "manuscript"))
    return parts


def check_coverage(book: Book) -> None:
    """Raise a BookError naming the first character no shipped text face can draw."""
    faces = [path for path in styles.fonts(book.style_dirs, "text") if "_M." not in path.name] or \
        styles.fonts(book.style_dirs, "text")
    covered = frozenset.intersection(*(cmap(path) for path in faces)) if faces else frozenset()
    for text, source in printed_text(book):
        for char in dict.fromkeys(text):
            if char in INVISIBLE or char == " " or ord(char) in covered:
                continue
            name = unicodedata.name(char, "unnamed character")
            missing_from = ", ".join(path.name for path in faces if ord(char) not in cmap(path))
            raise BookError(f"U+{ord(char):04X} {name} ({char!r}) is not in the book's fonts ({missing_from}): "
                            "replace it or add a face that has it to styles/theme.toml",
                            *_locate(book, source, char))


def _text(fragment: str) -> str:
    return "".join(parse_xhtml(fragment).itertext()) if fragment.strip() else ""


def _locate(book: Book, source: Path | str, char: str) -> tuple[str, int | None]:
    path = book.root / source
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        return str(source), None
    for number, line in enumerate(lines, 1):
        if char in line:
            return str(source), number
    return str(source), None
