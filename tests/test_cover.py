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


def test_a_spine_too_thin_for_7_pt_type_has_none_and_says_so(small_book, tmp_path):
    book = dataclasses.replace(small_book, print_settings=PrintSettings(profile="kdp"))
    warnings = write_cover(book, tmp_path / "cover.pdf", 120)  # 0.27 in: 6.3 pt lettering between the margins
    assert any("no spine text" in w and "7 pt" in w for w in warnings), warnings
    assert not cover_geometry("6x9", 120, profiles.get("kdp"), "white").spine_text
    assert cover_geometry("6x9", 130, profiles.get("kdp"), "white").spine_text


def test_spine_text_is_kept_off_the_folds(small_book, tmp_path):
    path, geometry = kdp_cover(small_book, tmp_path, 160)
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


# --- the hardcover -------------------------------------------------------------------------------

MM = 1 / 25.4  # inches
# The services' published hardcover figures, written out here rather than read from profiles.py:
# KDP case laminate: wrap 15 mm, hinge 10 mm, 2 mm boards (the case's spine spans the pages and both).
KDP_WRAP, KDP_HINGE, KDP_BOARD = 15 * MM, 10 * MM, 2 * MM
# Lulu casewrap: printed 0.75 in past the cover, boards 0.125 in past the pages, spine from its table.
LULU_WRAP, LULU_OVERHANG, LULU_SPINE_279_306 = 0.75, 0.125, 0.938


def hardcover_book(small_book, profile="kdp", trim="6x9", isbn="", price=""):
    settings = PrintSettings(profile=profile, trim=trim, binding="hardcover", price=price)
    return dataclasses.replace(small_book, metadata=dataclasses.replace(small_book.metadata, isbn=isbn),
                               print_settings=settings)


@pytest.mark.parametrize("profile, pages, width, height, case_width", [
    # wrap + back + hinge + spine + hinge + front + wrap; wrap + trim height + wrap
    ("kdp", 200, 2 * KDP_WRAP + 2 * 6 + 2 * KDP_HINGE + (200 * 0.002252 + 2 * KDP_BOARD), 9 + 2 * KDP_WRAP,
     2 * 6 + 2 * KDP_HINGE + 200 * 0.002252 + 2 * KDP_BOARD),
    # turn-in + back + spine + front + turn-in, each panel the trim + the overhang (twice in height)
    ("lulu", 300, 2 * LULU_WRAP + 2 * (6 + LULU_OVERHANG) + LULU_SPINE_279_306, 9 + 2 * LULU_OVERHANG + 2 * LULU_WRAP,
     2 * (6 + LULU_OVERHANG) + LULU_SPINE_279_306),
])
def test_hardcover_sheet_is_the_services_formula(small_book, tmp_path, profile, pages, width, height, case_width):
    from pypdf import PdfReader

    path = tmp_path / "case.pdf"
    write_cover(hardcover_book(small_book, profile), path, pages)  # preflight passes: TrimBox the case, wrap as bleed
    page = PdfReader(str(path)).pages[0]
    assert float(page.mediabox.width) / 72 == pytest.approx(width, abs=0.005)
    assert float(page.mediabox.height) / 72 == pytest.approx(height, abs=0.005)
    assert float(page.trimbox.width) / 72 == pytest.approx(case_width, abs=0.005)


@pytest.mark.parametrize("trim, pages, words", [
    ("5x8", 200, "Amazon KDP hardcover (case laminate) is not made in 5x8: its trims are 5.5x8.5, 6x9, "),
    ("6x9", 60, "the interior has 60 pages: too few for Amazon KDP hardcover (case laminate), which binds 75–550; "
                "add pages"),
    ("6x9", 600, "too many for Amazon KDP hardcover (case laminate), which binds 75–550"),
])
def test_kdp_hardcover_refuses_a_trim_or_a_page_count_it_does_not_make(trim, pages, words):
    with pytest.raises(BookError) as caught:
        cover_geometry(trim, pages, profiles.get("kdp"), "white", "hardcover")
    said = str(caught.value)
    assert words in said and said.endswith("or make the paperback cover with --binding paperback")


def test_the_hardcover_refusal_on_the_command_line(book):
    """Exit 1, the message and no traceback, the cover already there left as it was: a 5x8 trim is
    refused before the interior is laid out; [print] binding = "hardcover" is the default, and the
    init book's few pages are too few for KDP's."""
    from typer.testing import CliRunner

    from herpress.cli import app

    toml = book / "manuscript" / "book.toml"
    earlier = book / "build" / "my-cover.pdf"
    earlier.parent.mkdir()
    earlier.write_bytes(b"%PDF-1.7 the cover made before\n")
    toml.write_text(toml.read_text().replace('trim = "6x9"', 'trim = "5x8"'))
    result = CliRunner().invoke(app, ["cover", str(book), "--binding", "hardcover", "-o", str(earlier)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is not made in 5x8" in result.output and "set [print] trim to 5.5x8.5 or 6x9 in book.toml" in result.output
    toml.write_text(toml.read_text().replace('trim = "5x8"', 'trim = "6x9"').replace('binding = "paperback"', 'binding = "hardcover"'))
    result = CliRunner().invoke(app, ["cover", str(book), "-o", str(earlier)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "too few for Amazon KDP hardcover (case laminate), which binds 75–550" in result.output
    assert earlier.read_bytes() == b"%PDF-1.7 the cover made before\n"


def test_lulu_and_ingramspark_have_a_hardcover_and_screen_none():
    assert cover_geometry("6x9", 300, profiles.get("lulu"), "white", "hardcover").spine == LULU_SPINE_279_306
    assert cover_geometry("5x8", 100, profiles.get("ingramspark"), "cream", "hardcover").hinge > 0
    with pytest.raises(BookError, match="no printed cover"):
        cover_geometry("6x9", 100, profiles.get("screen"), "white", "hardcover")


def test_hardcover_wrap_and_hinges_hold_no_text_and_the_spine_text_its_margins(small_book, tmp_path):
    path = tmp_path / "case.pdf"
    write_cover(hardcover_book(small_book, isbn="978-0-306-40615-7", price="USD 14.99"), path, 200)
    geometry = cover_geometry("6x9", 200, profiles.get("kdp"), "white", "hardcover")
    with cover_page(path) as page:
        left, bottom, right, top = page.get_trimbox()
        textpage = page.get_textpage()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())
                 if not textpage.get_text_range(i, 1).isspace()]
    assert boxes and all(left <= b[0] and b[2] <= right and bottom <= b[1] and b[3] <= top for b in boxes)  # no wrap
    fold, other = left + geometry.spine_left * 72, left + (geometry.spine_left + geometry.spine) * 72
    hinges = [(fold - geometry.hinge * 72, fold), (other, other + geometry.hinge * 72)]
    assert geometry.hinge == pytest.approx(KDP_HINGE, abs=0.001)
    assert not [b for b in boxes for start, end in hinges if b[2] > start and b[0] < end]
    spine = [b for b in boxes if fold <= b[0] <= other]
    margin = geometry.spine_margin * 72
    assert spine and all(fold + margin - 0.5 <= b[0] and b[2] <= other - margin + 0.5 for b in spine)


# --- the barcode ---------------------------------------------------------------------------------

# GS1's number sets for EAN-13, written out: A (odd parity), B (even), C (the right half)
SET_A = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"]
SET_B = ["0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001", "0001001", "0010111"]
SET_C = ["1110010", "1100110", "1101100", "1000010", "1011100", "1001110", "1010000", "1000100", "1001000", "1110100"]


def test_ean13_of_a_known_isbn():
    from herpress.pdf.barcode import Barcode, ean13_modules, isbn13

    # 978-0-306-40615-7: the first digit 9 sets the left half's parities A B B A B A
    left = [SET_A[7], SET_B[8], SET_B[0], SET_A[3], SET_B[0], SET_A[6]]
    right = [SET_C[d] for d in (4, 0, 6, 1, 5, 7)]
    expected = "101" + "".join(left) + "01010" + "".join(right) + "101"
    assert isbn13("978-0-306-40615-7") == isbn13("0-306-40615-2") == "9780306406157"  # the ISBN-10 made 978-
    assert len(expected) == 95 and ean13_modules("9780306406157") == expected
    barcode = Barcode.of("0-306-40615-2")
    assert barcode.shown == "ISBN 978-0-306-40615-7" and barcode.addon is None
    drawn = ["0"] * barcode.width  # the SVG's bars, module by module, give the same pattern
    for x, width, _, _ in barcode.bars():
        drawn[x:x + width] = "1" * width
    assert "".join(drawn[11:11 + 95]) == expected


def test_ean5_price_add_on():
    from herpress.pdf.barcode import Barcode, ean5_modules, price_code

    assert [price_code(p) for p in ("USD 14.99", "CAD 24", "GBP 7.99", "AUD 29.95", "NZD 5.50", "90000", "")] == \
        ["51499", "62400", "00799", "32995", "40550", "90000", None]
    # 51499: check value 3 × (5 + 4 + 9) + 9 × (1 + 9) = 144 → 4: parities A B B A A
    digits = [SET_A[5], SET_B[1], SET_B[4], SET_A[9], SET_A[9]]
    assert ean5_modules("51499") == "1011" + "01".join(digits)
    barcode = Barcode.of("978-0-306-40615-7", "USD 14.99")
    assert barcode.addon == "51499" and barcode.width > 11 + 95 + 47
    with pytest.raises(ValueError, match="EUR"):
        price_code("EUR 9.99")


@pytest.mark.parametrize("line, words", [
    ('isbn = "978-0-306-40615-6"', "isbn '978-0-306-40615-6' fails its check digit (it ends 6, the others make it 7)"),
    ('isbn = "0-306-40615-3"', "isbn '0-306-40615-3' fails its check digit (an ISBN-10 ending 3 should end 2 here)"),
    ('isbn = "978-0-306-4061"', "isbn '978-0-306-4061' has 11 digits: an ISBN has 13 (978-…) or 10"),
    ('isbn = "123-4-567-89012-8"', "is no ISBN-13: those begin with 978 or 979"),
])
def test_a_wrong_isbn_is_reported_at_its_line_in_book_toml(tmp_path, line, words):
    from herpress.config import load_config

    (tmp_path / "book.toml").write_text(
        f'[book]\ntitle = "A Book"\ncreator = "Someone"\npublisher = "Press"\n{line}\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-000000000000"\n\n[contents]\nchapters = ["one.md"]\n\n'
        '[print]\nprice = "EUR 9.99"\nbinding = "casebound"\n')
    with pytest.raises(BookError) as caught:
        load_config(tmp_path / "book.toml", shown_as="manuscript/book.toml")
    said = str(caught.value).splitlines()  # every problem of book.toml, each at its line
    assert any(s.startswith("manuscript/book.toml:5: isbn '") and words in s for s in said)
    assert any(s.startswith("manuscript/book.toml:12: price 'EUR 9.99' is in EUR") for s in said)
    assert any(s.startswith("manuscript/book.toml:13: unknown binding 'casebound'") for s in said)


@pytest.mark.parametrize("binding, pages", [("paperback", 200), ("hardcover", 200)])
def test_cover_with_isbn_and_price_prints_its_barcode_in_the_area(small_book, tmp_path, binding, pages):
    import subprocess

    book = hardcover_book(small_book, isbn="978-0-306-40615-7", price="USD 14.99")
    book = dataclasses.replace(book, print_settings=dataclasses.replace(book.print_settings, binding=binding))
    path = tmp_path / "cover.pdf"
    write_cover(book, path, pages)
    geometry = cover_geometry("6x9", pages, profiles.get("kdp"), "white", binding)
    with cover_page(path) as page:
        trim_left, trim_bottom = page.get_trimbox()[:2]
        width, height = geometry.barcode
        right = trim_left + (geometry.trim_width - 0.375) * 72  # on the back panel, off its spine edge by 0.375 in
        bottom = trim_bottom + 0.375 * 72
        assert right < trim_left + geometry.spine_left * 72 - geometry.hinge * 72 + 1  # not in the hinge or spine
        text = page.get_textpage().get_text_bounded(left=right - width * 72, bottom=bottom, right=right,
                                                     top=bottom + height * 72)
        media = page.get_mediabox()
        image = page.render(scale=4).to_pil().convert("L")
        box = [int(4 * v) for v in (right - width * 72 - media[0], media[3] - bottom - height * 72,
                                    right - media[0], media[3] - bottom)]
        darkest, lightest = image.crop(box).getextrema()
    assert "ISBN 978-0-306-40615-7" in text and "51499" in text and "780306" in text
    assert darkest == 0 and lightest == 255  # black bars on white
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "ISBN 978-0-306-40615-7" in layout
    from herpress.pdf.preflight import draws_images
    from pypdf import PdfReader

    assert not draws_images(PdfReader(str(path)))  # the bars are vector, no image


def test_a_price_without_an_isbn_leaves_the_area_clear_and_says_so(small_book, tmp_path):
    book = dataclasses.replace(small_book, print_settings=PrintSettings(profile="kdp", price="USD 14.99"))
    warnings = write_cover(book, tmp_path / "cover.pdf", 200)
    assert any("price USD 14.99 is not printed" in w for w in warnings)
