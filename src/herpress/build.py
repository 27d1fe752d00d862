"""One function per command: read the book once, hand it to the writers, move outputs into place.

An output is written to a temporary file beside it and renamed only when complete,
so a failed build leaves the previous outputs as they were.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from . import cache, tempdirs
from .errors import BookError

if TYPE_CHECKING:
    from .model import Book

Report = Callable[[str], None]


@dataclass
class BuildResult:
    book: Book | None  # None when nothing had to be built (``up_to_date``)
    outputs: dict[str, Path] = field(default_factory=dict)
    page_count: int | None = None
    warnings: list[str] = field(default_factory=list)  # from preflight: acceptable, worth reading
    up_to_date: bool = False  # every output was there, built from the same inputs: nothing was done
    book_warnings: list[str] = field(default_factory=list)  # the manuscript's, repeated on a no-op build
    notices: list[str] = field(default_factory=list)  # one-line remarks for stderr


NO_PAGE_NUMBERS = "no print page numbers: run 'herpress build' to include them"


def output_dir(book_dir: Path) -> Path:
    return book_dir.resolve() / "build"


def read_book(book_dir: Path, profile: str | None = None, report: Report = lambda message: None,
              source=None) -> "Book":
    """Read the manuscript through the chapter and chart caches; ``profile`` overrides book.toml's."""
    from .reader import load_book
    from .sources import open_book

    out = output_dir(book_dir)
    report("Reading the manuscript")
    source = source or open_book(book_dir)
    book = load_book(book_dir, cache_dir=out / ".cache" / "charts",
                     chapter_cache=cache.ChapterCache.for_book(source.base, cache.cache_dir(out) / "chapters"),
                     source=source)
    if profile:
        from .profiles import get

        book.print_settings.profile = get(profile).name
    return book


def build(book_dir: Path, formats: tuple[str, ...] = ("epub", "pdf"), *, outputs: dict[str, Path] | None = None,
          profile: str | None = None, report: Report = lambda message: None) -> BuildResult:
    """Build the book in ``book_dir`` into the given formats; return where each went (:func:`_build`).
    No temporary folder outlives it (:mod:`herpress.tempdirs`)."""
    with tempdirs.cleaned():
        return _build(book_dir, formats, outputs=outputs, profile=profile, report=report)


def _build(book_dir: Path, formats: tuple[str, ...], *, outputs: dict[str, Path] | None,
           profile: str | None, report: Report) -> BuildResult:
    """Build the book in ``book_dir`` into the given formats; return where each went.

    Nothing is done when the last build made every output from the same inputs and the
    outputs are unchanged (``result.up_to_date``). ``herpress build`` gives the EPUB the print
    edition's page numbers; an EPUB built alone takes them from the last layout when it is of
    the same content, and otherwise goes without (``result.notices`` says so).
    """
    from .sources import open_book

    out = output_dir(book_dir)
    source = open_book(book_dir)
    inputs = cache.Inputs.of(book_dir, source.inputs())
    if inputs is not None:
        keys = {fmt: inputs.output_key(fmt, profile, (outputs or {}).get(fmt)) for fmt in formats}
        previous = cache.up_to_date(out, keys)
        unpaged = (previous or {}).get("epub", {}).get("notices")
        if unpaged and ("pdf" in formats or cache.load_page_map(out, previous["epub"]["layout_key"]) is not None):
            previous = None  # an EPUB without page numbers, and now they can be had
        if previous is not None:
            report("Up to date")
            first = next(iter(previous.values()))
            return BuildResult(None, {fmt: Path(r["path"]) for fmt, r in previous.items()},
                               page_count=previous.get("pdf", {}).get("pages"), up_to_date=True,
                               warnings=[w for r in previous.values() for w in r.get("warnings", [])],
                               book_warnings=first.get("book_warnings", []),
                               notices=[n for r in previous.values() for n in r.get("notices", [])])
    book = read_book(book_dir, profile, report, source)
    result = BuildResult(book)
    targets = {fmt: (outputs or {}).get(fmt) or out / f"{book.slug}.{fmt}" for fmt in formats}
    layout_key = inputs.layout_key(book.print_settings.profile) if inputs else None
    starts = None  # where the printed pages begin, for the EPUB's page-list
    if "pdf" in targets:
        from .writers.pdf import print_book

        report("Laying out the print PDF")
        hint = cache.page_count_hint(out, book.print_settings.profile) or estimate_pages(book)
        with atomic(targets["pdf"]) as temporary:
            printed = print_book(book, temporary, pages_hint=hint)
            result.page_count = printed.page_count
            report("Preflight")
            result.warnings += check_interior(temporary, printed)
        cache.save_page_count(out, book.print_settings.profile, printed.page_count)
        starts = printed.starts
        if layout_key:
            cache.save_page_map(out, layout_key, starts)
        result.outputs["pdf"] = targets["pdf"]
    if "epub" in targets:
        from .writers.epub import write_epub

        if starts is None and layout_key:
            starts = cache.load_page_map(out, layout_key)
        if starts is None:
            result.notices.append(NO_PAGE_NUMBERS)
        report("Packing the EPUB")
        drawn = cached_cover(book, out, inputs) if book.cover is None and inputs is not None else None
        with atomic(targets["epub"]) as temporary:
            write_epub(book, temporary, starts=starts or [], drawn_cover=drawn,
                       deflate_cache=cache.cache_dir(out) / "deflate")
        result.outputs["epub"] = targets["epub"]
    if inputs is not None:
        book_warnings = [str(w) for w in book.warnings]
        for fmt, path in result.outputs.items():
            facts = {"pages": result.page_count, "warnings": result.warnings} if fmt == "pdf" else \
                {"notices": result.notices, "layout_key": layout_key}
            cache.record_output(out, fmt, keys[fmt], path, book_warnings=book_warnings, **facts)
    return result


def cached_cover(book: Book, out: Path, inputs: cache.Inputs) -> bytes:
    """The typographic EPUB cover (:func:`herpress.cover_image.typographic`), drawn once per
    metadata, fonts and herpress version: matplotlib is not even imported when it is cached."""
    path = cache.cache_dir(out) / "cover" / f"{cache.digest_of(inputs.code, inputs.styles, repr(book.metadata))}.png"
    try:
        return path.read_bytes()
    except OSError:
        from .cover_image import typographic

        data = typographic(book)
        cache.write_atomically(path, data)
        return data


def estimate_pages(book: Book) -> int:
    """A guess at the printed page count, to pick the gutter band of the first layout (which
    then checks it): ~1,850 visible characters per 6×9 in page (measured on the benchmark's book),
    scaled by the text area, plus chapter openings and the front and back matter."""
    from .config import TRIMS

    width, height = TRIMS[book.print_settings.trim]
    area = (width - 1.2) * (height - 1.5) / (4.8 * 7.5)
    characters = sum(len(_MARKUP.sub("", c.body_html)) + sum(len(_MARKUP.sub("", n.html)) for n in c.notes)
                     for c in book.chapters)
    return round(characters / (1850 * area) + 1.5 * len(book.chapters) + 12)


_MARKUP = re.compile(r"<[^>]*>|\s+")


def check_interior(path: Path, laid_out) -> list[str]:
    """Preflight a freshly written interior (``laid_out``: a PrintLayout or Printed): errors stop
    the build, warnings are returned."""
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
    with tempdirs.cleaned():
        return _cover(book_dir, profile=profile, paper=paper, output=output, report=report)


def _cover(book_dir: Path, *, profile: str | None, paper: str | None, output: Path | None, report: Report) -> BuildResult:
    from .writers.cover import write_cover
    from .writers.pdf import layout

    out = output_dir(book_dir)
    book = read_book(book_dir, profile, report)
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
