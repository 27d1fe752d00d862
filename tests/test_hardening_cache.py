"""Caches that cannot lie (issue #15): nothing read from ``build/.cache`` runs code, a damaged,
truncated or wrong-typed entry costs a rebuild — never an error, never a broken book — and no
cache names the book's place, so a copied book builds into its own ``build/``."""

from __future__ import annotations

import dataclasses
import json
import pickle
import shutil
import zipfile

import pytest
from checks import epubcheck, messages

from herpress import cache
from herpress.build import build, output_dir
from herpress.epub.output import NO_PAGE_NUMBERS
from herpress.reader import load_book


def cache_of(book):
    return output_dir(book) / ".cache"


def outputs_gone(result):
    for path in result.outputs.values():
        path.unlink()


class Payload:
    """Unpickled, it creates ``marker``: what a crafted cache entry would run."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_in_the_chapter_cache_is_inert(book, tmp_path):
    first = build(book, ("epub",))
    marker = tmp_path / "ran"
    payload = pickle.dumps(Payload(marker))
    chapters = cache_of(book) / "chapters"
    keys = {path.name.split(".")[0] for path in chapters.iterdir()}
    assert keys
    for key in keys:  # under the name a pickle was read from, and under the name of today's entries
        (chapters / f"{key}.pickle").write_bytes(payload)
        (chapters / f"{key}.json").write_bytes(payload)
    outputs_gone(first)
    again = build(book, ("epub",))
    assert not marker.exists()
    assert again.outputs["epub"].is_file()
    assert [c.body_html for c in again.book.chapters] == [c.body_html for c in first.book.chapters]


def load(book):
    chapters = cache.ChapterCache.for_book(book / "manuscript", cache_of(book) / "chapters")
    return load_book(book, cache_dir=book / "charts", chapter_cache=chapters), chapters.converted


def sealed(key: str, body) -> bytes:
    """An entry whose seal is right for ``body`` (JSON of a dict, or raw bytes)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return cache._sealed(key, data) + b"\n" + data


DAMAGE = {
    "zeroed": lambda key, data: bytes(len(data)),
    "truncated": lambda key, data: data[: len(data) // 2],
    "empty": lambda key, data: b"",
    "not json": lambda key, data: sealed(key, b"{not json"),
    "NaN": lambda key, data: sealed(key, b'{"key":"%s","html":"","specs":[],"notes":[["x",NaN]]}' % key.encode()),
    "html of the wrong type": lambda key, data: sealed(key, {"key": key, "html": 5, "specs": [], "notes": []}),
    "a chart of the wrong shape": lambda key, data: sealed(key, {"key": key, "html": "<p>x</p>",
                                                                 "specs": [{"label": "fig:x"}], "notes": []}),
    "a note of the wrong type": lambda key, data: sealed(key, {"key": key, "html": "<p>x</p>", "specs": [],
                                                               "notes": [["warning", "one"]]}),
    "another key's entry": lambda key, data: sealed("0" * 64, {"key": "0" * 64, "html": "<p>other</p>",
                                                               "specs": [], "notes": []}),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_chapter_entry_is_converted_again_and_written_over(sample_dir, tmp_path, damage):
    book = tmp_path / "sample"
    shutil.copytree(sample_dir / "manuscript", book / "manuscript")  # has charts: their specs are cached too
    clean, converted = load(book)
    entries = sorted((cache_of(book) / "chapters").glob("*.json"))
    assert len(entries) == len(converted)
    for entry in entries:
        entry.write_bytes(DAMAGE[damage](entry.stem, entry.read_bytes()))
    damaged, converted = load(book)
    assert len(converted) == len(entries)  # every one a miss
    assert [dataclasses.asdict(c) for c in damaged.chapters] == [dataclasses.asdict(c) for c in clean.chapters]
    _, converted = load(book)
    assert converted == []  # and written over with good entries


def test_cached_charts_come_back_as_they_were(sample_dir, tmp_path):
    book = tmp_path / "sample"
    shutil.copytree(sample_dir / "manuscript", book / "manuscript")
    first, _ = load(book)
    again, converted = load(book)
    assert converted == [] and any(c.figures for c in again.chapters)
    assert [c.figures for c in again.chapters] == [c.figures for c in first.chapters]


@pytest.mark.parametrize("damage", ["zeroed", "truncated"])
def test_a_damaged_deflate_cache_still_gives_a_valid_epub(book, damage):
    first = build(book, ("epub",))
    for entry in (cache_of(book) / "deflate").iterdir():
        data = entry.read_bytes()
        entry.write_bytes(bytes(len(data)) if damage == "zeroed" else data[: len(data) // 2])
    outputs_gone(first)
    epub = build(book, ("epub",)).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        assert archive.testzip() is None
    report = epubcheck(epub)
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages(report)
    outputs_gone(build(book, ("epub",)))  # the entries were written over: good again
    with zipfile.ZipFile(build(book, ("epub",)).outputs["epub"]) as archive:
        assert archive.testzip() is None


def test_a_damaged_drawn_cover_is_drawn_again(book):
    def cover(epub) -> bytes:
        with zipfile.ZipFile(epub) as archive:
            return archive.read(next(n for n in archive.namelist() if n.endswith("/cover.png")))

    first = build(book, ("epub",))
    drawn = cover(first.outputs["epub"])
    for entry in (cache_of(book) / "cover").glob("*.png"):
        entry.write_bytes(entry.read_bytes()[:200])
    outputs_gone(first)
    assert cover(build(book, ("epub",)).outputs["epub"]) == drawn


@pytest.mark.parametrize("layout", ['{"kdp": "many"}', '{"kdp": [3]}', '{"kdp": -4}', '{"kdp": true}', "[1, 2]",
                                    '"kdp"', "{", "\0\0\0"])
def test_a_wrong_layout_json_is_ignored(book, layout):
    first = build(book, ("pdf",))
    (cache_of(book) / "layout.json").write_text(layout)
    outputs_gone(first)
    again = build(book, ("pdf",))
    assert again.page_count == first.page_count and again.outputs["pdf"].is_file()


def state_of(book) -> dict:
    return json.loads((cache_of(book) / "state.json").read_text())


STATES = {
    "a path of the wrong type": lambda state: {**state, "epub": {**state["epub"], "path": 5}},
    "no path": lambda state: {**state, "epub": {k: v for k, v in state["epub"].items() if k != "path"}},
    "a record of the wrong type": lambda state: {**state, "pdf": "built"},
    "pages of the wrong type": lambda state: {**state, "pdf": {**state["pdf"], "pages": "13"}},
    "warnings of the wrong type": lambda state: {**state, "pdf": {**state["pdf"], "warnings": [1, 2]}},
    "a path with a NUL": lambda state: {**state, "epub": {**state["epub"], "path": "build/\0.epub"}},
    "a list": lambda state: [state],
}


@pytest.mark.parametrize("change", STATES, ids=list(STATES))
def test_a_wrong_state_json_costs_a_rebuild(book, change):
    build(book)
    state = STATES[change](state_of(book))
    (cache_of(book) / "state.json").write_text(json.dumps(state))
    again = build(book)
    assert not again.up_to_date
    assert build(book).up_to_date  # and the state is good again


def test_no_absolute_path_is_kept_in_the_state(book):
    build(book)
    text = (cache_of(book) / "state.json").read_text()
    assert str(book.resolve()) not in text and str(book) not in text
    assert {record["path"] for record in state_of(book).values()} == {"build/my-book.epub", "build/my-book.pdf"}


def test_a_page_map_of_the_wrong_shape_is_not_used(book):
    build(book)  # lays out: keeps the page map
    for entry in (cache_of(book) / "pagemap").glob("*.json"):
        starts = json.loads(entry.read_text())
        entry.write_text(json.dumps([{**start, "page": str(start["page"]), "label": [1]} for start in starts]))
    alone = build(book, ("epub",), outputs={"epub": book / "alone.epub"})
    assert alone.notices == [NO_PAGE_NUMBERS]
    report = epubcheck(alone.outputs["epub"])
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages(report)


def test_a_copied_book_builds_into_its_own_build_folder(book, tmp_path):
    first = build(book)
    before = {path: path.stat().st_mtime_ns for path in first.outputs.values()}
    copy = tmp_path / "copy"
    shutil.copytree(book, copy, symlinks=True)  # as cp -a: times kept, .cache too
    for path in (copy / "build").glob("*.*"):
        if path.is_file():
            path.unlink()  # outputs deleted, .cache kept
    built = build(copy)
    assert not built.up_to_date
    assert sorted(built.outputs.values()) == sorted(p for p in (copy / "build").glob("*.*") if p.is_file())
    assert all(path.resolve().is_relative_to(copy.resolve()) for path in built.outputs.values())
    assert {path: path.stat().st_mtime_ns for path in first.outputs.values()} == before  # the original untouched


def test_a_copied_book_with_its_outputs_never_names_the_original(book, tmp_path):
    build(book)
    copy = tmp_path / "moved"
    shutil.copytree(book, copy, symlinks=True)
    result = build(copy)
    assert all(path.resolve().is_relative_to(copy.resolve()) for path in result.outputs.values())
    assert build(copy).up_to_date
