"""``herpress stats``: what the book holds, chapter by chapter, and what it comes to in print.

Words are counted as the word gate counts them (:mod:`herpress.wordgate`: runs of letters in
the title, body and notes), so the numbers agree with ``check --build``. Reading time is at 238
words a minute, the average silent reading rate for non-fiction in English (Brysbaert 2019,
*Journal of Memory and Language* 109). Print pages come from the last print layout of this same
content (the page map ``herpress build`` or ``herpress pdf`` cached): nothing is laid out here, so
stats costs a read of the book; without such a layout the pages are left out and the result
says how to get them. The spine width per paper is the profile's own formula
(:meth:`herpress.pdf.profiles.Profile.spine_width`) on the real page count.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

WORDS_PER_MINUTE = 238
NO_LAYOUT = "no {profile} layout of this content yet: run 'herpress pdf --profile {profile}' (or 'herpress build') for page counts"


@dataclass
class ChapterStats:
    file: str
    title: str
    words: int
    minutes: float
    pages: int | None
    figures: int
    tables: int
    notes: int
    images: int


@dataclass
class BookStats:
    title: str
    profile: str
    chapters: list[ChapterStats]
    words: int
    minutes: float
    pages: int | None  # the whole print interior, front and back matter included
    figures: int
    tables: int
    notes: int
    images: int
    glossary_terms: int
    index_entries: int  # main entries and sub-entries
    spine_inches: dict[str, float] = field(default_factory=dict)  # paper -> width
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


_IMAGE = re.compile(r"<img\b")


def stats(book_dir: Path, profile: str | None = None, report=lambda message: None) -> BookStats:
    """The book's statistics (read through the caches, laid out not at all)."""
    from . import cache, tempdirs, wordgate
    from .build import output_dir, read_book
    from .pdf.profiles import get
    from .sources import open_book

    source = open_book(book_dir)
    with tempdirs.cleaned():
        book = read_book(book_dir, profile, report, source)
    out = output_dir(book_dir)
    printing = get(book.print_settings.profile)
    inputs = cache.Inputs.of(book_dir, source.inputs())
    starts = cache.load_page_map(out, inputs.layout_key(printing.name)) if inputs is not None else None
    pages = _pages(out, inputs, starts, printing.name)
    per_chapter = _chapter_pages(starts, pages) if starts else {}
    counted = wordgate.book_words(book)
    chapters = []
    for chapter in book.chapters:
        words = sum(counted[chapter.slug].values())
        chapters.append(ChapterStats(
            file=str(chapter.source), title=chapter.title, words=words, minutes=round(words / WORDS_PER_MINUTE, 1),
            pages=per_chapter.get(chapter.slug), figures=len(chapter.figures) + len(chapter.illustrations),
            tables=len(chapter.tables),
            notes=len(chapter.notes), images=len(_IMAGE.findall(chapter.body_html))))
    total = sum(c.words for c in chapters)
    result = BookStats(
        title=book.metadata.title, profile=printing.name, chapters=chapters, words=total,
        minutes=round(total / WORDS_PER_MINUTE, 1), pages=pages, figures=sum(c.figures for c in chapters),
        tables=sum(c.tables for c in chapters), notes=sum(c.notes for c in chapters),
        images=sum(c.images for c in chapters), glossary_terms=len(book.glossary),
        index_entries=sum(1 + len(entry.subentries) for entry in book.index))
    if pages is None:
        result.notices.append(NO_LAYOUT.format(profile=printing.name))
    else:
        result.spine_inches = {paper: round(printing.spine_width(pages, paper), 4) for paper in printing.caliper}
    return result


def _pages(out: Path, inputs, starts, profile: str) -> int | None:
    """The page count of the print interior laid out from this content: the last build's record
    of its PDF when that PDF is still the one it made, else the page map's last page."""
    from . import cache

    if inputs is None or not starts:
        return None
    record = cache.up_to_date(out, {"pdf": inputs.output_key("pdf", None, "")}) or \
        cache.up_to_date(out, {"pdf": inputs.output_key("pdf", profile, "")})
    if record and isinstance(record["pdf"].get("pages"), int):
        return record["pdf"]["pages"]
    return max(start.page for start in starts) + 1


def _chapter_pages(starts, pages: int | None) -> dict[str, int]:
    """Pages from each chapter's first to the next region's first (its blank verso included)."""
    first: dict[str, int] = {}
    for start in starts:
        first.setdefault(start.region, start.page)
    openings = sorted(first.items(), key=lambda item: item[1])
    found = {}
    for n, (region, page) in enumerate(openings):
        end = openings[n + 1][1] if n + 1 < len(openings) else (pages or page + 1)
        if region.startswith("chapter:"):
            found[region.removeprefix("chapter:")] = end - page
    return found


def table(result: BookStats) -> list[str]:
    """The statistics as lines of a terminal table."""
    def cell(value) -> str:
        return "–" if value is None else f"{value:,}" if isinstance(value, int) else str(value)

    head = ("chapter", "words", "minutes", "pages", "figures", "tables", "notes", "images")
    rows = [(c.file, c.words, c.minutes, c.pages, c.figures, c.tables, c.notes, c.images) for c in result.chapters]
    chapter_pages = None if any(c.pages is None for c in result.chapters) else sum(c.pages for c in result.chapters)
    rows.append(("all chapters", result.words, result.minutes, chapter_pages, result.figures, result.tables,
                 result.notes, result.images))
    cells = [head] + [tuple(cell(v) for v in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    lines = ["  ".join(text.ljust(widths[0]) if i == 0 else text.rjust(widths[i]) for i, text in enumerate(row))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(-1, "  ".join("-" * w for w in widths))
    lines.append(f"glossary: {result.glossary_terms} terms; index: {result.index_entries} entries"
                 + (f"; the {result.profile} interior: {result.pages:,} pages" if result.pages is not None else ""))
    for paper, inches in result.spine_inches.items():
        lines.append(f"spine on {paper} paper ({result.profile}): {inches:.3f} in ({inches * 25.4:.1f} mm)")
    return lines
