"""Parts joined into one PDF embed each face once, and print exactly what the parts print."""

from __future__ import annotations

import dataclasses
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from checks import page_texts, pdf

from herpress.pdf import profiles
from herpress.pdf.preflight import fonts_in
from herpress.pdf import parts as book_parts
from herpress.pdf import pdfjoin, subsets

FONTS = Path(__file__).parent.parent / "styles" / "fonts"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")  # installed by scripts/setup


def programs(path) -> dict[str, set]:
    """Face name (without its subset tag) -> the distinct font programs embedded for it."""
    found: dict[str, set] = {}
    for font in fonts_in(pdf(path).pages):
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        found.setdefault(str(font["/BaseFont"])[8:], set()).add(stream.get_data())
    return found


@pytest.fixture(scope="module")
def part_files(sample, tmp_path_factory):
    """The sample book's parts as the build writes them, kept (for kdp and ingramspark's PDF/X-1a)."""
    kept = {}
    for name in ("kdp", "ingramspark"):
        folder = tmp_path_factory.mktemp(f"parts-{name}")
        real = pdfjoin.join

        def keep(paths, target, over=(), fonts=None, folder=folder):
            for n, path in enumerate(paths):
                shutil.copy(path, folder / f"{n:03d}.pdf")
            kept[f"{name}-over"] = []
            for n, (path, first) in enumerate(over):
                shutil.copy(path, folder / f"folios-{n:03d}.pdf")
                kept[f"{name}-over"].append((folder / f"folios-{n:03d}.pdf", first))
            real(paths, target, over)

        pdfjoin.join = keep
        try:
            book = dataclasses.replace(sample.book, print_settings=dataclasses.replace(
                sample.book.print_settings, profile=name))
            book_parts.print_in_parts(book, profiles.get(name), folder / "book.pdf", 0)
        finally:
            pdfjoin.join = real
        kept[name] = sorted(folder.glob("[0-9]*.pdf"))
    return kept


def joined(part_files, name: str, target) -> None:
    pdfjoin.join(part_files[name], target, part_files[f"{name}-over"])


def rendered(path) -> list[bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return [page.render(scale=40 / 72).to_pil().tobytes() for page in document]
    finally:
        document.close()


@pytest.mark.parametrize("name", ["kdp", "ingramspark"])
def test_each_face_is_embedded_once_and_every_page_draws_as_before(part_files, monkeypatch, tmp_path, name):
    joined(part_files, name, tmp_path / "merged.pdf")
    monkeypatch.setattr(subsets, "merge", lambda found, used: None)  # each part's subsets kept, renamed
    joined(part_files, name, tmp_path / "apart.pdf")
    monkeypatch.undo()
    merged, apart = programs(tmp_path / "merged.pdf"), programs(tmp_path / "apart.pdf")
    assert merged.keys() == apart.keys()
    assert all(len(found) == 1 for found in merged.values()), {k: len(v) for k, v in merged.items()}
    assert sum(map(len, apart.values())) > len(apart)  # the parts did embed subsets of their own
    assert page_texts(tmp_path / "merged.pdf") == page_texts(tmp_path / "apart.pdf")  # ToUnicode: ligatures too
    assert rendered(tmp_path / "merged.pdf") == rendered(tmp_path / "apart.pdf")
    assert (tmp_path / "merged.pdf").stat().st_size < (tmp_path / "apart.pdf").stat().st_size
    parts_size = sum(path.stat().st_size for path in part_files[name])
    assert (tmp_path / "merged.pdf").stat().st_size < parts_size  # the folios drawn over leave the pages compressed


def test_the_glyph_set_of_a_pdf_x_1a_font_lists_every_glyph_it_draws(part_files, tmp_path):
    joined(part_files, "ingramspark", tmp_path / "book.pdf")
    for font in fonts_in(pdf(tmp_path / "book.pdf").pages):
        descendant = font["/DescendantFonts"][0].get_object()
        bits = descendant["/FontDescriptor"]["/CIDSet"].get_data()
        for glyph in pdfjoin._widths(descendant["/W"]):
            assert bits[glyph // 8] & (0x80 >> glyph % 8), (font["/BaseFont"], glyph)


def test_subsets_that_cannot_be_merged_keep_a_name_each(part_files, monkeypatch, tmp_path):
    monkeypatch.setattr(subsets, "merge", lambda found, used: None)
    joined(part_files, "kdp", tmp_path / "book.pdf")
    fonts = list(fonts_in(pdf(tmp_path / "book.pdf").pages))
    by_program: dict[int, set] = {}  # the object number of each font program -> the names it is used under
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        program = descriptor.raw_get("/FontFile2") if "/FontFile2" in descriptor else descriptor.raw_get("/FontFile3")
        by_program.setdefault(program.idnum, set()).add(str(font["/BaseFont"]))
        assert descriptor["/FontName"] == font["/BaseFont"] == descendant["/BaseFont"]
    names = [next(iter(found)) for found in by_program.values()]
    assert all(len(found) == 1 for found in by_program.values())
    assert len(set(names)) == len(names)  # two different programs never share a name


# --- the font programs ------------------------------------------------------------------------


def subset_of(path: Path, text: str) -> bytes:
    """A subset of the font at ``path`` drawing ``text``, each glyph at its own id (as WeasyPrint makes them)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    options = subset.Options(retain_gids=True, desubroutinize=True, notdef_outline=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def drawn(path: Path, text: str) -> set[int]:
    """The glyph ids that draw ``text`` in the font at ``path`` (what a PDF's /W would list)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    return {font.getGlyphID(font.getBestCmap()[ord(char)]) for char in text}


def filled(program: bytes, path: Path, text: str) -> set[str]:
    """The characters of ``text`` whose glyph (as the full font maps it) has an outline in ``program``."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    full, merged = TTFont(str(path)), TTFont(BytesIO(program))
    order, glyphs = merged.getGlyphOrder(), merged.getGlyphSet()
    found = set()
    for char in text:
        gid = full.getGlyphID(full.getBestCmap()[ord(char)])
        pen = RecordingPen()
        glyphs[order[gid]].draw(pen)
        if pen.value:
            found.add(char)
    return found


@pytest.mark.parametrize("face", ["LinLibertine_R.otf", "LinBiolinum_RB.otf"])
def test_two_subsets_merge_into_one_holding_the_glyphs_of_both(face):
    path = FONTS / face
    merged = subsets.merge([subset_of(path, "abc"), subset_of(path, "xyz")], [drawn(path, "abc"), drawn(path, "xyz")])
    assert merged is not None
    assert filled(merged, path, "abcxyz") == set("abcxyz")
    assert filled(merged, path, "mnop") == set()


def test_truetype_subsets_merge_too(tmp_path):
    from fontTools.ttLib import TTFont

    dejavu = DEJAVU
    merged = subsets.merge([subset_of(dejavu, "{}"), subset_of(dejavu, "fn é")], [drawn(dejavu, "{}"), drawn(dejavu, "fn é")])
    assert merged is not None and "glyf" in TTFont(BytesIO(merged))
    assert filled(merged, dejavu, "{}fné") == set("{}fné")


def test_fonts_of_different_kinds_are_not_merged():
    dejavu = DEJAVU
    libertine = FONTS / "LinLibertine_R.otf"
    assert subsets.merge([subset_of(libertine, "a"), subset_of(dejavu, "b")],
                         [drawn(libertine, "a"), drawn(dejavu, "b")]) is None
    assert subsets.merge([b"not a font", subset_of(dejavu, "b")], [set(), drawn(dejavu, "b")]) is None


def dated(program: bytes, modified: int) -> bytes:
    """``program`` with ``modified`` as the time its head table says it was last changed."""
    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(program), recalcTimestamp=False)
    font["head"].modified = modified
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def test_a_merge_keeps_the_time_its_font_was_made_so_a_join_is_reproducible():
    from fontTools.ttLib import TTFont

    path = FONTS / "LinLibertine_R.otf"
    inputs = [dated(subset_of(path, "abc"), 3_500_000_000), dated(subset_of(path, "xyz"), 3_500_000_000)]
    used = [drawn(path, "abc"), drawn(path, "xyz")]
    merged = subsets.merge(inputs, used)
    assert TTFont(BytesIO(merged))["head"].modified == 3_500_000_000
    assert subsets.merge(inputs, used) == merged


def test_a_join_takes_the_fonts_it_merged_before_from_its_cache(part_files, tmp_path):
    from herpress.cache import BlobCache

    fonts = BlobCache(tmp_path / "fonts", "salt")
    pdfjoin.join(part_files["kdp"], tmp_path / "first.pdf", part_files["kdp-over"], fonts=fonts)
    assert fonts.hits == 0 and len(list((tmp_path / "fonts").iterdir())) >= 1
    again = BlobCache(tmp_path / "fonts", "salt")
    pdfjoin.join(part_files["kdp"], tmp_path / "again.pdf", part_files["kdp-over"], fonts=again)
    assert again.hits == len(list((tmp_path / "fonts").iterdir()))
    pdfjoin.join(part_files["kdp"], tmp_path / "uncached.pdf", part_files["kdp-over"])
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes() \
        == (tmp_path / "uncached.pdf").read_bytes()
    for entry in (tmp_path / "fonts").iterdir():  # a damaged entry is merged again, never used
        entry.write_bytes(entry.read_bytes()[:-10])
    damaged = BlobCache(tmp_path / "fonts", "salt")
    pdfjoin.join(part_files["kdp"], tmp_path / "damaged.pdf", part_files["kdp-over"], fonts=damaged)
    assert damaged.hits == 0 and (tmp_path / "damaged.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()
