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
    warnings: list[str] = field(default_factory=list)  # from preflight: acceptable, worth reading


def output_dir(book_dir: Path) -> Path:
    return book_dir.resolve() / "build"


def build(book_dir: Path, formats: tuple[str, ...] = ("epub", "pdf"), *, outputs: dict[str, Path] | None = None,
          profile: str | None = None, report: Report = lambda message: None) -> BuildResult:
    """Build the book in ``book_dir`` into the given formats; return where each went."""
    out = output_dir(book_dir)
    report("Reading the manuscript")
    book = load_book(book_dir, cache_dir=out / ".cache" / "charts")
    if profile:
        from .profiles import get

        book.print_settings.profile = get(profile).name
    result = BuildResult(book)
    targets = {fmt: (outputs or {}).get(fmt) or out / f"{book.slug}.{fmt}" for fmt in formats}
    laid_out = None  # the print layout, computed once: the PDF and the EPUB's page-list share it
    if "pdf" in targets:
        from .writers.pdf import layout, write_layout

        report("Laying out the print PDF")
        laid_out = layout(book)
        with atomic(targets["pdf"]) as temporary:
            write_layout(book, laid_out, temporary)
            result.page_count = laid_out.page_count
            report("Preflight")
            result.warnings += check_interior(temporary, laid_out)
        result.outputs["pdf"] = targets["pdf"]
    if "epub" in targets:
        from .writers.epub import write_epub

        if laid_out is None:
            from .writers.pdf import layout

            report("Laying out the print edition (for the EPUB's page numbers)")
            laid_out = layout(book)
        report("Packing the EPUB")
        with atomic(targets["epub"]) as temporary:
            write_epub(book, temporary, laid_out)
        result.outputs["epub"] = targets["epub"]
    return result


def check_interior(path: Path, laid_out) -> list[str]:
    """Preflight a freshly written interior: errors stop the build, warnings are returned."""
    from .errors import BookError
    from .preflight import Expected, preflight

    g = laid_out.geometry
    checked = preflight(path, laid_out.profile, Expected((g.width, g.height), g.bleed, g.bleed_sides if g.bleed else "none"))
    notes = [f"footnote {note} is not on the page of its call (WeasyPrint #1564)" for note in laid_out.misplaced_notes]
    if checked.errors:
        raise BookError(f"the {laid_out.profile.name} PDF fails preflight: " + "; ".join(checked.errors))
    return checked.warnings + notes


def cover(book_dir: Path, *, profile: str | None = None, paper: str | None = None, output: Path | None = None,
          report: Report = lambda message: None) -> BuildResult:
    """The full-wrap cover, its spine sized from the interior's real page count."""
    from .writers.cover import write_cover
    from .writers.pdf import layout

    out = output_dir(book_dir)
    report("Reading the manuscript")
    book = load_book(book_dir, cache_dir=out / ".cache" / "charts")
    if profile:
        from .profiles import get

        book.print_settings.profile = get(profile).name
    if paper:
        book.print_settings.paper = paper
    report("Laying out the interior to count its pages")
    pages = layout(book).page_count
    result = BuildResult(book, page_count=pages)
    target = output or out / f"{book.slug}-cover.pdf"
    report("Laying out the cover")
    with atomic(target) as temporary:
        result.warnings += write_cover(book, temporary, pages)
    result.outputs["cover"] = target
    return result


def proof(book_dir: Path, *, profile: str | None = None, report: Report = lambda message: None) -> BuildResult:
    """Build the print PDF, then render its spreads as PNGs into BOOK_DIR/build/proof/."""
    from .proof import render_spreads

    result = build(book_dir, ("pdf",), profile=profile, report=report)
    report("Rendering spreads")
    spreads = render_spreads(result.outputs["pdf"], output_dir(book_dir) / "proof")
    result.outputs["proof"] = spreads[0].parent if spreads else output_dir(book_dir) / "proof"
    return result


@contextmanager
def atomic(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.part"):  # left by a build that was killed
        stale.unlink(missing_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
