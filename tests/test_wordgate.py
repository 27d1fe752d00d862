"""The word gate (herpress.wordgate): each chapter's words in the Book, the EPUB and the PDF."""

from __future__ import annotations

from collections import Counter

import pytest

from herpress.build import build
from herpress.errors import BookError, each
from herpress.pagemap import page_starts
from herpress.proofread import read_pdf
from herpress.wordgate import _mended, book_words, chapter_words, compare, epub_words, words

REPO_STYLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "styles"


def test_the_sample_books_outputs_hold_every_word_of_every_chapter(sample, sample_layout):
    book = sample.book
    starts = page_starts(sample_layout, book)
    _, pages = read_pdf(sample.outputs["pdf"], sample_layout.geometry, sample_layout.profile.safety)
    counts = compare(book, {"PDF": chapter_words(book, starts, pages),
                            "EPUB": epub_words(sample.outputs["epub"], book)})
    assert len(counts) == len(book.chapters)
    for count in counts:
        assert count.book > 300
        assert count.media == {"PDF": count.book, "EPUB": count.book}, (count.chapter.slug, count.lost)


def test_a_word_cut_by_hyphenation_is_put_back_together_and_a_real_loss_is_not():
    assert _mended(Counter({"typesetter": 1}), Counter({"type": 1, "setter": 1})) == Counter()
    assert _mended(Counter({"typesetter": 1, "meaning": 1}), Counter({"type": 1, "setter": 1})) == Counter({"meaning": 1})
    assert _mended(Counter({"typesetter": 2}), Counter({"type": 1, "setter": 1})) == Counter({"typesetter": 1})


def test_the_books_words_are_its_chapters_title_body_and_notes(sample):
    chapter = sample.book.chapters[1]
    found = book_words(sample.book)[chapter.slug]
    assert words(chapter.title) <= found
    if chapter.notes:
        assert words(__import__("re").sub(r"<[^>]+>", " ", chapter.notes[0].html)) <= found


def test_a_table_column_run_off_the_page_fails_the_build_naming_the_file_and_the_cell(book):
    (book / "manuscript" / "table.md").write_text(
        "# A Table\n\nThe table below has two columns.\n\n"
        "| Icon | Meaning |\n|---|---|\n"
        + "".join(f"| row{n} | This code does something different number {n} |\n" for n in range(8))
        + "\nAfter the table.\n")
    toml = book / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace('chapters = [', 'chapters = ["table.md", ', 1))
    styles = book / "styles"
    styles.mkdir()
    (styles / "print.css").write_text((REPO_STYLES / "print.css").read_text()
                                      + "\ntd:first-child, th:first-child { min-width: 12in; }\n")  # the column past the trim
    with pytest.raises(BookError) as raised:
        build(book, ("pdf", "epub"))
    messages = [str(error) for error in each(raised.value)]
    lost = [m for m in messages if "lost" in m]
    assert lost, messages
    assert lost[0].startswith("manuscript/table.md:7: the PDF lost") and "a table cell beginning 'This code" in lost[0], lost
    assert not (book / "build").exists() or not any((book / "build").glob("*.pdf"))  # nothing replaced
