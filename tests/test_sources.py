"""Books as their authors keep them: an mdBook, a plain folder, a pandoc project — built in place."""

from __future__ import annotations

from herpress.xhtml import parse_xhtml

import textwrap
from pathlib import Path

import pytest

from herpress.errors import BookError, each
from herpress.reader import load_book
from herpress.sources import open_book


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


MDBOOK = {
    "book.toml": """
        [book]
        title = "The Crab Book"
        authors = ["Ann Author", "Bo Writer"]
        language = "en"
        description = "A book about crabs."

        [output.html]
        additional-css = ["theme.css"]

        [preprocessor.custom]
        command = "touch ran-a-preprocessor"
        """,
    "src/SUMMARY.md": """
        # Summary

        [Foreword](foreword.md)

        - [Getting Started](ch01-00.md)
          - [Installing](ch01-01.md)
          - [Hello](ch01-02.md)

        # Advanced

        - [Ownership](ch02-00.md)
        - [Unfinished]()

        ---

        - [Appendix](appendix.md)
          - [A - Keywords](appendix-a.md)

        [Contributors](contributors.md)
        """,
    "src/foreword.md": "# Foreword\n\nWritten before.\n",
    "src/ch01-00.md": "# Getting Started\n\nLet us begin.\n",
    "src/ch01-01.md": "## Installing\n\nRun the installer.\n\n### On Linux\n\nUse the shell.\n",
    "src/ch01-02.md": """
        # Hello

        Listing 1 prints a greeting:

        ```rust
        {{#rustdoc_include ../listings/hello.rs:main}}
        ```

        And the manifest, lines 1 to 2:

        ```toml
        {{#include ../listings/Cargo.toml:1:2}}
        ```

        Back to [installing](ch01-01.md#on-linux) and to [ownership](./ch02-00.html).
        """,
    "src/ch02-00.md": "# Ownership\n\nA note.[^1]\n\n[^1]: The note's text.\n",
    "src/appendix.md": "# Appendix\n\nReference material.\n",
    "src/appendix-a.md": "## A - Keywords\n\nAnother note.[^1]\n\n[^1]: A second note, also labelled 1.\n",
    "src/contributors.md": "# Contributors\n\nMany people.\n",
    "listings/hello.rs": """
        use std::io;

        // ANCHOR: main
        fn main() {
        # let hidden = 1;
            println!("Hello, crab!");
        }
        // ANCHOR_END: main
        """,
    "listings/Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\n',
}


@pytest.fixture(scope="module")
def mdbook(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("mdbook"), MDBOOK)


def test_mdbook_metadata_and_reading_order(mdbook):
    book = load_book(mdbook)
    assert book.metadata.title == "The Crab Book" and book.metadata.creator == "Ann Author and Bo Writer"
    assert book.metadata.language == "en" and book.metadata.description == "A book about crabs."
    assert [c.title for c in book.chapters] == ["Foreword", "Getting Started", "Ownership", "Appendix", "Contributors"]
    assert [(c.kind, c.number) for c in book.chapters] == [("chapter", None), ("chapter", 1), ("chapter", 2),
                                                            ("back", None), ("back", None)]
    assert book.chapters[2].part == "Advanced"
    warnings = [str(w) for w in book.warnings]
    assert any("src/SUMMARY.md:12: warning: 'Unfinished' is a draft chapter" in w for w in warnings)
    assert any(w.startswith("book.toml:1: warning: no identifier") for w in warnings)
    assert not (mdbook / "ran-a-preprocessor").exists()  # preprocessors are never run


def test_nested_pages_become_sections_of_their_chapter(mdbook):
    start = load_book(mdbook).chapters[1]
    assert [(h.level, h.text) for h in start.headings] == [(2, "Installing"), (3, "On Linux"), (2, "Hello")]


def test_mdbook_includes_anchors_ranges_and_hidden_lines(mdbook):
    html = load_book(mdbook).chapters[1].body_html
    body = "".join(parse_xhtml(html).itertext())  # highlighted code: the text, not the spans
    assert 'println!("Hello, crab!")' in body
    assert "use std::io" not in body and "ANCHOR" not in body and "hidden" not in body  # outside the anchor, hidden
    assert "[package]" in body and 'name = "hello"' in body and "version" not in body


def test_links_between_pages_become_links_inside_the_book(mdbook):
    book = load_book(mdbook)
    body = book.chapters[1].body_html
    assert 'href="#ch01-00--on-linux"' in body and 'href="#ch-ch02-00"' in body


def test_footnotes_of_joined_pages_stay_apart(mdbook):
    appendix = load_book(mdbook).chapters[3]
    assert [n.html for n in appendix.notes] == ["<p>A second note, also labelled 1.</p>"]


def test_include_outside_the_book_is_refused_at_its_line(tmp_path):
    files = dict(MDBOOK)
    files["src/ch01-00.md"] = "# Getting Started\n\n```\n{{#include ../../secret.txt}}\n```\n"
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    with pytest.raises(BookError) as caught:
        load_book(write(tmp_path / "book", files))
    assert any(e.file == "src/ch01-00.md" and e.line == 4 and "outside the book folder" in e.message
               for e in each(caught.value))


def test_mdbook_epub_passes_epubcheck(mdbook, tmp_path):
    from herpress.build import build
    from herpress.validate import epubcheck, epubcheck_messages

    epub = build(mdbook, ("epub",)).outputs["epub"]
    report = epubcheck(epub)
    if report is None:
        pytest.skip("EPUBCheck is not installed")
    assert epubcheck_messages(report) == []


PLAIN = {
    "README.md": "This repository holds a book.\n",
    "LICENSE.md": "Licence text.\n",
    "ch10.md": "# Ten\n\nLater.\n",
    "ch2.md": "# Two\n\nEarlier.\n",
    "preface.md": "# Preface\n\nFirst of all.\n",
    "appendix-a.md": "# Appendix A: Tables\n\nAt the end.\n",
}


def test_plain_folder_in_natural_order_with_front_and_back_matter(tmp_path):
    book = load_book(write(tmp_path / "my-plain-book", PLAIN))
    assert [c.title for c in book.chapters] == ["Preface", "Two", "Ten", "Appendix A: Tables"]
    assert [c.number for c in book.chapters] == [None, 1, 2, None] and book.chapters[-1].kind == "back"
    assert book.metadata.title == "My Plain Book"
    assert any("no author" in str(w) for w in book.warnings)


def test_plain_folder_order_from_its_index_file(tmp_path):
    files = dict(PLAIN, **{"toc.md": "# The Title\n\n* [Ten first](ch10.md)\n* [Then two](./ch2.md#top)\n"
                                     "* [Elsewhere](../outside.md)\n"})
    book = load_book(write(tmp_path / "book", files))
    assert [c.title for c in book.chapters] == ["Ten", "Two"] and book.metadata.title == "The Title"
    warnings = [str(w) for w in book.warnings]
    assert any(w.startswith("toc.md:5: warning: the link to '../outside.md' leads outside") for w in warnings)
    assert any("not linked from toc.md" in w and "preface.md" in w for w in warnings)


def test_herpress_book_toml_beside_the_chapters(tmp_path):
    files = dict(PLAIN, **{"book.toml": '[book]\ntitle = "Kept As It Is"\n\n[contents]\nchapters = ["ch2.md", "ch10.md"]\n'})
    book = load_book(write(tmp_path / "book", files))
    assert book.metadata.title == "Kept As It Is" and [c.title for c in book.chapters] == ["Two", "Ten"]


PANDOC = {
    "metadata.yaml": """
        ---
        title: A Pandoc Book
        subtitle: With a subtitle
        author:
          - name: Cee Writer
          - Dee Writer
        lang: fr-FR
        date: 2024-05-01
        rights: CC BY 4.0
        identifier:
          - scheme: ISBN
            text: 9780306406157
        ...
        """,
    "chapters/01-intro.md": "---\ntitle: ignored here\n---\n\n# Introduction\n\nBonjour.\n",
    "chapters/02-body.md": "# Le corps\n\nTexte.\n",
}


def test_pandoc_project_metadata_and_yaml_blocks(tmp_path):
    book = load_book(write(tmp_path / "book", PANDOC))
    meta = book.metadata
    assert (meta.title, meta.subtitle, meta.creator, meta.language) == ("A Pandoc Book", "With a subtitle",
                                                                         "Cee Writer and Dee Writer", "fr-FR")
    assert meta.identifier == "urn:isbn:9780306406157" and meta.rights == "CC BY 4.0" and meta.date == "2024-05-01"
    assert [c.title for c in book.chapters] == ["Introduction", "Le corps"]
    assert "ignored here" not in book.chapters[0].body_html
    assert open_book(tmp_path / "book").kind == "pandoc"


def test_pandoc_yaml_block_of_the_first_file_and_safe_load(tmp_path):
    files = {"a.md": "---\ntitle: From The Block\nauthor: !!python/object/apply:os.system [echo hi]\n---\n\n# A\n\nText.\n"}
    with pytest.raises(BookError) as caught:  # a YAML tag that would construct an object is refused, never run
        load_book(write(tmp_path / "book", files))
    assert "YAML" in str(caught.value) and caught.value.file == "a.md"
    files = {"a.md": "---\ntitle: From The Block\nauthor: Eve\n---\n\n# A\n\nText.\n"}
    book = load_book(write(tmp_path / "book2", files))
    assert (book.metadata.title, book.metadata.creator) == ("From The Block", "Eve")


def test_pandoc_project_as_rlhf_style_books_keep_it(tmp_path):
    """metadata.yml wrapped in --- … ---, a licence comment before each chapter's YAML block, and
    images named from the project folder (pandoc runs there)."""
    import base64

    files = {
        "metadata.yml": "---\ntitle: Wrapped Metadata\nauthor: Fay Writer\n---\n",
        "chapters/01-intro.md": "<!-- Licence: CC BY 4.0 -->\n---\nchapter: 1\n---\n\n# Introduction\n\n"
                                "![A dot](images/dot.png)\n",
        "chapters/README.md": "How to build this book.\n",
    }
    folder = write(tmp_path / "book", files)
    (folder / "images").mkdir()
    (folder / "images" / "dot.png").write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="))
    book = load_book(folder)
    assert (book.metadata.title, book.metadata.creator) == ("Wrapped Metadata", "Fay Writer")
    assert [c.title for c in book.chapters] == ["Introduction"]
    assert "chapter: 1" not in book.chapters[0].body_html and "images/dot.png" in book.assets


# --- what a source's metadata and reading order may hold ------------------------------------------

@pytest.mark.parametrize("chapters", ['["a.md", "./glossary.md"]', '["a.md", "sub/../glossary.md"]'])
def test_the_glossary_is_refused_as_a_chapter_however_it_is_named(tmp_path, chapters):
    files = {"manuscript/book.toml": f'[contents]\nchapters = {chapters}\nglossary = "glossary.md"\n',
             "manuscript/a.md": "# A\n\nText.\n", "manuscript/glossary.md": "# Glossary\n\nTerm\n:   Meaning.\n"}
    (tmp_path / "book" / "manuscript" / "sub").mkdir(parents=True)
    with pytest.raises(BookError) as caught:
        open_book(write(tmp_path / "book", files))
    assert (caught.value.file, caught.value.line) == ("manuscript/book.toml", 2)
    assert "is the glossary and cannot also be a chapter" in caught.value.message


def test_another_tools_metadata_an_epub_cannot_carry_is_left_out_with_a_warning(tmp_path):
    files = {"metadata.yaml": "title: \"Bell\\a Book\"\nauthor: Ann\ndate: 24 November 2026\n"
                              "identifier: \"my \\\"book\\\"\"\n",
             "a.md": "# A\n\nText.\n"}
    source = open_book(write(tmp_path / "book", files))
    meta = source.config.book
    assert (meta.title, meta.date) == ("Bell Book", "") and meta.identifier.startswith("urn:uuid:")
    warnings = " | ".join(str(w) for w in source.warnings)
    assert "control characters" in warnings and "not an ISO 8601 date" in warnings and "a new one is made" in warnings


def test_a_nul_in_a_chapter_name_is_an_error_before_anything_is_read(tmp_path):
    files = {"manuscript/book.toml": '[contents]\nchapters = ["a\\u0000.md"]\n', "manuscript/a.md": "# A\n\nText.\n"}
    with pytest.raises(BookError) as caught:
        open_book(write(tmp_path / "book", files))
    assert (caught.value.file, caught.value.line) == ("manuscript/book.toml", 2) and "U+0000" in caught.value.message
