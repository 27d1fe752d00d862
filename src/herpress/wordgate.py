"""Nothing lost: every chapter's words, in the Book, in the EPUB and on the printed pages.

A layout can lose text without an error: a table column run off the trim, a line clipped by
the page, an element a reading system is never given. So every build reads its own outputs
back — the EPUB's documents, and the PDF's text within each page's visible area (pdfium),
chapter by chapter — and compares their words with the Book's: prose, code, tables, captions
and notes. Words are runs of letters, case-folded, counted as a multiset; what a medium adds
(running heads, "Chapter 3", "on page 12", chart labels) is never a loss, and a word that
hyphenation cut in two at a line's end is put back together before counting.

A chapter that lost more than :data:`TOLERANCE` of its words (and at least :data:`AT_LEAST`)
fails the build, naming the chapter's file and, where it can be found, the element whose
words went missing (:func:`losses`). ``herpress check --build`` prints the whole table.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .model import Book, Chapter
from .sources import written_at


WORD = re.compile(r"[^\W\d_]+")
TOLERANCE = 0.002  # of a chapter's words: 2 in 1,000
AT_LEAST = 3  # words: a chapter of 300 words may lose none of its sentences
LOOKED_AT = ("p", "li", "td", "th", "dt", "dd", "pre", "figcaption", "caption", "blockquote",
             "h2", "h3", "h4", "h5", "h6", "span")
KINDS = {"td": "a table cell", "th": "a table heading", "pre": "a code listing", "li": "a list item",
         "caption": "a table caption", "figcaption": "a figure caption", "span": "a footnote",
         "dt": "a term", "dd": "a definition", "blockquote": "a quotation"}


def words(text: str) -> Counter:
    return Counter(word.casefold() for word in WORD.findall(text))


BLOCK = set("""p div li td th dt dd pre h1 h2 h3 h4 h5 h6 blockquote figcaption caption tr table ul ol dl
section header footer aside figure nav br hr""".split())


def text_of(element) -> str:
    """An element's text as a reader sees it: inline elements run on (``<code>join</code>ing`` is
    one word), a block or a line break ends a word."""
    parts: list[str] = []

    def visit(node):
        block = isinstance(node.tag, str) and etree.QName(node).localname in BLOCK
        if block:
            parts.append(" ")
        parts.append(node.text or "")
        for child in node:
            visit(child)
            parts.append(child.tail or "")
        if block:
            parts.append(" ")
    visit(element)
    return "".join(parts)


@dataclass
class Count:
    """One chapter's words in each medium, and what a medium lost."""

    chapter: Chapter
    book: int
    media: dict[str, int] = field(default_factory=dict)  # medium → words found of the book's
    lost: dict[str, Counter] = field(default_factory=dict)

    def failed(self, medium: str) -> bool:
        missing = sum(self.lost.get(medium, Counter()).values())
        return missing >= AT_LEAST and missing > TOLERANCE * self.book


def book_words(book: Book, memo=None) -> dict[str, Counter]:
    """Each chapter's words as the Book holds them: title, body and notes. ``memo``: a
    :class:`herpress.cache.BlobCache` keeping each count under a digest of what it was counted from
    (a one-chapter edit counts one chapter: ~25 ms each in a 150,000-word book)."""
    found = {}
    for chapter in book.chapters:
        def count(chapter=chapter) -> Counter:
            text = [chapter.title, text_of(chapter.tree())]
            text += [text_of(note.tree()) for note in chapter.notes]
            return words(" ".join(text))
        found[chapter.slug] = _counted(memo, ("book", chapter.title, chapter.body_html,
                                              *(note.html for note in chapter.notes)), count)
    return found


def epub_words(epub: Path, book: Book, memo=None) -> dict[str, Counter]:
    """Each chapter's words in the EPUB: the body of its content document, as written."""
    found = {}
    with zipfile.ZipFile(epub) as archive:
        names = {Path(name).stem: name for name in archive.namelist() if name.endswith(".xhtml")}
        for chapter in book.chapters:
            name = names.get(chapter.slug)
            if name is None:
                found[chapter.slug] = Counter()
                continue
            data = archive.read(name)

            def count(data=data) -> Counter:
                root = etree.fromstring(data)
                body = root.find("{http://www.w3.org/1999/xhtml}body")
                return words(text_of(body if body is not None else root))
            found[chapter.slug] = _counted(memo, ("epub", data.decode("utf-8", "replace")), count)
    return found


def _counted(memo, parts: tuple[str, ...], count) -> Counter:
    """``count()``, or what it gave last time for the same ``parts`` (kept in ``memo``)."""
    if memo is None:
        return count()
    key = memo.key(*parts)
    data = memo.get(key)
    if data is not None:
        try:
            kept = json.loads(data)
            if isinstance(kept, dict) and all(isinstance(k, str) and type(v) is int for k, v in kept.items()):
                return Counter(kept)
        except ValueError:
            pass
    found = count()
    memo.put(key, json.dumps(found, ensure_ascii=False).encode())
    return found


def chapter_words(book: Book, starts, pages: list[Counter]) -> dict[str, Counter]:
    """The words of each chapter's pages (``pages``: each page's visible words)."""
    first: dict[str, int] = {}
    for start in starts:
        first.setdefault(start.region, start.page)
    openings = sorted(first.items(), key=lambda item: item[1])
    found = {chapter.slug: Counter() for chapter in book.chapters}
    for n, (region, page_index) in enumerate(openings):
        if region.startswith("chapter:") and region[8:] in found:
            end = openings[n + 1][1] if n + 1 < len(openings) else len(pages)
            for words_of_page in pages[page_index:end]:
                found[region[8:]] += words_of_page
    return found


def visible_words(page, textpage, geometry) -> Counter:
    """The words a reader of the printed page sees in its text block: the page's text less what
    the top and bottom margins hold (running heads, folios) and what lies off the page's sides.
    The page's own text keeps its line breaks; the margins' are one line each, so their words
    do not run together."""
    media_left, _, media_right, _ = page.get_mediabox()
    left, bottom, right, top = page.get_trimbox()
    low, high = bottom + (geometry.bottom - 0.15) * 72, top - (geometry.top - 0.15) * 72
    seen = words(textpage.get_text_range())
    outside = [textpage.get_text_bounded(left=media_left - 4000, right=media_right + 4000, bottom=high, top=top + 4000),
               textpage.get_text_bounded(left=media_left - 4000, right=media_right + 4000, bottom=bottom - 4000, top=low),
               textpage.get_text_bounded(left=media_left - 4000, right=media_left, bottom=low, top=high),
               textpage.get_text_bounded(left=media_right, right=media_right + 4000, bottom=low, top=high)]
    return seen - words("\n".join(outside))


def compare(book: Book, media: dict[str, dict[str, Counter]], memo=None) -> list[Count]:
    """Each chapter's count in the Book against each medium's (``media``: name → slug → words)."""
    expected = book_words(book, memo)
    counts = []
    for chapter in book.chapters:
        wanted = expected[chapter.slug]
        count = Count(chapter, sum(wanted.values()))
        for medium, found_by_slug in media.items():
            found = found_by_slug.get(chapter.slug, Counter())
            lost = _mended(wanted - found, found - wanted)
            count.lost[medium] = lost
            count.media[medium] = count.book - sum(lost.values())
        counts.append(count)
    return counts


def _mended(missing: Counter, extra: Counter) -> Counter:
    """``missing`` less the words the layout cut into pieces: hyphenated at a line's end
    ("exam" + "ple"), or, in a narrow table column, broken between any two characters
    ("lon" + "gerw" + "ord") — each piece then among the ``extra`` words."""
    missing, extra = Counter(missing), Counter(extra)
    for whole in sorted(missing, key=len, reverse=True):
        while missing[whole] and _take_pieces(whole, extra, MAX_PIECES):
            missing[whole] -= 1
    return +missing


MAX_PIECES = 6


def _take_pieces(word: str, extra: Counter, pieces: int) -> bool:
    """Whether ``word`` is two or more pieces of ``extra`` in a row (those pieces then taken out)."""
    for cut in range(len(word) - 1, 0, -1):
        head, rest = word[:cut], word[cut:]
        if extra[head] <= 0:
            continue
        extra[head] -= 1
        if extra[rest] > 0:
            extra[rest] -= 1
            return True
        if pieces > 2 and _take_pieces(rest, extra, pieces - 1):
            return True
        extra[head] += 1
    return False


def losses(book: Book, counts: list[Count]) -> list[tuple[str, str, int | None]]:
    """(message, file, line) for each chapter a medium lost words of."""
    problems = []
    for count in counts:
        for medium, lost in count.lost.items():
            if not count.failed(medium):
                continue
            missing = sum(lost.values())
            sample = ", ".join(f"'{w}'" for w, _ in lost.most_common(5))
            message = (f"the {medium} lost {missing} of this chapter's {count.book:,} words ({sample}…)")
            element, needle = _where(count.chapter, lost)
            if element:
                message += f", most of them in {element}"
            file, line = _locate(book, count.chapter, needle)
            problems.append((message, file, line))
    return problems


def _where(chapter: Chapter, lost: Counter) -> tuple[str, str]:
    """The innermost element holding most of the lost words, and a few of its words to find it by."""
    best, best_score = None, 0
    containers = [chapter.tree()] + [note.tree() for note in chapter.notes]
    for container in containers:
        for element in container.iter(*LOOKED_AT):
            if element.tag == "span" and "footnote" not in (element.get("class") or ""):
                continue
            mine = words(text_of(element))
            score = sum(min(n, lost[w]) for w, n in mine.items())
            if score > best_score or score == best_score and best is not None and _inside(element, best):
                best, best_score = element, score
    if best is None:
        return "", ""
    text = re.sub(r"\s+", " ", "".join(best.itertext())).strip()
    kind = KINDS.get(best.tag, "a paragraph" if best.tag == "p" else "a heading")
    return f"{kind} beginning '{text[:40]}'", text[:30]


def _inside(element, other) -> bool:
    return any(ancestor is other for ancestor in element.iterancestors())


def _locate(book: Book, chapter: Chapter, needle: str) -> tuple[str, int | None]:
    """The chapter's file and the line where ``needle`` (a few words of an element) is written."""
    file, line = written_at(book.root, chapter.files or [chapter.source], (needle, needle[:15]))
    return (file, line) if file else (str(chapter.source), None)


def table(counts: list[Count]) -> list[str]:
    """The per-chapter table ``herpress check --build`` prints."""
    media = list(counts[0].media) if counts else []
    rows = [f"{'chapter':<34} {'book':>8} " + " ".join(f"{m:>8}" for m in media)]
    for count in counts:
        cells = []
        for medium in media:
            mark = " !" if count.failed(medium) else ""
            cells.append(f"{count.media[medium]:>8,}{mark}")
        rows.append(f"{str(count.chapter.source)[:34]:<34} {count.book:>8,} " + " ".join(cells))
    return rows
