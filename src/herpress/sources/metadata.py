"""Metadata a book did not give: filled with a sensible default and a warning, never an error.

An author's mdBook or folder of Markdown files rarely says who published it or what its
identifier is; the EPUB needs both. Each default is said once (``file:line: warning: …``), so the
author can set it where the source keeps its metadata. What another tool's metadata holds that an
EPUB cannot carry — control characters, an identifier with spaces or quotes, a date that is not ISO
8601 — is left out the same way, with a warning (herpress's own book.toml has them as errors:
:mod:`herpress.config`).
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from ..config import CONTROL, LANGUAGE_TAG, BookSection, identifier_problem, iso_date, not_a_uuid
from ..model import BookWarning

# a fixed namespace: the same title and author give the same identifier on every machine and build
NAMESPACE = uuid.UUID("6f9b4c1e-2d7a-5e3b-9c8d-4a1f0e2b3c5d")


def complete(book: BookSection, where: str, fallback_title: str, warnings: list[BookWarning],
             line: int | None = None) -> BookSection:
    """Fill the empty keys of ``book`` in place; add a warning for each one that an author should set."""
    def warn(message: str) -> None:
        warnings.append(BookWarning(message, where or None, line if where else None))

    for name, value in vars(book).items():
        if isinstance(value, int):  # series_position
            continue
        cleaned = [CONTROL.sub("", item) for item in value] if isinstance(value, list) else CONTROL.sub("", value)
        if cleaned != value:
            setattr(book, name, cleaned)
            warn(f"'{name}' holds control characters, which an EPUB cannot carry: left out")
    if book.identifier.strip() and identifier_problem(book.identifier.strip()):
        warn(f"identifier '{book.identifier}' {identifier_problem(book.identifier.strip())}: a new one is made")
        book.identifier = ""
    if book.date and not iso_date(book.date.strip()):
        warn(f"date '{book.date}' is not an ISO 8601 date like '2026-11-24': left out")
        book.date = ""
    book.date = book.date.strip()
    book.title = " ".join(book.title.split())
    if not book.title:
        book.title = fallback_title.replace("-", " ").replace("_", " ").strip().title() or "Untitled"
        warn(f"no title: using '{book.title}' (from the folder's name)")
    if not book.creator.strip():
        book.creator = "Unknown author"
        warn("no author: the book is credited to 'Unknown author'")
    if not book.publisher.strip():
        book.publisher = book.creator
        if book.creator != "Unknown author":
            warn(f"no publisher: using the author, '{book.creator}' (set 'publisher' for a publishing house)")
    if not book.identifier.strip():
        book.identifier = f"urn:uuid:{uuid.uuid5(NAMESPACE, book.title + chr(0) + book.creator)}"
        warn(f"no identifier: using {book.identifier}, made from the title and author; set it to keep it "
             "stable if either changes ('urn:isbn:…' once the book has an ISBN)")
    elif not_a_uuid(book.identifier):
        warn(f"identifier '{book.identifier}' is marked as a UUID (urn:uuid:) but what follows is not one "
             "(EPUBCheck warns, OPF-085)")
    language = normal_language(book.language)
    if language is None:
        warn(f"'{book.language}' is not a language tag like 'en-US': using 'en'")
        language = "en"
    book.language = language
    return book


def normal_language(value: str) -> str | None:
    """``en_US`` → ``en-US``, ``EN`` → ``en``; None when it is no language tag at all."""
    value = (value or "en").strip().replace("_", "-")
    parts = value.split("-")
    parts[0] = parts[0].lower()
    for n, part in enumerate(parts[1:], 1):
        parts[n] = part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part
    value = "-".join(parts)
    return value if LANGUAGE_TAG.match(value) else None


def plain(value: str) -> str:
    """Markdown emphasis and links taken out of a title or a name given in Markdown."""
    value = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", value)
    value = re.sub(r"[*_`]+", "", value)
    return unicodedata.normalize("NFC", " ".join(value.split()))
