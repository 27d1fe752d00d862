"""Preflight reads the PDFs back: every profile's sample passes, and each kind of fault is caught."""

from __future__ import annotations

import pytest

from herpress.pdf import profiles
from herpress.pdf.preflight import Expected, preflight


def expected(laid_out) -> Expected:
    g = laid_out.geometry
    return Expected((g.width, g.height), g.bleed, g.bleed_sides if g.bleed else "none")


@pytest.mark.parametrize("name", list(profiles.PROFILES))
def test_each_profile_pdf_passes_its_own_preflight(profile_pdfs, sample, name):
    path, laid_out = profile_pdfs[name]
    report = preflight(path, profiles.get(name), expected(laid_out),
                       inks=profiles.inks(profiles.get(name), sample.book.print_settings.interior))
    assert report.ok, report.errors


def test_links_and_bookmarks_fail_kdp(profile_pdfs):
    path, laid_out = profile_pdfs["screen"]
    report = preflight(path, profiles.get("kdp"), expected(laid_out))
    assert any("annotations" in e for e in report.errors)
    assert any("bookmarks" in e for e in report.errors)


def test_missing_output_intent_fails_ingramspark(profile_pdfs):
    path, laid_out = profile_pdfs["kdp"]
    report = preflight(path, profiles.get("ingramspark"), expected(laid_out))
    assert any("output intent" in e for e in report.errors)


def test_wrong_trim_and_missing_bleed_are_errors(profile_pdfs):
    path, _ = profile_pdfs["kdp"]
    report = preflight(path, profiles.get("lulu"), Expected((5.5, 8.5), 0.125, "all"))
    assert any("TrimBox" in e for e in report.errors) and any("MediaBox" in e for e in report.errors)


def test_short_book_is_a_warning_not_an_error(init_book):
    from pypdf import PdfReader

    pages = len(PdfReader(str(init_book.outputs["pdf"])).pages)
    assert pages < profiles.get("kdp").min_pages
    report = preflight(init_book.outputs["pdf"], profiles.get("kdp"), Expected((6.0, 9.0)))
    assert report.ok and any(f"{pages} pages" in w for w in report.warnings)


def test_low_resolution_raster_image_is_flagged(tmp_path):
    from PIL import Image
    from weasyprint import HTML

    png = tmp_path / "photo.png"
    Image.new("RGB", (150, 150), (200, 30, 30)).save(png)  # 150 px placed at 1 in: 150 dpi
    path = tmp_path / "low.pdf"
    HTML(string=f'<style>@page {{ size: 6in 9in }}</style><img src="{png.as_uri()}" style="width: 1in">').write_pdf(path)
    report = preflight(path, profiles.get("kdp"), Expected((6.0, 9.0)), interior=False)
    assert any("150 dpi" in w for w in report.warnings), report.warnings


def test_preflight_opens_the_pages_only_when_the_file_draws_a_raster_image(tmp_path):
    """Preflight skips the page-by-page image check for a file without raster images; an image
    drawn through a pattern (a CSS background) counts as one."""
    from PIL import Image
    from pypdf import PdfReader
    from weasyprint import HTML

    from herpress.pdf.preflight import draws_images

    png = tmp_path / "photo.png"
    Image.new("RGB", (100, 100), (20, 90, 160)).save(png)
    paths = {name: tmp_path / f"{name}.pdf" for name in ("text", "img", "background")}
    HTML(string="<p>Text only.</p>").write_pdf(paths["text"])
    HTML(string=f'<p>Text.</p><img style="display: block; break-before: page; width: 1in" src="{png.as_uri()}">').write_pdf(paths["img"])
    HTML(string=f'<div style="width: 1in; height: 1in; background: url({png.as_uri()})"></div>').write_pdf(
        paths["background"])
    assert {name: draws_images(PdfReader(str(path))) for name, path in paths.items()} == {
        "text": False, "img": True, "background": True}
    report = preflight(paths["img"], profiles.get("kdp"), Expected((8.27, 11.69)), interior=False)
    assert [w for w in report.warnings if "dpi" in w] == ["page 2: an image is placed at 100 dpi (printers want 300)"]


def test_unembedded_font_is_an_error():
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    from herpress.pdf.preflight import unembedded_fonts

    writer = PdfWriter()
    page = writer.add_blank_page(432, 648)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    assert unembedded_fonts(writer) == {"/Helvetica"}


def test_rgb_in_a_cmyk_or_gray_interior_is_an_error_naming_its_pages(profile_pdfs, sample):
    assert sample.book.figures  # the screen PDF's charts are drawn in RGB
    path, laid_out = profile_pdfs["screen"]
    for inks in ("cmyk", "gray"):
        report = preflight(path, profiles.get("ingramspark"), expected(laid_out), inks=inks)
        assert any(e.startswith("RGB colour on page") for e in report.errors), report.errors


def test_type_under_the_printers_smallest_is_an_error_and_in_an_image_a_warning(tmp_path):
    from weasyprint import HTML

    svg = tmp_path / "figure.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50" viewBox="0 0 200 50">'
                   '<text x="50" y="30" font-size="5" text-anchor="middle">tiny label</text></svg>')  # drawn in a form
    small = tmp_path / "small.pdf"
    HTML(string='<style>@page { size: 6in 9in; margin: 1in }</style><p style="font-size: 6pt">Six point text.</p>'
                '<p style="font-size: 10pt">Ten point text, and a rule:</p>'
                '<hr style="border: 0; border-top: 0.1pt solid black">').write_pdf(small)
    report = preflight(small, profiles.get("kdp"), Expected((6.0, 9.0)), interior=False)
    assert any(e.startswith("page 1: type set at 6 pt") for e in report.errors), report.errors
    assert any("page 1: a line 0.1 pt thick" in e for e in report.errors), report.errors
    image = tmp_path / "image.pdf"
    HTML(string=f'<style>@page {{ size: 6in 9in; margin: 1in }}</style><p>Ten point text.</p>'
                f'<img src="{svg.as_uri()}" style="width: 2.78in">').write_pdf(image)  # 200 px drawn at 200 pt
    report = preflight(image, profiles.get("kdp"), Expected((6.0, 9.0)), interior=False)
    assert not any("type set" in e for e in report.errors), report.errors
    assert any("type set at 5 pt" in w for w in report.warnings), report.warnings
    assert not any("type set" in e for e in preflight(small, profiles.get("screen"), Expected((6.0, 9.0)),
                                                       interior=False).errors)  # a screen PDF is not printed


def test_a_preflight_finding_names_the_file_its_page_prints_and_the_folio(sample):
    from herpress.pagemap import PageStart
    from herpress.pdf.output import where_printed

    printed = sample.book

    chapter = sample.book.chapters[2]
    starts = [PageStart(0, "i", "titlepage", -1, 0, "", ""), PageStart(8, "5", f"chapter:{chapter.slug}", -1, 0, "", "")]
    laid_out = type("Laid", (), {"starts": starts, "page_labels": ["i"] * 8 + ["5", "6", "7"]})()
    said = where_printed("page 10: type set at 6 pt", printed, laid_out)
    assert said == f"{chapter.source}, page 6 (the PDF's page 10): type set at 6 pt"
    assert where_printed("page 2: a line 0.1 pt thick", printed, laid_out).startswith("titlepage, page i")
    assert where_printed("no page here", printed, laid_out) == "no page here"
