"""The Book model carries each chapter's markup parsed: the reader parses a chapter once, and the
writers and checks take its tree instead of parsing the markup again."""

from __future__ import annotations

import shutil

import pytest
from lxml import etree

from herpress.build import read_book
from herpress.xhtml import inner_xhtml



@pytest.fixture
def parses(monkeypatch):
    """Every string lxml parses from here on (lxml.html's parsers go through etree.fromstring too)."""
    seen: list[str] = []
    parse = etree.fromstring

    def counted(text, *args, **kwargs):
        seen.append(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        return parse(text, *args, **kwargs)

    monkeypatch.setattr(etree, "fromstring", counted)
    return seen


def middle(markup: str) -> str:
    """A piece of a chapter's markup no other chapter has (its middle 40 characters)."""
    half = len(markup) // 2
    return markup[half:half + 40]


@pytest.fixture
def warm_book(tmp_path, sample_dir):
    folder = tmp_path / "book"
    shutil.copytree(sample_dir / "manuscript", folder / "manuscript")
    read_book(folder)  # the chapter cache filled
    return folder


def test_the_reader_parses_each_chapter_once(warm_book, parses):
    book = read_book(warm_book)
    for chapter in book.chapters:
        title = f"{chapter.title_html}</h1>"  # the converted chapter, as the cache keeps it
        assert sum(title in text for text in parses) == 1, chapter.slug
        assert inner_xhtml(chapter.tree()) == chapter.body_html  # the tree is the markup's


def test_the_writers_and_checks_take_the_tree(warm_book, parses):
    from herpress.epub.documents import render
    from herpress.pdf.coverage import printed_text
    from herpress.pdf.interior import print_bodies
    from herpress.wordgate import book_words

    book = read_book(warm_book)
    pieces = {chapter.slug: middle(chapter.body_html) for chapter in book.chapters}
    assert all(pieces.values()) and len(set(pieces.values())) == len(pieces)
    del parses[:]
    bodies = print_bodies(book)
    render(book)
    printed_text(book)
    book_words(book)
    for chapter in book.chapters:
        assert not [text for text in parses if pieces[chapter.slug] in text
                    and "<html" not in text], chapter.slug  # (the EPUB's documents, as rendered, are read)
        assert pieces[chapter.slug][:20] in bodies[chapter.slug] or "<figure" in chapter.body_html
        assert inner_xhtml(chapter.tree()) == chapter.body_html  # the writers changed copies
    etree.fromstring(f"<div>{book.chapters[0].body_html}</div>")  # the count counts: the control
    assert sum(pieces[book.chapters[0].slug] in text for text in parses) >= 1


def test_a_tree_follows_its_markup():
    """A chapter whose markup is set anew (tests, a writer's copy) gives that markup's tree."""
    from pathlib import Path

    from herpress.model import Chapter

    chapter = Chapter(slug="a", source=Path("a.md"), kind="chapter", number=1, id="ch-a", title="A",
                      title_html="A", body_html="<p>one</p>")
    assert chapter.tree() is chapter.tree() and chapter.tree()[0].text == "one"
    chapter.body_html = "<p>two</p>"
    assert chapter.tree()[0].text == "two"
    copy = chapter.tree_copy()
    copy[0].text = "three"
    assert chapter.tree()[0].text == "two"
