"""Issue 17 item 6: each chapter's EPUB document rendered again only when something it draws from
changed (epub/documents.py, cache.BlobCache), and the word gate's counts kept the same way."""

from __future__ import annotations

import shutil

import pytest

from herpress import wordgate
from herpress.cache import BlobCache
from herpress.epub.documents import chapter_file, render
from herpress.reader import load_book


@pytest.fixture
def sample_copy(sample_dir, tmp_path):
    shutil.copytree(sample_dir / "manuscript", tmp_path / "manuscript")
    return tmp_path


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 24), "white").save(out, format="PNG")
    return out.getvalue()


COVER = _png()  # a drawn cover, as the build's cache hands it over


def _documents(publication) -> dict[str, bytes]:
    return {d.name: d.content for d in publication.documents}


def _rendered(folder, memo, starts=None):
    book = load_book(folder, cache_dir=folder / "charts")
    return book, render(book, starts, COVER, memo)


def test_a_one_chapter_edit_renders_one_chapter_document(sample_copy, tmp_path):
    memo = BlobCache(tmp_path / "documents", "salt")
    book, first = _rendered(sample_copy, memo)
    assert memo.hits == 0
    conclusion = sample_copy / "manuscript" / "conclusion.md"
    conclusion.write_text(conclusion.read_text() + "\nOne sentence more, at the end.\n")
    memo = BlobCache(tmp_path / "documents", "salt")
    book, second = _rendered(sample_copy, memo)
    assert memo.hits == len(book.chapters) - 1
    changed = [name for name, content in _documents(second).items() if _documents(first)[name] != content]
    assert "conclusion.xhtml" in changed and b"One sentence more" in _documents(second)["conclusion.xhtml"]
    fresh = render(book, None, COVER)  # the same documents as a render without the cache
    assert _documents(fresh) == _documents(second)


def test_a_label_changed_in_another_chapter_renders_the_documents_that_cite_it(sample_copy, tmp_path):
    """01-what-happens.md cites [@sec:letter], a section of chapter 3: renaming that section
    re-renders chapter 3 and chapter 1, whose text says its name; no other chapter."""
    memo = BlobCache(tmp_path / "documents", "salt")
    book, _ = _rendered(sample_copy, memo)
    chapter = sample_copy / "manuscript" / "03-theodore-and-the-letter.md"
    chapter.write_text(chapter.read_text().replace("## The letter to Catherine {#sec:letter}",
                                                   "## What Theodore writes to Catherine {#sec:letter}"))
    memo = BlobCache(tmp_path / "documents", "salt")
    book, second = _rendered(sample_copy, memo)
    assert memo.hits == len(book.chapters) - 2
    citing = _documents(second)["what-happens.xhtml"]
    assert b"What Theodore writes to Catherine" in citing


def test_the_print_pages_starting_in_a_chapter_are_part_of_its_key(sample, sample_copy, tmp_path):
    """The page-break markers are in the cached document: a layout whose pages begin elsewhere in
    a chapter renders it again."""
    from herpress import cache

    starts = cache.load_page_map(sample.book.root / "build", cache.Inputs.of(
        sample.book.root, None).layout_key(sample.book.print_settings.profile))
    if starts is None:  # the sample build's page map, read back; else laid out here
        from herpress.pagemap import page_starts
        from herpress.pdf.interior import layout

        starts = page_starts(layout(sample.book), sample.book)
    memo = BlobCache(tmp_path / "documents", "salt")
    book, marked = _rendered(sample_copy, memo, starts)
    moved = [s for s in starts if s.region != "chapter:conclusion"] + \
        [s for s in starts if s.region == "chapter:conclusion"][:-1]
    memo = BlobCache(tmp_path / "documents", "salt")
    book, second = _rendered(sample_copy, memo, moved)
    assert memo.hits == len(book.chapters) - 1
    dropped = [s for s in starts if s.region == "chapter:conclusion"][-1]
    assert f'id="page-{dropped.label}"'.encode() in _documents(marked)["conclusion.xhtml"]
    assert f'id="page-{dropped.label}"'.encode() not in _documents(second)["conclusion.xhtml"]


def test_a_damaged_entry_is_rendered_again(sample_copy, tmp_path):
    memo = BlobCache(tmp_path / "documents", "salt")
    book, first = _rendered(sample_copy, memo)
    for entry in (tmp_path / "documents").iterdir():
        entry.write_bytes(entry.read_bytes()[:-20])  # truncated: the seal no longer matches
    memo = BlobCache(tmp_path / "documents", "salt")
    book, second = _rendered(sample_copy, memo)
    assert memo.hits == 0 and _documents(second) == _documents(first)
    assert chapter_file(book.chapters[0]) in _documents(second)


def test_the_word_counts_kept_are_the_counts(sample, tmp_path):
    memo = BlobCache(tmp_path / "words", "salt")
    plain = wordgate.compare(sample.book, {"EPUB": wordgate.epub_words(sample.outputs["epub"], sample.book)})
    kept = wordgate.compare(sample.book, {"EPUB": wordgate.epub_words(sample.outputs["epub"], sample.book, memo)}, memo)
    assert memo.hits == 0 and len(memo.used) == 2 * len(sample.book.chapters)
    again = BlobCache(tmp_path / "words", "salt")
    reread = wordgate.compare(sample.book, {"EPUB": wordgate.epub_words(sample.outputs["epub"], sample.book, again)},
                              again)
    assert again.hits == 2 * len(sample.book.chapters)
    assert [(c.book, c.media, c.lost) for c in plain] == [(c.book, c.media, c.lost) for c in kept] == \
        [(c.book, c.media, c.lost) for c in reread]
    entry = next((tmp_path / "words").iterdir())
    seal, _, body = entry.read_bytes().partition(b"\n")
    import hashlib

    forged = b'{"nothing": "a string"}'
    entry.write_bytes(hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged)  # sealed, of the wrong shape
    third = BlobCache(tmp_path / "words", "salt")
    assert [c.lost for c in wordgate.compare(sample.book, {"EPUB": wordgate.epub_words(
        sample.outputs["epub"], sample.book, third)}, third)] == [c.lost for c in plain]
