"""The print interior as a format of :mod:`herpress.outputs`: laid out (a part at a time, through
the part cache, where the profile allows it: :func:`print_book` chooses), preflighted, and its page
starts left for the ebooks. The parts (:mod:`.parts`) and the one-document layout (:mod:`.interior`)
are both run from here; neither imports the other's runner."""

from __future__ import annotations

from pathlib import Path

from .. import cache
from ..errors import BookError


def write(job, target: Path) -> None:
    book, out = job.book, job.out
    profile = book.print_settings.profile
    hint = cache.page_count_hint(out, profile) or estimate_pages(book)
    parts = cache.PartCache(cache.cache_dir(out) / "parts", cache.digest_of(job.inputs.code, job.inputs.print_styles)) \
        if job.inputs is not None else None
    printed = print_book(book, target, pages_hint=hint, memo=cache.load_parts_memo(out, profile), part_cache=parts,
                         progress=part_progress(book, job.report))
    if printed.memo is not None:
        cache.save_parts_memo(out, profile, printed.memo)
    from .readback import PageMemo

    job.readback = PageMemo(target, cache.BlobCache(cache.cache_dir(out) / "pages", job.inputs.code)
                            if job.inputs is not None else None)
    warnings = printed.warnings + check_interior(target, printed, book, job.readback)
    cache.save_page_count(out, profile, printed.page_count)
    if job.layout_key:
        cache.save_page_map(out, job.layout_key, printed.starts)
    job.printed, job.starts = printed, printed.starts
    job.warnings += warnings
    job.facts["pdf"] = {"pages": printed.page_count, "warnings": warnings}


def part_progress(book, report):
    """What the print layout calls as each part of the book comes back (:mod:`herpress.pdf.parts`):
    its name, and whether the part cache had it. Each is said to ``report`` as a
    :class:`herpress.outputs.Progress` of the chapters ("Laying out the chapters: 3 of 20"), then
    of the front and back matter and folios."""
    from ..outputs import Progress

    chapters = {chapter.slug for chapter in book.chapters}
    seen: set[str] = set()
    counts = {"laid": 0, "reused": 0, "other": 0}
    others = len(chapters) + 1 + bool(book.glossary or book.index)

    def done(name: str, reused: bool) -> None:
        counts["reused" if reused else "laid"] += 1
        summary = (f"{counts['laid']} part{'s' * (counts['laid'] != 1)} laid out, "
                   f"{counts['reused']} taken from the cache")
        if name in chapters:
            seen.add(name)
            report(Progress("Laying out the chapters", len(seen), len(chapters), summary))
        else:  # each chapter's folio pages, the back matter (a glossary or index), then the front matter
            counts["other"] += 1
            report(Progress("Laying out the folios, back and front matter", min(counts["other"], others), others,
                            summary))
    return done


def print_book(book, target: Path, pages_hint: int | None = None, memo=None, part_cache=None, progress=None):
    """Lay the book out and write it to ``target``: a part at a time on every core
    (:mod:`herpress.pdf.parts`) where the profile allows it, else as one document.
    ``memo`` (the fields of a :class:`~herpress.pdf.parts.Memo`, the last build's) is what the parts first guess;
    the new one is ``printed.memo``; ``part_cache`` (a :class:`~herpress.cache.PartCache`) the last
    build's parts; ``progress(name, reused)`` is told of each part as it comes back."""
    from . import parts, profiles, weasylog
    from ..fetcher import RefusedURL, refused_as_book_error
    from ..pagemap import page_starts
    from .coverage import check_coverage
    from .interior import Printed, collecting_less, write_pdf

    profile = profiles.get(book.print_settings.profile)
    with weasylog.surfaced(book) as said:  # what WeasyPrint could not draw is an error, never left out unsaid
        printed = None
        if parts.can_print_in_parts(profile):
            check_coverage(book)
            try:
                with collecting_less():
                    done = parts.print_in_parts(book, profile, target, pages_hint or 0,
                                                parts.Memo(**memo) if memo else None, part_cache, progress)
            except RefusedURL as error:
                raise refused_as_book_error(error) from None
            if done is not None:
                printed, printed.memo = done
        if printed is None:
            laid_out = write_pdf(book, target, profile, pages_hint)
            printed = Printed(laid_out.page_count, laid_out.page_labels, page_starts(laid_out, book),
                              laid_out.misplaced_notes, profile, laid_out.geometry, laid_out.relieved,
                              bodies=laid_out.bodies)
    printed.warnings = printed.warnings + [w for w in said.warnings if w not in printed.warnings]
    return printed


def estimate_pages(book) -> int:
    """A guess at the printed page count, to pick the gutter band of the first layout (which
    then checks it, and lays the book out again when the band was wrong): ~1,850 visible
    characters per 6×9 in page (measured on the benchmark's book), scaled by the text area, plus
    chapter openings, the front matter, and the glossary and index by their lines
    (:func:`back_matter_pages`)."""
    from ..config import TRIMS

    width, height = TRIMS[book.print_settings.trim]
    area = (width - 1.2) * (height - 1.5) / (4.8 * 7.5)
    characters = sum(chapter.visible_characters() for chapter in book.chapters)
    return round(characters / (1850 * area) + 1.5 * len(book.chapters) + 8
                 + back_matter_pages(book, (width - 1.2) / 4.8, (height - 1.5) / 7.5))


def back_matter_pages(book, wide: float = 1.0, tall: float = 1.0) -> float:
    """The glossary's and the index's pages, guessed from their lines as print.css sets them on a
    6×9 in page (``wide`` and ``tall``: the text block's size against that one's): a glossary entry
    is its term, its definition at ~50 characters a line and its page list in the smaller type, 37
    lines a page; an index entry or sub-entry is a line of ~40 characters, its page list running on,
    in two columns of 43 lines. Each opens on a recto. A big index is most of a book's back matter
    (the 20,000-mark benchmark book's: 110 of its 516 pages), and left out of the guess it put the
    book in the wrong gutter band: the whole book was laid out twice."""
    import math

    from ..model import visible_characters

    pages = 0.0
    if book.glossary:
        lines = sum(1.7 + math.ceil(visible_characters(entry.definition_html) / (50 * wide))
                    + math.ceil((7 + 5 * len(entry.uses)) / (60 * wide)) for entry in book.glossary)
        pages += 2 + lines / (37 * tall)
    if book.index:
        entries = [e for main in book.index for e in (main, *main.subentries)]
        lines = sum(1 + (len(e.sub or e.term) + 5 * len(e.locations) + 8 * bool(e.see)) // (40 * wide)
                    for e in entries) + 2.5 * len(book.index_by_letter)
        pages += 2 + lines / (2 * 43 * tall)
    return pages


def check_interior(path: Path, laid_out, book=None, memo=None) -> list[str]:
    """Preflight a freshly written interior (``laid_out``: a PrintLayout or Printed): errors stop
    the build, each named by the file its page prints (``book``) and its folio; warnings are
    returned. ``memo``: a :class:`.readback.PageMemo` of the pages read back by earlier builds."""
    from .preflight import Expected, preflight
    from .profiles import inks

    g = laid_out.geometry
    interior = book.print_settings.interior if book is not None else "bw"
    checked = preflight(path, laid_out.profile, Expected((g.width, g.height), g.bleed, g.bleed_sides if g.bleed else "none"),
                        images=False,  # proofread.py names each low-resolution image by its file
                        inks=inks(laid_out.profile, interior), memo=memo)
    notes = [f"footnote {note} is not on the page of its call (WeasyPrint #1564)" for note in laid_out.misplaced_notes]
    errors = [where_printed(message, book, laid_out) for message in checked.errors]
    if errors:
        raise BookError(f"the {laid_out.profile.name} PDF fails preflight: " + "; ".join(errors))
    return [where_printed(message, book, laid_out) for message in checked.warnings] + notes


def where_printed(message: str, book, laid_out) -> str:
    """``page 17: …`` (a page of the PDF) said as ``manuscript/02-why.md, page 11 (the PDF's 17th): …``:
    the file that page prints, and the folio printed on it."""
    import re

    from .pagefit import page_regions

    found = re.match(r"page (\d+): ", message)
    starts = getattr(laid_out, "starts", None)
    if not found or book is None or not starts:
        return message
    index = int(found[1]) - 1
    region = page_regions(starts, index + 1)[index]
    chapter = next((c for c in book.chapters if region == f"chapter:{c.slug}"), None)
    labels = getattr(laid_out, "page_labels", None) or []
    folio = labels[index] if index < len(labels) and labels[index] else ""
    where = str(chapter.source) if chapter is not None else (region or "the front matter")
    page = f"page {folio} (the PDF's page {index + 1})" if folio else f"the PDF's page {index + 1}"
    return f"{where}, {page}: {message[found.end():]}"
