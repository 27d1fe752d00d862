"""The caches (herpress.cache): an edit re-converts one chapter, a no-op build does no layout,
and an EPUB built alone uses the last layout's page map only when it is of the same content."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile

import pytest

from herpress import cache
from herpress.build import build, output_dir
from herpress.epub.output import NO_PAGE_NUMBERS
from herpress.errors import BookError
from herpress.reader import load_book


def load(folder):
    chapters = cache.ChapterCache.for_book(folder / "manuscript", folder / "build" / ".cache" / "chapters")
    return load_book(folder, cache_dir=folder / "cache", chapter_cache=chapters), chapters.converted


def chapter_files(folder):
    return sorted(p.name for p in (folder / "manuscript").glob("*.md"))


def test_an_edit_to_one_chapter_converts_only_that_chapter(book):
    first, converted = load(book)
    assert sorted(name.removeprefix("manuscript/") for name in converted) == chapter_files(book)
    again, converted = load(book)
    assert converted == []
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nOne more paragraph.\n")
    edited, converted = load(book)
    assert converted == ["manuscript/01-first-chapter.md"]
    def body(loaded):
        return next(c.body_html for c in loaded.chapters if c.source.name == chapter.name)
    assert "One more paragraph." in body(edited) and "One more paragraph." not in body(first)



@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "```\nnever closed", "\n".join(
    "    " * n + "- item" for n in range(45))])
def test_a_refused_chapter_is_never_cached_and_is_refused_again(book, bad):
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\n\n" + bad + "\n")
    for _ in range(2):
        with pytest.raises(BookError) as refused:
            load(book)
        assert str(refused.value).startswith("manuscript/01-first-chapter.md:")


def test_a_cached_chapter_is_not_checked_again(book, monkeypatch):
    from herpress import rawhtml
    from herpress.extensions import blocks

    load(book)
    calls = []
    for module, name in ((blocks, "unclosed"), (blocks, "too_deep"), (rawhtml, "check")):
        monkeypatch.setattr(module, name, lambda *args, name=name: calls.append(name))
    load(book)
    assert calls == []

def test_a_cached_book_is_the_book(sample_dir, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(sample_dir / "manuscript", folder / "manuscript")
    plain = load_book(folder, cache_dir=tmp_path / "charts")
    load(folder)
    cached, converted = load(folder)
    assert converted == []
    assert [dataclasses.asdict(c) for c in cached.chapters] == [dataclasses.asdict(c) for c in plain.chapters]
    assert cached.glossary == plain.glossary and cached.index == plain.index
    assert [str(w) for w in cached.warnings] == [str(w) for w in plain.warnings]


def test_chapters_converted_in_worker_processes_are_the_same(sample_dir, tmp_path, monkeypatch):
    from herpress import reader

    plain = load_book(sample_dir, cache_dir=tmp_path / "charts")
    monkeypatch.setattr(reader, "PARALLEL_CHARS", 0)
    folder = tmp_path / "sample"
    shutil.copytree(sample_dir / "manuscript", folder / "manuscript")
    parallel, converted = load(folder)
    assert len(converted) == len(list((folder / "manuscript").glob("*.md")))
    assert [c.body_html for c in parallel.chapters] == [c.body_html for c in plain.chapters]
    assert [c.figures for c in parallel.chapters] == [c.figures for c in plain.chapters]


def test_a_chart_data_file_is_part_of_the_key(sample_dir, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(sample_dir / "manuscript", folder / "manuscript")
    load(folder)
    data = next((folder / "manuscript" / "data").glob("*.csv"))
    data.write_text(data.read_text() + "\n")
    _, converted = load(folder)
    assert converted  # the charts read it while converting: conversion cannot be skipped


def snapshot(folder):
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in output_dir(folder).rglob("*") if p.is_file()}


def no_layout(monkeypatch):
    import weasyprint

    def refuse(*args, **kwargs):
        raise AssertionError("the layout engine was called")
    monkeypatch.setattr(weasyprint.HTML, "render", refuse)


def test_a_no_op_build_lays_nothing_out_and_writes_nothing(book, monkeypatch):
    first = build(book)
    assert not first.up_to_date and first.book is not None
    before = snapshot(book)
    no_layout(monkeypatch)
    again = build(book)
    assert again.up_to_date and again.outputs == first.outputs and again.page_count == first.page_count
    assert snapshot(book) == before


def test_a_changed_or_missing_output_is_built_again(book, monkeypatch):
    first = build(book)
    first.outputs["pdf"].write_bytes(first.outputs["pdf"].read_bytes() + b"\n% touched")
    assert not build(book).up_to_date
    first.outputs["epub"].unlink()
    assert not build(book, ("epub",)).up_to_date


def test_a_style_change_is_a_change(book):
    build(book)
    (book / "styles").mkdir()
    (book / "styles" / "epub.css").write_text("p { margin: 0 }\n")  # overrides herpress's own
    assert not build(book, ("epub",)).up_to_date


def test_the_preview_files_are_not_inputs_of_any_output(book):
    """``herpress preview``'s page, script and stylesheet (styles/preview/, templates/preview/)
    are read by the preview alone: editing them leaves every output up to date."""
    (book / "styles").mkdir(exist_ok=True)
    before = cache.Inputs.of(book)
    for name in ("preview/preview.js", "templates/preview/index.html.j2"):
        (book / "styles" / name).parent.mkdir(parents=True, exist_ok=True)
        (book / "styles" / name).write_text("/* changed */\n")
    assert cache.Inputs.of(book) == before
    (book / "styles" / "print.css").write_text("p { margin: 0 }\n")  # a file an output reads
    assert cache.Inputs.of(book).print_styles != before.print_styles


def page_list(epub) -> bool:
    with zipfile.ZipFile(epub) as archive:
        return b'epub:type="page-list"' in archive.read("EPUB/nav.xhtml")


def test_an_epub_alone_has_page_numbers_only_from_a_layout_of_the_same_content(book, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the same bytes from the same content
    alone = build(book, ("epub",))
    assert alone.notices == [NO_PAGE_NUMBERS] and not page_list(alone.outputs["epub"])
    full = build(book)  # lays out: caches the page map
    with monkeypatch.context() as patch:
        no_layout(patch)
        paged = build(book, ("epub",), outputs={"epub": book / "other.epub"})
    assert paged.notices == [] and page_list(paged.outputs["epub"])
    with zipfile.ZipFile(paged.outputs["epub"]) as a, zipfile.ZipFile(full.outputs["epub"]) as b:
        assert {n: a.read(n) for n in a.namelist()} == {n: b.read(n) for n in b.namelist()}
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nOne more paragraph.\n")
    stale = build(book, ("epub",))
    assert stale.notices == [NO_PAGE_NUMBERS] and not page_list(stale.outputs["epub"])


def test_the_cli_says_up_to_date_and_why_page_numbers_are_missing(book):
    import subprocess
    import sys

    def herpress(*args):
        return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True)

    first = herpress("epub", book)
    assert first.returncode == 0 and first.stderr.strip().splitlines()[-1] == NO_PAGE_NUMBERS
    again = herpress("epub", book)
    assert again.returncode == 0 and again.stdout.startswith("up to date:")


def test_an_epub_with_its_charts_cached_loads_neither_weasyprint_nor_matplotlib(book):
    import subprocess
    import sys

    build(book, ("epub",))  # draws the charts and the cover into the cache
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nOne more paragraph.\n")
    code = ("import sys; from pathlib import Path; from herpress.build import build; "
            f"result = build(Path({str(book)!r}), ('epub',)); assert not result.up_to_date; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'weasyprint', 'matplotlib', 'pypdf'}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
