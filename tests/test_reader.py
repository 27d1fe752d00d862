"""Reading a manuscript into the Book model, with herpress's Markdown extensions."""

from __future__ import annotations

import pytest

from checks import write_manuscript
from herpress.errors import BookError
from herpress.reader import load_book
from herpress.xhtml import parse_xhtml

CONFIG = """[book]
title = "Test Book"
creator = "T"
publisher = "T"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000001"

[contents]
chapters = ["intro.md", "one.md"]
glossary = "glossary.md"
"""
INTRO = """# Introduction {#ch:intro .unnumbered}

Read [@ch:one] and [@fig:bars], then [@sec:detail].[^n]

[^n]: A note with *emphasis*.
"""
ONE = """# Chapter One {#ch:one}

The [[Turing test]] and the [[tests|turing TEST]]{^Turing, Alan!test} matter.

## Detail {#sec:detail}

```chart
label = "fig:bars"
type = "bar"
title = "Bars"
description = "Two bars, A at 1 and B at 2."
[data]
"A" = 1
"B" = 2
```

Second mark{^Turing, Alan!test} and a see{^Machine|see Turing, Alan}.
"""
PLAIN_INTRO = "# Introduction\n\nNothing to resolve here.\n"
GLOSSARY = """# Glossary

Turing test
:   A test of machine intelligence.

Anthropomorphism
:   Seeing people where there are none.
"""


def make(tmp_path, **files):
    defaults = {"book.toml": CONFIG, "intro.md": INTRO, "one.md": ONE, "glossary.md": GLOSSARY}
    return write_manuscript(tmp_path, {**defaults, **files})


def load(tmp_path, **files):
    return load_book(make(tmp_path, **files), cache_dir=tmp_path / "cache")


def test_chapters_numbering_and_titles(tmp_path):
    book = load(tmp_path)
    intro, one = book.chapters
    assert (intro.number, intro.title, intro.id) == (None, "Introduction", "ch-intro")
    assert (one.number, one.title, one.slug) == (1, "Chapter One", "one")
    assert [h.id for h in one.headings] == ["sec-detail"]


def test_cross_references_resolve_to_text_and_target(tmp_path):
    intro = load(tmp_path).chapters[0]
    refs = {a.get("href"): (a.text, a.get("data-kind")) for a in parse_xhtml(intro.body_html).iter("a")
            if a.get("class") == "xref"}
    assert refs == {"#ch-one": ("Chapter 1", "chapter"), "#fig-bars": ("Figure 1.1", "figure"),
                    "#sec-detail": ("Detail", "section")}


def test_footnotes_become_notes_and_neutral_calls(tmp_path):
    intro = load(tmp_path).chapters[0]
    assert [(n.id, n.number) for n in intro.notes] == [("fn-intro-1", 1)]
    assert "<em>emphasis</em>" in intro.notes[0].html
    call = parse_xhtml(intro.body_html).find(".//a[@class='noteref']")
    assert (call.get("href"), call.get("id"), call.text) == ("#fn-intro-1", "fnref-intro-1", "1")


def test_glossary_uses_are_linked_case_insensitively(tmp_path):
    book = load(tmp_path)
    turing = next(e for e in book.glossary if e.term == "Turing test")
    assert [(use.id, use.where) for use in turing.uses] == [("gu-one-1", "Chapter 1"), ("gu-one-2", "Chapter 1")]
    assert [e.term for e in book.glossary] == ["Anthropomorphism", "Turing test"]


def test_index_marks_collect_locations_and_see_references(tmp_path):
    book = load(tmp_path)
    mains = {e.term: e for e in book.index}
    assert list(mains) == ["Machine", "Turing, Alan"]
    (test,) = mains["Turing, Alan"].subentries
    assert (test.sub, [loc.id for loc in test.locations]) == ("test", ["ix-one-1", "ix-one-2"])
    assert not mains["Turing, Alan"].locations  # only its sub-entry is marked
    assert (mains["Machine"].see, mains["Machine"].see_id) == ("Turing, Alan", mains["Turing, Alan"].id)


def test_chart_becomes_a_numbered_figure_with_images(tmp_path):
    book = load(tmp_path)
    (figure,) = book.figures
    assert (figure.id, figure.number, figure.spec.title) == ("fig-bars", "1.1", "Bars")
    assert b"<svg" in book.assets[figure.svg_name].data
    assert book.assets[figure.png_name].data.startswith(b"\x89PNG")


def test_smart_punctuation_is_characters_not_entities(tmp_path):
    book = load(tmp_path, **{"intro.md": PLAIN_INTRO, "one.md": '# One\n\n"Quoted" -- and --- it\'s...\n'})
    body = book.chapters[1].body_html
    assert "\u201cQuoted\u201d \u2013 and \u2014 it\u2019s\u2026" in body and "&" not in body


@pytest.mark.parametrize("name, text, line, message", [
    ("one.md", "# One\n\nSee [[Nonsense]].\n", 3, "'Nonsense' is marked as a glossary term"),
    ("one.md", "# One\n\nText\n\nSee [@fig:none].\n", 5, "unknown label 'fig:none'"),
    ("one.md", "Just text, no heading.\n", 1, "must begin with a level-1 heading"),
    ("one.md", "\n# {^Entry} {#ch:one}\n\nText.\n", 2, "heading has no text"),
    ("one.md", "# One\n\n# Two\n", 3, "one level-1 heading"),
    ("one.md", "\n# One[^n]\n\nText.\n\n[^n]: A note.\n", 2, "title cannot carry a footnote"),
    ("one.md", "# One\n\n```chart\nlabel = \"fig:x\"\n", 3, "never closed"),
    ("glossary.md", "# Glossary\n\nA\n:   one\n\na\n:   two\n", 6, "defined twice"),
])
def test_bad_input_is_located(tmp_path, name, text, line, message):
    with pytest.raises(BookError) as caught:
        load(tmp_path, **{"intro.md": PLAIN_INTRO, name: text})
    assert caught.value.line == line and message in caught.value.message
    assert str(caught.value.file) == f"manuscript/{name}"


def test_non_utf8_chapter_names_the_line(tmp_path):
    make(tmp_path, **{"intro.md": PLAIN_INTRO})
    (tmp_path / "manuscript" / "one.md").write_bytes(b"# One\n\ncaf\xe9\n")
    with pytest.raises(BookError) as caught:
        load_book(tmp_path)
    assert caught.value.line == 3 and "not UTF-8" in caught.value.message


def test_bom_and_crlf_are_accepted(tmp_path):
    make(tmp_path, **{"intro.md": PLAIN_INTRO})
    (tmp_path / "manuscript" / "one.md").write_bytes("\ufeff# One\r\n\r\nText.\r\n".encode())
    assert load_book(tmp_path).chapters[1].title == "One"


def test_chapter_outside_the_book_is_refused(tmp_path):
    (tmp_path / "outside.md").write_text("# Outside\n")
    book = tmp_path / "book"
    book.mkdir()
    make(book, **{"book.toml": CONFIG.replace('"one.md"', '"../../outside.md"')})
    with pytest.raises(BookError, match="outside the book folder"):
        load_book(book)


def test_a_note_no_call_reaches_is_left_out(tmp_path):
    """Its only call was in a definition that a later one of the same name replaced (found by the fuzz test)."""
    book = load(tmp_path, **{"intro.md": PLAIN_INTRO,
                             "one.md": "# One\n\n[^n]: [^n] first\n\nText.\n\n[^n]: second\n\nMore[^m].\n\n[^m]: kept\n"})
    chapter = book.chapters[1]
    assert [note.html for note in chapter.notes] == ["<p>kept</p>"]
    assert [note.number for note in chapter.notes] == [1]
    assert 'href="#fn-one-1"' in chapter.body_html and "footnote-ref" not in chapter.body_html
