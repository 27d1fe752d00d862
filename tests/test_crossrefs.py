"""Cross-references: labels, numbering, the page they name in print, links in the EPUB; errors via the CLI."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from backmatter_checks import anchor_pages, epub_doc, flat
from checks import folios, pdf, write_manuscript

from herpress.errors import BookError
from herpress.reader import load_book
from herpress.xhtml import parse_xhtml

BOOK = """[book]
title = "X"
creator = "T"
publisher = "T"
identifier = "urn:uuid:00000000-0000-4000-8000-0000000000cc"

[contents]
chapters = ["one.md", "two.md"]
"""
TABLE = "| A | B |\n|---|---|\n| 1 | 2 |\n"
ONE = "# One {#ch:one}\n\nSee [@tab:first], [@tab:second] and [@sec:part].\n\n" \
      "Table: The *first* table {#tab:first}\n\n" + TABLE + "\n## Part {#sec:part}\n\n" + TABLE + \
      "\nTable: After its table {#tab:second}\n\n" + TABLE + "\n"
TWO = "# Two\n\nBack to [@ch:one].\n"


def load(tmp_path, one=ONE, two=TWO):
    return load_book(write_manuscript(tmp_path, {"book.toml": BOOK, "one.md": one, "two.md": two}))


def test_tables_get_a_caption_a_number_and_a_label(tmp_path):
    book = load(tmp_path)
    first, second = book.chapters[0].tables
    assert (first.id, first.number, first.caption) == ("tab-first", "1.1", "The first table")
    assert (second.id, second.number, second.caption) == ("tab-second", "1.2", "After its table")
    body = parse_xhtml(book.chapters[0].body_html)
    tables = body.findall(".//table")
    assert [t.get("id") for t in tables] == ["tab-first", None, "tab-second"]  # the middle one has no caption
    caption = tables[0].find("caption")
    assert caption.find("span").text == "Table 1.1" and caption.find("em").text == "first"
    assert "Table:" not in book.chapters[0].body_html and "{#" not in book.chapters[0].body_html
    refs = [(a.text, a.get("href"), a.get("data-kind")) for a in body.iterfind(".//a[@class='xref']")]
    assert refs == [("Table 1.1", "#tab-first", "table"), ("Table 1.2", "#tab-second", "table"),
                    ("Part", "#sec-part", "section")]


@pytest.mark.parametrize("one, two, file, line, words", [
    (ONE, "# Two\n\nText.\n\n## Again {#sec:part}\n", "two.md", 5, "label 'sec:part' is used twice"),
    (ONE.replace("{#tab:second}", "{#tab:first}"), TWO, "one.md", 17, "label 'tab:first' is used twice"),
    (ONE, "# Two {#ch:one}\n", "two.md", 1, "appears twice"),
    (ONE, "# Two\n\nSee [@tab:none].\n", "two.md", 3, "unknown label 'tab:none'"),
    (ONE.replace("{#tab:first}", "{#first}"), TWO, "one.md", 5, "table label 'first' must look like 'tab:name'"),
])
def test_label_errors_are_located(tmp_path, one, two, file, line, words):
    with pytest.raises(BookError) as caught:
        load(tmp_path, one, two)
    assert (str(caught.value.file), caught.value.line) == (f"manuscript/{file}", line)
    assert words in caught.value.message


def test_print_names_the_page_of_each_target(sample, sample_layout):
    reader = pdf(sample.outputs["pdf"])
    anchors, printed_folios = anchor_pages(sample_layout), folios(sample.outputs["pdf"])
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    kinds = set()
    for chapter in sample.book.chapters:
        for ref in parse_xhtml(chapter.body_html).iterfind(".//a[@class='xref']"):
            kind, target = ref.get("data-kind"), ref.get("href")[1:]
            page = printed_folios[anchors[target]]
            words = ", page" if kind == "chapter" else " on page"
            found = re.findall(re.escape(flat(ref.text)) + re.escape(words) + r" (\d+)", text)
            assert found and set(found) == {page}, (ref.text, page, found)
            kinds.add(kind)
    assert kinds == {"chapter", "section", "figure", "table"}  # the sample refers to one of each


def test_epub_links_carry_no_page_words(sample):
    epub = sample.outputs["epub"]
    seen = 0
    for chapter in sample.book.chapters:
        doc = epub_doc(epub, f"{chapter.slug}.xhtml")
        for link in doc.iterfind(".//{http://www.w3.org/1999/xhtml}a[@class='xref']"):
            text = "".join(link.itertext())
            assert "page" not in text and re.fullmatch(r"(Figure|Table|Chapter) [\d.]+|[^\d].*", text)
            assert link.get("href").split("#")[1]
            seen += 1
    assert seen >= 10


# --- through the real command line ---------------------------------------------------------

def herpress(*args):
    return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def book_dir(tmp_path, init_book):
    import shutil

    folder = tmp_path / "b"
    shutil.copytree(init_book.book.root / "manuscript", folder / "manuscript")
    return folder


@pytest.mark.parametrize("addition, message", [
    ("See [[no such term]].", "'no such term' is marked as a glossary term but the glossary does not define it: "
     "define it there, or remove the [[ ]]"),
    ("See [@fig:nowhere].", "unknown label 'fig:nowhere' in [@fig:nowhere]: mark the target {#fig:nowhere}, or "
     "correct the label"),
    ('```chart\nlabel = "fig:bad"\ntype = "bar"\ntitle = "T"\ndescription = "D"\n[data]\nA = "x"\n```',
     "value of 'A' is 'x', not a number"),
])
def test_errors_exit_1_with_file_and_line(book_dir, addition, message):
    chapter = book_dir / "manuscript" / "01-first-chapter.md"
    before = chapter.read_text()
    chapter.write_text(before + "\n" + addition + "\n")
    line = before.count("\n") + 2 + (6 if addition.startswith("```") else 0)
    result = herpress("epub", book_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"manuscript/01-first-chapter.md:{line}: {message}"


def test_an_unused_glossary_term_warns_but_builds(book_dir):
    glossary = book_dir / "manuscript" / "glossary.md"
    glossary.write_text(glossary.read_text() + "\nNever used\n:   A term nobody marks.\n")
    line = glossary.read_text().splitlines().index("Never used") + 1
    result = herpress("epub", book_dir)
    assert result.returncode == 0, result.stderr
    assert (f"manuscript/glossary.md:{line}: warning: glossary term 'Never used' is defined but never marked"
            in result.stderr)
