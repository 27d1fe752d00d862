"""No text lost or duplicated: each chapter's words in the manuscript, the EPUB and the PDF.

Words are compared as multisets of lowercase letter runs. What each medium adds by design
is taken out first: cross-reference texts ("Figure 2.1", "on page 9"), chart figures
(titles, labels, data tables), "Chapter N" lines, running heads and folios.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter

import pytest
from lxml import etree

from checks import folios, page_lines, pdf

WORD = re.compile(r"[^\W\d_]+")
X = "{http://www.w3.org/1999/xhtml}"


def words(text: str) -> Counter:
    return Counter(w.casefold() for w in WORD.findall(text))


def source_words(markdown: str) -> Counter:
    """The words an author wrote in a chapter, with herpress's and Markdown's syntax taken out."""
    text = re.sub(r"^```chart\n.*?^```\n", "", markdown, flags=re.S | re.M)  # charts: drawn, not text
    text = re.sub(r"\{\^[^{}\n]*\}", "", text)  # index marks
    text = re.sub(r"\[\[([^\[\]|\n]+?)(?:\|[^\[\]\n]+?)?\]\]", r"\1", text)  # glossary marks: shown text
    text = re.sub(r"\[@[^\]]+\]", "", text)  # cross-references: their text is generated
    text = re.sub(r"\[\^[^\]]+\]:?", "", text)  # footnote calls and definition markers
    text = re.sub(r"\{[#.][^{}\n]*\}", "", text)  # attribute lists
    text = re.sub(r"^Table:", "", text, flags=re.M)  # caption marker
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"<[^>]+>", " ", text)  # raw HTML tags
    return words(text)


def chart_words(chapter) -> Counter:
    found = Counter()
    for figure in chapter.figures:
        spec = figure.spec
        found += words(" ".join([spec.title, spec.source or "", spec.unit, spec.x_label, spec.y_label,
                                 *spec.categories, "Figure Source"]))
        if len(spec.series) > 1:  # a legend names the series; a single series has none
            found += words(" ".join(name for name, _ in spec.series))
    return found


@pytest.fixture(scope="module")
def manuscript(sample):
    return {c.slug: source_words((sample.book.root / c.source).read_text(encoding="utf-8")) for c in sample.book.chapters}


def test_every_chapter_of_the_epub_has_exactly_the_manuscripts_words(sample, manuscript):
    with zipfile.ZipFile(sample.outputs["epub"]) as archive:
        for chapter in sample.book.chapters:
            body = etree.fromstring(archive.read(f"EPUB/{chapter.slug}.xhtml")).find(f"{X}body")
            for element in list(body.iter(f"{X}figure", f"{X}table", f"{X}p", f"{X}a", f"{X}h2", f"{X}span")):
                classes = set((element.get("class") or "").split())
                if (element.tag == f"{X}figure" or classes & {"chapter-number", "xref", "note-number", "table-number",
                                                               "chart-data"}
                        or element.get("id") == f"{chapter.slug}-notes"):
                    drop_keeping_tail(element)  # generated text; what follows it is the author's
            found = words(" ".join(body.itertext()))
            assert found == manuscript[chapter.slug], (chapter.slug, _diff(manuscript[chapter.slug], found))


def drop_keeping_tail(element) -> None:
    parent, previous = element.getparent(), element.getprevious()
    if parent is None:
        return
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + " " + element.tail
        else:
            parent.text = (parent.text or "") + " " + element.tail
    parent.remove(element)


def _diff(expected: Counter, found: Counter) -> dict:
    return {"lost": dict((expected - found).most_common(10)), "extra": dict((found - expected).most_common(10))}


def chapter_pages(sample, reader) -> dict[str, range]:
    """Each chapter's pages: from its opener up to the next opener (or the glossary)."""
    labels = folios(sample.outputs["pdf"])
    tops = [[re.sub(r"\s+", " ", t).strip() for _, t in page_lines(page)[:4]] for page in reader.pages]
    titles = [c.title for c in sample.book.chapters] + ["Glossary"]
    contents = next(n for n, top in enumerate(tops) if "Contents" in top)
    starts, page = [], contents + 1
    for title in titles:
        page = next(n for n in range(page, len(tops)) if title in tops[n] and labels[n])
        starts.append(page)
    return {c.slug: range(starts[i], starts[i + 1]) for i, c in enumerate(sample.book.chapters)}


def test_every_chapter_of_the_pdf_has_exactly_the_manuscripts_words(sample, manuscript):
    from herpress.xhtml import parse_xhtml

    reader = pdf(sample.outputs["pdf"])
    heads = {w for c in sample.book.chapters for w in [tuple(words(c.title).elements())]}
    book_title = tuple(words(sample.book.metadata.title).elements())
    for chapter in sample.book.chapters:
        expected = manuscript[chapter.slug] + chart_words(chapter)
        if chapter.number:
            expected["chapter"] += 1  # the "Chapter N" line of the opener
        expected["table"] += len(chapter.tables)  # "Table 7.1" at the head of each caption
        for ref in parse_xhtml(chapter.body_html).iterfind(".//a[@class='xref']"):
            expected += words(ref.text) + words("page" if ref.get("data-kind") == "chapter" else "on page")
        lines = []
        pages = chapter_pages(sample, reader)[chapter.slug]
        for number in pages:
            page = [text.strip() for _, text in page_lines(reader.pages[number])]
            if number != pages.start and page and tuple(words(page[0]).elements()) in heads | {book_title}:
                page = page[1:]  # the running head (an opener has none: its first line is the title)
            lines += page
        found = words("\n".join(lines))
        for whole, missing in (expected - found).items():  # a word hyphenated at a line or page end reads as two
            for cut in range(1, len(whole)):
                a, b = whole[:cut], whole[cut:]
                merged = min(missing, found[a] - expected[a], found[b] - expected[b])
                if merged > 0:
                    found[a] -= merged
                    found[b] -= merged
                    found[whole] += merged
                    missing -= merged
        assert +found == +expected, (chapter.slug, _diff(expected, found))
