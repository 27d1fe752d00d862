"""The registry of output formats (outputs.py): what build, watch, check and the cache walk."""

from __future__ import annotations

from importlib import import_module

import pytest
from typer.testing import CliRunner

from herpress import outputs
from herpress.build import build
from herpress.cli import app
from herpress.errors import BookError


def test_every_format_names_a_writer_that_exists_and_a_file_of_its_own():
    for fmt in outputs.FORMATS:
        module, function = fmt.writer.split(":")
        assert callable(getattr(import_module(module), function)), fmt.name
        for warmed in fmt.warm:
            import_module(warmed)
    assert len({f.name for f in outputs.FORMATS}) == len({f.suffix for f in outputs.FORMATS}) == len(outputs.FORMATS)
    assert outputs.STORES == ("kindle", "kobo", "apple")


def test_print_formats_come_first_each_once():
    assert [f.name for f in outputs.ordered(["kobo", "epub", "pdf", "kobo"])] == ["pdf", "epub", "kobo"]


def test_an_unknown_format_names_the_known_ones():
    with pytest.raises(BookError, match=r"unknown output format 'mobi' \(one of pdf, epub, kindle, kobo, apple\)"):
        outputs.get("mobi")


def write_titles(job, target) -> None:
    """A format of the test's own: the chapter titles, one per line."""
    target.write_text("".join(f"{chapter.title}\n" for chapter in job.book.chapters), encoding="utf-8")
    job.facts["titles"] = {"notices": ["titles written"]}


def test_a_format_plugs_in_with_one_line_in_the_registry(book, monkeypatch):
    """Issue 16: adding a format is a module and a line; build writes it, the cache keeps it up to
    date, watch --only takes its name."""
    titles = outputs.Format("titles", "text", ".titles.txt", f"{__name__}:write_titles", "the chapter titles")
    monkeypatch.setattr(outputs, "FORMATS", (*outputs.FORMATS, titles))
    first = build(book, ("titles",))
    path = first.outputs["titles"]
    assert path.name == f"{first.book.slug}.titles.txt"
    assert path.read_text().splitlines() == [c.title for c in first.book.chapters]
    again = build(book, ("titles",))
    assert again.up_to_date and again.outputs == {"titles": path} and again.notices == ["titles written"]
    result = CliRunner().invoke(app, ["watch", str(book), "--only", "nonesuch"])
    assert result.exit_code == 2 and "titles" in result.output


def test_herpress_build_makes_the_stores_book_toml_lists(book):
    from herpress.build import default_formats
    from herpress.sources import open_book

    toml = book / "manuscript" / "book.toml"
    assert default_formats(open_book(book)) == ("pdf", "epub")
    toml.write_text(toml.read_text() + '\n[ebook]\nstores = ["apple", "kindle"]\n')
    assert default_formats(open_book(book)) == ("pdf", "epub", "apple", "kindle")
