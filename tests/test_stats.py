"""``herpress stats`` (stats.py): the book's numbers, read from the book and the last layout."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from herpress import wordgate
from herpress.cli import app
from herpress.pdf import profiles
from herpress.stats import NO_LAYOUT, WORDS_PER_MINUTE, stats

runner = CliRunner()


def test_stats_count_what_the_word_gate_counts_and_lay_nothing_out(book):
    result = stats(book)
    from herpress.reader import load_book

    counted = wordgate.book_words(load_book(book))
    assert [c.words for c in result.chapters] == [sum(w.values()) for w in counted.values()]
    assert result.words == sum(c.words for c in result.chapters) > 50
    assert result.minutes == round(result.words / WORDS_PER_MINUTE, 1)
    assert result.pages is None and all(c.pages is None for c in result.chapters) and not result.spine_inches
    assert result.notices == [NO_LAYOUT.format(profile="kdp")]
    assert not list(book.glob("build/*.pdf"))  # nothing laid out, nothing written
    assert result.figures == 1 and result.glossary_terms >= 1


def test_stats_after_a_build_give_each_chapters_pages_and_the_spine(sample):
    result = stats(sample.book.root)
    assert result.pages == sample.page_count
    pages = [c.pages for c in result.chapters]
    assert all(n and n % 2 == 0 for n in pages[:-1]), pages  # chapters open on rectos: even spans
    assert sum(pages) < result.pages  # the front matter, glossary and index are not chapters
    kdp = profiles.get("kdp")
    assert result.spine_inches == {paper: round(kdp.spine_width(result.pages, paper), 4) for paper in kdp.caliper}
    assert result.notes == sum(len(c.notes) for c in sample.book.chapters)
    assert result.index_entries >= len(sample.book.index)


def test_the_cli_prints_a_table_or_json(sample):
    shown = runner.invoke(app, ["stats", str(sample.book.root)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].split() == ["chapter", "words", "minutes", "pages", "figures", "tables", "notes", "images"]
    total = next(line for line in lines if line.startswith("all chapters"))
    assert f"{sum(c.words for c in stats(sample.book.root).chapters):,}" in total
    assert any(line.startswith("spine on white paper (kdp):") for line in lines)
    data = json.loads(runner.invoke(app, ["stats", str(sample.book.root), "--format", "json"]).output)
    assert data["pages"] == sample.page_count and len(data["chapters"]) == len(sample.book.chapters)
    wrong = runner.invoke(app, ["stats", str(sample.book.root), "--format", "csv"])
    assert wrong.exit_code == 2
