"""Each page of a finished PDF is read back once per content: what a page gave is found again for a
page that draws the same, and for no other."""

from __future__ import annotations

import shutil

import pikepdf

from herpress.cache import BlobCache
from herpress.pdf import inkcheck, legibility
from herpress.pdf.readback import PageMemo, page_digests
from herpress.proofread import read_pdf


def geometry_of(sample):
    from herpress.pdf import profiles
    from herpress.pdf.interior import geometry

    profile = profiles.get(sample.book.print_settings.profile)
    return geometry(sample.book, profile, sample.page_count), profile.safety


def readings(path, memo, where):
    fit, words = read_pdf(path, *where, memo)
    return legibility.smallest_marks(path, memo), inkcheck.read_inks(path, memo), fit, words


def test_a_page_keeps_its_digest_until_what_it_draws_changes(sample, tmp_path):
    path = tmp_path / "book.pdf"
    shutil.copy(sample.outputs["pdf"], path)
    digests = page_digests(path)
    assert page_digests(sample.outputs["pdf"]) == digests
    assert len(set(digests)) > len(digests) // 2  # pages that draw differently differ
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[6]
        page.obj.Contents = pdf.make_stream(page.obj.Contents.read_bytes() + b"\n0.5 g\n")
        pdf.save(path)
    changed, named = page_digests(path), page_digests(path, fonts_by_name=True)
    assert [n for n, (a, b) in enumerate(zip(digests, changed)) if a != b] == [6]
    assert [n for n, (a, b) in enumerate(zip(page_digests(sample.outputs["pdf"], True), named)) if a != b] == [6]
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:  # a font some of the pages draw with
        users: dict = {}
        for n, p in enumerate(pdf.pages):
            for f in (p.obj.Resources.get("/Font") or {}).values():
                users.setdefault(f.objgen, set()).add(n)
        objgen = min((u for u in users if len(users[u]) > 1), key=lambda u: len(users[u]))
        font = pdf.get_object(objgen)
        font.ToUnicode = pdf.make_stream(font.ToUnicode.read_bytes() + b"\n")
        pdf.save(path)
    again = page_digests(path)
    moved = {n for n, (a, b) in enumerate(zip(changed, again)) if a != b}
    assert users[objgen] <= moved != set(range(len(again)))
    assert page_digests(path, fonts_by_name=True) == named  # type, lines and inks read no font program


def test_pages_read_before_are_not_read_again_and_give_what_reading_them_gives(sample, tmp_path):
    path, where = sample.outputs["pdf"], geometry_of(sample)
    fresh = readings(path, None, where)
    first = PageMemo(path, BlobCache(tmp_path / "pages", "salt"))
    assert readings(path, first, where) == fresh
    pages = len(page_digests(path))
    assert sum(first.read.values()) >= pages  # blank pages alike are read once
    second = PageMemo(path, BlobCache(tmp_path / "pages", "salt"))
    assert readings(path, second, where) == fresh
    assert second.read == {} and second.kept == {kind: pages for kind in ("marks", "inks", "text")}
    assert fresh[0].smallest_type and fresh[1].pages.get("gray") and sum(map(len, fresh[3])) > 1000


def test_another_geometry_or_code_reads_the_pages_again(sample, tmp_path):
    path, (geometry, safety) = sample.outputs["pdf"], geometry_of(sample)
    readings(path, PageMemo(path, BlobCache(tmp_path / "pages", "salt")), (geometry, safety))
    import dataclasses

    wider = PageMemo(path, BlobCache(tmp_path / "pages", "salt"))
    read_pdf(path, dataclasses.replace(geometry, inside=geometry.inside + 0.1), safety, wider)
    distinct = len({(digest, n % 2) for n, digest in enumerate(page_digests(path))})  # blank pages are alike
    assert wider.read["text"] == distinct < len(page_digests(path))
    other = PageMemo(path, BlobCache(tmp_path / "pages", "other code"))
    legibility.smallest_marks(path, other)
    assert other.read["marks"] == len(set(page_digests(path)))


def test_an_entry_damaged_or_of_another_shape_is_read_again(sample, tmp_path):
    import hashlib
    import json

    path, where = sample.outputs["pdf"], geometry_of(sample)
    fresh = readings(path, None, where)
    first = PageMemo(path, BlobCache(tmp_path / "pages", "salt"))
    readings(path, first, where)
    assert len(list((tmp_path / "pages").iterdir())) == 3  # one entry a kind, every page in it
    entry = {kind: tmp_path / "pages" / first._entry(kind) for kind in ("marks", "inks", "text")}

    def sealed(body: bytes) -> bytes:
        return hashlib.sha256(body).hexdigest().encode() + b"\n" + body

    entry["marks"].write_bytes(entry["marks"].read_bytes()[:-3])  # truncated: its seal fails
    pages = json.loads(entry["inks"].read_bytes().partition(b"\n")[2])
    spoiled = {key: ({"spaces": 3, "ink": "x"} if n % 3 == 0 else [1, 2] if n % 3 == 1 else value)
               for n, (key, value) in enumerate(sorted(pages.items()))}
    entry["inks"].write_bytes(sealed(json.dumps(spoiled).encode()))  # sealed, some pages not of their shape
    entry["text"].write_bytes(sealed(b"[1, 2, 3]"))  # sealed, and not pages at all
    memo = PageMemo(path, BlobCache(tmp_path / "pages", "salt"))
    assert readings(path, memo, where) == fresh
    assert memo.read["marks"] == first.read["marks"] and memo.read["text"] == first.read["text"]
    assert 0 < memo.read["inks"] < first.read["inks"]
    mended = PageMemo(path, BlobCache(tmp_path / "pages", "salt"))  # each one read again was kept anew
    assert readings(path, mended, where) == fresh and mended.read == {}


def test_an_edit_reads_back_only_the_pages_it_changed(book, monkeypatch):
    from herpress import build as building
    from herpress.pdf import readback

    made = []
    real = readback.PageMemo.__init__

    def kept(self, *args, **kwargs):
        real(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(readback.PageMemo, "__init__", kept)
    first = building.build(book, ("pdf",))
    chapter = book / "manuscript" / "01-first-chapter.md"
    text = chapter.read_text(encoding="utf-8")  # a paragraph again: no glyph the book does not draw already
    paragraph = max(text.split("\n\n"), key=lambda p: len(p) if p[:1].isalpha() else 0)
    chapter.write_text(text + "\n\n" + paragraph + "\n", encoding="utf-8")
    second = building.build(book, ("pdf",))
    assert second.page_count == first.page_count > 8
    read = made[-1].read
    assert 1 <= read["marks"] == read["inks"] <= 3  # the pages of the chapter, from where it changed
    assert made[-1].kept["marks"] >= first.page_count - 3
    # The repeated paragraph draws glyphs this small book did not (its merged font changes): the
    # text pdfium extracts is read again on every page that draws with that font.
    assert read["text"] >= read["marks"]
