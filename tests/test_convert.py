"""``herpress init NEW --from SOURCE``: an existing book made a herpress book to keep."""

from __future__ import annotations

import subprocess
import sys

from test_sources import MDBOOK, write

from herpress.reader import load_book
from herpress.sources import open_book


def test_an_mdbook_becomes_a_herpress_book_that_reads_the_same(tmp_path):
    source = write(tmp_path / "crabs", dict(MDBOOK, **{"src/ch02-00.md": "# Ownership\n\nSee [installing](ch01-01.md#on-linux).\n"
                                                                        "\n![A crab](img/crab.svg)\n",
                                                       "src/img/crab.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'}))
    before = sorted(p.relative_to(source) for p in source.rglob("*"))
    done = subprocess.run([sys.executable, "-m", "herpress", "init", str(tmp_path / "kept"), "--from", str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.relative_to(source) for p in source.rglob("*")) == before  # nothing written into the source
    kept = tmp_path / "kept"
    assert open_book(kept).kind == "herpress"
    toml = (kept / "manuscript" / "book.toml").read_text()
    assert 'title = "The Crab Book"' in toml and "# guessed" in toml.split("identifier")[1].split("\n")[0]
    original, converted = load_book(source), load_book(kept)
    assert [(c.title, c.number, c.kind) for c in converted.chapters] == \
        [(c.title, c.number, c.kind) for c in original.chapters]
    assert [h.text for h in converted.chapters[1].headings] == [h.text for h in original.chapters[1].headings]
    assert "img/crab.svg" in converted.assets
    assert 'href="#ch01-00--on-linux"' in converted.chapters[2].body_html  # the link into a joined page holds


def test_the_new_book_must_not_exist(tmp_path):
    source = write(tmp_path / "crabs", MDBOOK)
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "x").write_text("x")
    done = subprocess.run([sys.executable, "-m", "herpress", "init", str(tmp_path / "kept"), "--from", str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "not empty" in done.stderr and "Traceback" not in done.stderr
