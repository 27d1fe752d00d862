"""Nothing past the page (herpress.pdf.pagefit): images, tables and code inside the text block."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from herpress.build import build
from herpress.proofread import read_pdf

INCH = 72


def _block(page, index, geometry):
    left, bottom, right, top = page.get_trimbox()
    recto = index % 2 == 0
    return (left + (geometry.inside if recto else geometry.outside) * INCH,
            right - (geometry.outside if recto else geometry.inside) * INCH,
            top - bottom - (geometry.top + geometry.bottom) * INCH)


def test_images_larger_than_the_page_are_scaled_to_the_text_block(wide_book):
    from herpress.pdf import profiles
    from herpress.pdf.interior import geometry

    book = wide_book.book
    document = pdfium.PdfDocument(str(wide_book.outputs["pdf"]))
    g = geometry(book, profiles.get(book.print_settings.profile), len(document))
    sizes = []
    for index, page in enumerate(document):
        left, right, height = _block(page, index, g)
        for image in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
            x0, y0, x1, y1 = image.get_bounds()
            assert x0 >= left - 1 and x1 <= right + 1, (index, x0, x1, left, right)
            assert y1 - y0 <= height, (index, y1 - y0, height)
            sizes.append((round(x1 - x0), round(y1 - y0)))
    document.close()
    wide, tall, small = sizes  # the 4,000 px image fills the measure; the 3,000 px tall one the height less a caption
    assert small == (225, 150)  # 300 × 200 px at 96 px an inch: its own size, smaller than the block
    assert abs(wide[0] - (right - left)) <= 1 and abs(wide[0] / wide[1] - 4000 / 1200) < 0.02
    assert tall[1] <= height - 0.5 * INCH and abs(tall[0] / tall[1] - 600 / 3000) < 0.02


def test_the_wide_book_has_nothing_past_the_page_or_near_the_trim(wide_book):
    from herpress.pdf import profiles
    from herpress.pdf.interior import geometry

    book = wide_book.book
    profile = profiles.get(book.print_settings.profile)
    pages = len(pdfium.PdfDocument(str(wide_book.outputs["pdf"])))
    fit, _ = read_pdf(wide_book.outputs["pdf"], geometry(book, profile, pages), profile.safety)
    assert fit.overflows == [] and fit.unsafe == []
    assert not [w for w in wide_book.book.warnings if "overflows" in w.message]


def test_a_300_character_code_line_wraps_inside_the_block_with_a_continuation_mark(wide_book):
    """The mark is drawn (continued.svg), not text: look for its ink left of the wrapped line."""
    document = pdfium.PdfDocument(str(wide_book.outputs["pdf"]))
    try:
        for index, page in enumerate(document):
            textpage = page.get_textpage()
            if "abcdefghij" not in textpage.get_text_range():
                continue
            starts = textpage.search("abcdefghij", match_case=True)
            lefts = []
            while (found := starts.get_next()) is not None:
                x0, y0, x1, y1 = textpage.get_charbox(found[0])
                lefts.append((round(x0), round(y0), round(y1)))
            rows = sorted({(x, y0, y1) for x, y0, y1 in lefts}, key=lambda r: -r[1])
            first_x = min(x for x, _, _ in rows)
            continued = [r for r in rows if r[0] == first_x]  # lines that begin with the string's words
            assert len({y for _, y, _ in rows}) >= 4  # 297 characters of it: four lines or more
            bitmap = page.render(scale=4).to_pil().convert("L")
            height = page.get_height()
            for x, y0, y1 in continued:  # ink in the hanging indent, left of each continuation line
                box = bitmap.crop(((x - 11) * 4, (height - y1) * 4, (x - 1) * 4, (height - y0) * 4))
                assert box.getextrema()[0] < 128, (index, x, y0)
            break
        else:
            raise AssertionError("the long line is not printed")
    finally:
        document.close()


def test_a_word_too_long_for_any_line_is_reported_with_its_file_and_line(book):
    chapter = book / "manuscript" / "introduction.md"
    text = chapter.read_text()
    words = ("word " * 14).strip()  # 69 characters kept on one line: a little wider than the measure
    chapter.write_text(text + f'\n\nA <span style="white-space: nowrap">{words}</span> here.\n')
    line = len((text + "\n\n").splitlines()) + 1
    result = build(book, ("pdf",))
    overflow = [w for w in result.book.warnings if "overflows the page" in w.message]
    assert overflow and str(overflow[0].file).endswith("introduction.md") and overflow[0].line == line, overflow
    assert "overflows the page by" in str(overflow[0]) and str(overflow[0]).startswith("manuscript/introduction.md:")


def test_a_figure_that_does_not_fit_moves_down_and_the_text_after_it_fills_the_gap(wide_book):
    document = pdfium.PdfDocument(str(wide_book.outputs["pdf"]))
    try:
        tall = next(n for n, page in enumerate(document)
                    for image in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4)
                    if image.get_px_size() == (600, 3000))
        before = document[tall - 1].get_textpage().get_text_range()
        assert "A paragraph before the tall one" in before
        assert "Filler paragraph 0 after the tall image" in " ".join(before.split())  # flowed up into the gap
    finally:
        document.close()
    import zipfile

    with zipfile.ZipFile(wide_book.outputs["epub"]) as archive:  # the EPUB keeps the author's order
        text = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("wide.xhtml"))
    assert text.index("tall.png") < text.index("Filler paragraph 0")


def test_an_image_printed_under_300_ppi_is_named_with_its_file_line_and_resolution(wide_book):
    low = [w for w in wide_book.book.warnings if "ppi" in w.message]
    assert len(low) == 1, low  # the 4,000 px and 3,000 px images are printed far above 300 ppi
    source = (wide_book.book.root / "src" / "wide.md").read_text().splitlines()
    assert str(low[0].file) == "src/wide.md" and "small.png" in source[low[0].line - 1]
    assert low[0].message.startswith("small.png is printed at 96 ppi"), low[0].message
