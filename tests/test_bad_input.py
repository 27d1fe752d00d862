"""Every class of bad input stops with ``file:line: message``, exit 1, no traceback, nothing lost."""

from __future__ import annotations

import subprocess
import sys

import pytest


def herpress(*args):
    return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


CHAPTER = "manuscript/01-first-chapter.md"
CASES = {
    "nested lists": ("# Deep\n\n" + "".join("    " * i + "- item\n" for i in range(1000)), "nested more than"),
    "nested lists in HTML": ("# Deep\n\n" + "<ul><li>" * 60 + "x" + "</li></ul>" * 60 + "\n", "nested more than"),
    "nested quotes": ("# Deep\n\n" + ">" * 1000 + " quoted\n", "nested more than"),
    "unclosed fence": ("# Fence\n\nText\n\n```python\nprint(1)\n\nMore text.\n", "never closed"),
    "unclosed HTML block": ("# Html\n\nText\n\n<div class=\"box\">\n\nInside.\n", "never closed"),
    "empty chart": ("# Chart\n\n```chart\n```\n", "label"),
    "no heading": ("Just text.\n", "level-1 heading"),
    "raw script": ("# Evil\n\n<script>alert(1)</script>\n", "<script>"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_chapter(book, case):
    text, words = CASES[case]
    (book / CHAPTER).write_text(text, encoding="utf-8")
    result = herpress("epub", book)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{CHAPTER}:") and words in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_ten_megabyte_chapter(book):
    (book / CHAPTER).write_text("# Big\n\n" + ("word " * 200 + "\n\n") * 10500, encoding="utf-8")
    result = herpress("epub", book)
    assert result.returncode == 1 and result.stderr.startswith(f"{CHAPTER}:1: this file is 10.")


def test_empty_manuscript_folder(tmp_path):
    (tmp_path / "manuscript").mkdir()
    result = herpress("build", tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("manuscript/book.toml: no book.toml")


def test_duplicate_chapter_files(book):
    toml = book / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace('"01-first-chapter.md"]', '"01-first-chapter.md", "01-first-chapter.md"]'))
    result = herpress("epub", book)
    assert result.returncode == 1 and "appears twice" in result.stderr


def test_ten_thousand_row_table_is_read(book):
    from herpress.reader import load_book
    from herpress.pdf.interior import print_html

    rows = "\n".join(f"| {n} | row {n} |" for n in range(10_000))
    (book / CHAPTER).write_text(f"# Data\n\n| n | label |\n|---|---|\n{rows}\n", encoding="utf-8")
    loaded = load_book(book)
    assert loaded.chapters[1].body_html.count("<tr>") == 10_001
    assert print_html(loaded).count("<tr>") == 10_001


def test_glossary_with_duplicate_terms(book):
    (book / "manuscript" / "glossary.md").write_text("# Glossary\n\nGlossary\n:   one\n\nglossary\n:   two\n")
    result = herpress("epub", book)
    assert result.returncode == 1 and result.stderr.startswith("manuscript/glossary.md:6:")


def test_crlf_bom_and_latin1(book):
    path = book / CHAPTER
    path.write_bytes("\ufeff# Title\r\n\r\nCaf\u00e9 text.\r\n".encode("utf-8"))
    assert herpress("epub", book).returncode == 0
    path.write_bytes("# Title\n\nCaf\u00e9\n".encode("latin-1"))
    result = herpress("epub", book)
    assert result.returncode == 1 and result.stderr.startswith(f"{CHAPTER}:3: not UTF-8")


def set_book_key(book, key: str, value: str) -> None:
    """``key = value`` in book.toml's [book] (replacing the line that sets it, if any)."""
    import re

    toml = book / "manuscript" / "book.toml"
    text = toml.read_text(encoding="utf-8")
    line = f"{key} = {value}"
    text = re.sub(rf"(?m)^{key} = .*$", lambda _: line, text, count=1) if re.search(rf"(?m)^{key} = ", text) \
        else text.replace("[book]\n", f"[book]\n{line}\n", 1)
    toml.write_text(text, encoding="utf-8")


def test_a_nul_in_a_chapter_name_stops_before_anything_is_replaced(book):
    first = herpress("build", book)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in (book / "build").iterdir() if p.suffix in (".epub", ".pdf")}
    assert len(before) == 2
    toml = book / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace('"01-first-chapter.md"', '"01-first\\u0000chapter.md"'))
    result = herpress("build", book)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith("manuscript/book.toml:") and "U+0000" in result.stderr
    assert {p.name: p.read_bytes() for p in (book / "build").iterdir() if p.suffix in (".epub", ".pdf")} == before


@pytest.mark.parametrize("key, value, words", [
    ("identifier", "'urn:uuid:ab\"cd'", "identifier"),
    ("identifier", '"urn:isbn:978\\n0306406157"', "identifier"),
    ("date", '"2026-13-45"', "ISO 8601"),
    ("slug", '"../../escaped"', "slug"),
])
def test_metadata_an_epub_cannot_carry_stops_the_build_at_its_line(book, key, value, words):
    set_book_key(book, key, value)
    result = herpress("epub", book)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("manuscript/book.toml:") and words in result.stderr, result.stderr
    assert not list(book.parent.glob("escaped*")) and not list((book / "build").glob("*.epub"))


def test_a_five_thousand_character_title_makes_a_short_file_name(book):
    set_book_key(book, "title", '"' + "Very long title " * 312 + '"')
    result = herpress("epub", book)
    assert result.returncode == 0, result.stderr
    (epub,) = (book / "build").glob("*.epub")
    assert len(epub.name) <= 90 and epub.name.startswith("very-long-title")
