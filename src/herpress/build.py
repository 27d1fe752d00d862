"""One function per command: read the book once, hand it to the writers, move outputs into place.

An output is written to a temporary file beside it and renamed only when complete,
so a failed build leaves the previous outputs as they were.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .model import Book
from .reader import load_book

Report = Callable[[str], None]


@dataclass
class BuildResult:
    book: Book
    outputs: dict[str, Path] = field(default_factory=dict)
    page_count: int | None = None


def output_dir(book_dir: Path) -> Path:
    return book_dir.resolve() / "build"


def build(book_dir: Path, formats: tuple[str, ...] = ("epub", "pdf"), *, outputs: dict[str, Path] | None = None,
          report: Report = lambda message: None) -> BuildResult:
    """Build the book in ``book_dir`` into the given formats; return where each went."""
    out = output_dir(book_dir)
    report("Reading the manuscript")
    book = load_book(book_dir, cache_dir=out / ".cache" / "charts")
    result = BuildResult(book)
    targets = {fmt: (outputs or {}).get(fmt) or out / f"{book.slug}.{fmt}" for fmt in formats}
    if "pdf" in targets:
        from .writers.pdf import write_pdf

        report("Laying out the print PDF")
        with atomic(targets["pdf"]) as temporary:
            result.page_count = write_pdf(book, temporary).page_count
        result.outputs["pdf"] = targets["pdf"]
    if "epub" in targets:
        from .writers.epub import write_epub

        report("Packing the EPUB")
        with atomic(targets["epub"]) as temporary:
            write_epub(book, temporary)
        result.outputs["epub"] = targets["epub"]
    return result


@contextmanager
def atomic(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
