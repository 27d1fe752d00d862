"""The EPUB container writer: a valid zip, mimetype first and stored, byte-stable, and each
file deflated once per content."""

from __future__ import annotations

import datetime as dt
import zipfile

from herpress.epub import ocf

MOMENT = dt.datetime(2024, 5, 6, 7, 8, 10)


def entries(chapter: bytes) -> list[tuple[str, bytes]]:
    return [("OEBPS/chapter.xhtml", chapter), ("OEBPS/fonts/face.ttf", bytes(range(256)) * 400),
            (ocf.CONTAINER, b"<container/>"), (ocf.MIMETYPE, b"application/epub+zip"), ("OEBPS/\u00e9t\u00e9.css", b"p{}")]


def test_the_container_reads_back_with_mimetype_first_and_stored(tmp_path):
    target = tmp_path / "book.epub"
    ocf.write_ocf(target, entries(b"<html>one</html>"), MOMENT)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos[:2]] == [ocf.MIMETYPE, ocf.CONTAINER]
        assert infos[0].compress_type == zipfile.ZIP_STORED and not infos[0].extra
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos[1:])
        assert all(i.date_time == (2024, 5, 6, 7, 8, 10) for i in infos)
        assert {i.filename: archive.read(i) for i in infos} == dict(entries(b"<html>one</html>"))
    assert target.read_bytes()[30:38] == b"mimetype"  # right after the first local header


def test_the_same_entries_give_the_same_bytes_with_or_without_the_cache(tmp_path):
    plain, cached, again = tmp_path / "a.epub", tmp_path / "b.epub", tmp_path / "c.epub"
    ocf.write_ocf(plain, entries(b"x"), MOMENT)
    ocf.write_ocf(cached, entries(b"x"), MOMENT, cache=tmp_path / "deflate")
    ocf.write_ocf(again, entries(b"x"), MOMENT, cache=tmp_path / "deflate")
    assert plain.read_bytes() == cached.read_bytes() == again.read_bytes()


def test_a_rebuild_deflates_only_what_changed_and_the_cache_keeps_one_book(tmp_path, monkeypatch):
    cache = tmp_path / "deflate"
    ocf.write_ocf(tmp_path / "one.epub", entries(b"<html>one</html>"), MOMENT, cache=cache)
    assert len(list(cache.iterdir())) == 4  # every entry but the stored mimetype
    deflated = []
    real = ocf._deflate
    monkeypatch.setattr(ocf, "_deflate", lambda data: deflated.append(data) or real(data))
    ocf.write_ocf(tmp_path / "two.epub", entries(b"<html>two</html>"), MOMENT, cache=cache)
    assert deflated == [b"<html>two</html>"]
    assert len(list(cache.iterdir())) == 4  # the old chapter's bytes are gone
    with zipfile.ZipFile(tmp_path / "two.epub") as archive:
        assert archive.read("OEBPS/chapter.xhtml") == b"<html>two</html>"


def test_an_unreadable_cache_entry_is_a_miss(tmp_path):
    cache = tmp_path / "deflate"
    ocf.write_ocf(tmp_path / "one.epub", entries(b"a"), MOMENT, cache=cache)
    for path in cache.iterdir():
        path.unlink()
        path.mkdir()  # reading it fails
    ocf.write_ocf(tmp_path / "two.epub", entries(b"a"), MOMENT, cache=cache)
    with zipfile.ZipFile(tmp_path / "two.epub") as archive:
        assert archive.testzip() is None
