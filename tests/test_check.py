"""``herpress check``: compiler-style findings, a summary, exit 1 on any error, JSON for tools."""

from __future__ import annotations

import re

import json

import pytest
from typer.testing import CliRunner

from herpress.check import check, isbn_valid
from herpress.cli import app

runner = CliRunner()


def add(book, name: str, text: str) -> None:
    path = book / "manuscript" / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_sample_book_is_clean(sample_dir):
    result = runner.invoke(app, ["check", str(sample_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "0 errors, 0 warnings"


def test_lints_are_reported_like_a_compiler(book):
    add(book, "01-first-chapter.md", "\n#### Too deep a heading\n\nA <a href=\"#nowhere\">broken link</a> and "
        "<span id=\"sec-chart\">a clash</span>.\n")
    findings = {f.code: f for f in check(book)}
    assert set(findings) >= {"heading-skip", "broken-link", "duplicate-id"}
    skip = findings["heading-skip"]
    lines = (book / "manuscript" / "01-first-chapter.md").read_text().split("\n")
    assert (skip.file, skip.line) == ("manuscript/01-first-chapter.md", lines.index("#### Too deep a heading") + 1)
    assert skip.col == 6 and str(skip).startswith(f"manuscript/01-first-chapter.md:{skip.line}:6: error: ")
    assert str(skip).endswith("[heading-skip]")


def test_exit_status_and_json(book):
    add(book, "01-first-chapter.md", "\nSee <a href=\"#gone\">this</a>.\n")
    result = runner.invoke(app, ["check", str(book), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"] == "1 error, 0 warnings"
    assert data["findings"][0]["code"] == "broken-link" and data["findings"][0]["line"] is not None


def test_a_load_error_is_one_finding(book):
    add(book, "01-first-chapter.md", "\nSee [@fig:missing].\n")
    (finding,) = check(book)
    assert finding.severity == "error" and "unknown label" in finding.message and finding.line


def test_unused_glossary_term_is_a_warning(book):
    add(book, "glossary.md", "\nUnused\n:   Never marked anywhere.\n")
    result = runner.invoke(app, ["check", str(book)])
    assert result.exit_code == 0
    assert "warning:" in result.output and "Unused" in result.output
    assert result.output.strip().splitlines()[-1] == "0 errors, 1 warning"


def test_invalid_isbn(book):
    toml = book / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace('identifier = "urn:uuid:', 'isbn = "978-0-306-40615-6"\nidentifier = "urn:uuid:'))
    (finding,) = check(book)  # refused as book.toml is read, at its line
    assert finding.file == "manuscript/book.toml" and finding.line and "fails its check digit" in finding.message


def test_an_isbn_identifier_with_a_wrong_check_digit(book):
    toml = book / "manuscript" / "book.toml"
    text = toml.read_text()
    toml.write_text(re.sub(r'identifier = "[^"]*"', 'identifier = "urn:isbn:978-0-306-40615-6"', text))
    (finding,) = check(book)
    assert finding.code == "isbn" and finding.file == "manuscript/book.toml" and finding.line


@pytest.mark.parametrize("value, valid", [("978-0-306-40615-7", True), ("978-0-306-40615-6", False),
                                          ("0-306-40615-2", True), ("0-306-40615-3", False),
                                          ("080442957X", True), ("12345", False)])
def test_isbn_checksums(value, valid):
    assert isbn_valid(value) is valid


def test_character_the_fonts_cannot_draw(book):
    add(book, "01-first-chapter.md", "\nA cuneiform sign: \U00012000.\n")
    (finding,) = check(book)
    assert finding.code == "glyph" and "U+12000" in finding.message and finding.line


def test_check_with_build_runs_the_outside_checkers(book):
    result = runner.invoke(app, ["check", str(book), "--build"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("0 errors")
    assert (book / "build").is_dir()
    rows = [line.split() for line in result.output.splitlines() if line.startswith("manuscript/")]
    assert [row[0] for row in rows] == ["manuscript/introduction.md", "manuscript/01-first-chapter.md"]
    assert all(row[1] == row[2] == row[3] and int(row[1].replace(",", "")) > 20 for row in rows), rows  # book, PDF, EPUB
    again = runner.invoke(app, ["check", str(book), "--build"])  # nothing to build: the outputs checked as they are
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1].startswith("0 errors"), again.output
