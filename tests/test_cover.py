"""The full-wrap cover: its width from the page count and the paper, spine text only where allowed."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pytest

from herpress.pdf import profiles
from herpress.config import PrintSettings
from herpress.errors import BookError
from herpress.pdf.cover import cover_geometry, write_cover

CALIPER = {("kdp", "white"): 0.002252, ("kdp", "cream"): 0.0025}


@contextmanager
def cover_page(path):
    """The cover's one page, opened with pdfium."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        yield document[0]
    finally:
        document.close()


def kdp_cover(small_book, tmp_path, pages: int):
    """A KDP cover (white paper) for ``pages`` interior pages: its path and its geometry."""
    book = dataclasses.replace(small_book, print_settings=PrintSettings(profile="kdp"))
    path = tmp_path / "cover.pdf"
    write_cover(book, path, pages)
    return path, cover_geometry("6x9", pages, profiles.get("kdp"), "white")


def spine_text(path, geometry) -> str:
    """The text printed on the spine panel (between the folds)."""
    with cover_page(path) as page:
        left = page.get_trimbox()[0] + geometry.trim_width * 72
        return page.get_textpage().get_text_bounded(left=left, bottom=0, right=left + geometry.spine * 72,
                                                    top=geometry.trim_height * 72).strip()


@pytest.mark.parametrize("pages", [60, 200, 420])
@pytest.mark.parametrize("paper", ["white", "cream"])
def test_kdp_cover_width_from_page_count_and_paper(small_book, tmp_path, pages, paper):
    from pypdf import PdfReader

    book = dataclasses.replace(small_book, print_settings=PrintSettings(profile="kdp", paper=paper))
    path = tmp_path / "cover.pdf"
    write_cover(book, path, pages)
    page = PdfReader(str(path)).pages[0]
    spine = pages * CALIPER[("kdp", paper)]
    assert float(page.mediabox.width) / 72 == pytest.approx(2 * 6 + spine + 2 * 0.125, abs=0.01)
    assert float(page.mediabox.height) / 72 == pytest.approx(9 + 2 * 0.125, abs=0.01)
    assert float(page.trimbox.width) / 72 == pytest.approx(2 * 6 + spine, abs=0.01)
    geometry = cover_geometry("6x9", pages, profiles.get("kdp"), paper)
    text = spine_text(path, geometry)
    if pages < 79:
        assert text == ""  # KDP: no spine text under 79 pages
    else:
        assert book.metadata.title in text.replace("\r\n", " ")


def test_lulu_spine_and_no_spine_text_below_its_minimum(small_book, tmp_path):
    from pypdf import PdfReader

    book = dataclasses.replace(small_book, print_settings=PrintSettings(profile="lulu"))
    for pages in (40, 300):
        path = tmp_path / f"lulu-{pages}.pdf"
        write_cover(book, path, pages)
        width = float(PdfReader(str(path)).pages[0].mediabox.width) / 72
        assert width == pytest.approx(2 * 6 + pages / 444 + 0.06 + 0.25, abs=0.01)
        geometry = cover_geometry("6x9", pages, profiles.get("lulu"), "white")
        assert (spine_text(path, geometry) != "") == (pages >= profiles.get("lulu").spine_text_min_pages)


def test_spine_text_is_kept_off_the_folds(small_book, tmp_path):
    path, geometry = kdp_cover(small_book, tmp_path, 120)
    with cover_page(path) as page:
        textpage = page.get_textpage()
        fold = page.get_trimbox()[0] + geometry.trim_width * 72
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())
                 if fold - 1 < textpage.get_charbox(i)[0] < fold + geometry.spine * 72 + 1]
    assert boxes
    margin = geometry.spine_margin * 72
    assert min(b[0] for b in boxes) >= fold + margin - 0.5
    assert max(b[2] for b in boxes) <= fold + geometry.spine * 72 - margin + 0.5


def test_barcode_area_is_clear(small_book, tmp_path):
    """Nothing but the white box where the printer puts the barcode (back cover, bottom right)."""
    path, geometry = kdp_cover(small_book, tmp_path, 200)
    with cover_page(path) as page:
        trim_left = page.get_trimbox()[0]
        width, height = geometry.barcode
        right = trim_left + (geometry.trim_width - 0.375) * 72
        bottom = page.get_trimbox()[1] + 0.375 * 72
        text = page.get_textpage().get_text_bounded(left=right - width * 72, bottom=bottom, right=right,
                                                     top=bottom + height * 72)
        image = page.render(scale=1).to_pil().convert("L")
        media = page.get_mediabox()
        box = (int(right - width * 72 - media[0]) + 2, int(media[3] - bottom - height * 72) + 2,
               int(right - media[0]) - 2, int(media[3] - bottom) - 2)
        extrema = image.crop(box).getextrema()
    assert text.strip() == "" and extrema == (255, 255)


def test_screen_profile_has_no_printed_cover():
    with pytest.raises(BookError, match="no printed cover"):
        cover_geometry("6x9", 100, profiles.get("screen"), "white")
