"""Preflight: read a finished PDF back and check it against its print profile.

Errors are what the service would refuse (wrong page or trim size, a font not embedded,
links or bookmarks where forbidden, no PDF/X output intent); warnings are what it would
accept with a change or a caveat (a page count under the service's minimum, which the
service pads or refuses depending on the book; low-resolution images). The inks of a gray or
CMYK file are read back colour by colour (:mod:`.inkcheck`): anything of another space is an
error. The build runs it on every PDF and fails on errors, never on warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .profiles import INCH, Profile

TOLERANCE = 0.5  # points
MIN_DPI = 300


@dataclass
class Expected:
    """The sizes a PDF should have, in inches."""

    trim: tuple[float, float]
    bleed: float = 0.0
    bleed_sides: str = "none"  # "outside", "all" or "none"


@dataclass
class Preflight:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def preflight(path: Path, profile: Profile, expected: Expected, interior: bool = True,
              images: bool = True, inks: str = "rgb", memo=None) -> Preflight:
    """``images=False`` leaves image resolution out (a build's interior: :mod:`herpress.pdf.pagefit`
    names each image by its file). ``inks``: the colour space every colour must be in
    (:func:`herpress.pdf.profiles.inks`); ``gray`` and ``cmyk`` are read back colour by colour.
    ``memo`` (a :class:`.readback.PageMemo`): type, lines and inks of pages read before."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    report = Preflight()
    pages = len(reader.pages)
    if interior and not profile.min_pages <= pages <= profile.max_pages:
        report.warnings.append(f"{pages} pages: {profile.service} takes {profile.min_pages}–{profile.max_pages}")
    for number, page in enumerate(reader.pages, 1):
        _boxes(report, number, page, expected)
        if not profile.annotations and page.get("/Annots"):
            report.errors.append(f"page {number}: has annotations (links), which {profile.service} forbids")
    root = reader.trailer["/Root"]
    if not profile.bookmarks and "/Outlines" in root:
        report.errors.append(f"the PDF has bookmarks (outlines), which {profile.service} forbids")
    if profile.pdf_variant and profile.pdf_variant.startswith("pdf/x"):
        intents = [i.get_object() for i in root.get("/OutputIntents", [])]
        if inks == "gray":  # a registered condition, and no ICC profile (IngramSpark's black-and-white rule)
            if not any(i.get("/S") == "/GTS_PDFX" and i.get("/OutputConditionIdentifier") for i in intents):
                report.errors.append("no PDF/X output intent")
            if any("/DestOutputProfile" in i for i in intents):
                report.errors.append(f"an ICC profile in the output intent: {profile.service} wants none in a "
                                     "black-and-white interior")
        elif not any(i.get("/S") == "/GTS_PDFX" and "/DestOutputProfile" in i for i in intents):
            report.errors.append("no PDF/X output intent with a destination profile")
        if "/GTS_PDFXVersion" not in (reader.metadata or {}):
            report.errors.append("no GTS_PDFXVersion in the document information")
    if profile.pdf_variant == "pdf/ua-1" and "/StructTreeRoot" not in root:
        report.errors.append("the screen PDF is not tagged")
    report.errors += [f"font {name} is not embedded" for name in sorted(unembedded_fonts(reader))]
    if images and draws_images(reader):  # opening every page with pdfium is most of preflight's time
        report.warnings += low_resolution_images(path)
    if profile.caliper:  # a printed page: type and lines the press can hold (the screen PDF is not printed)
        _legibility(report, path, profile, memo)
    if inks in ("gray", "cmyk"):
        from .inkcheck import ink_problems, read_inks, rendered_ink

        limit = profile.total_ink
        report.errors += ink_problems(read_inks(path, memo), inks, profile.service, limit)
        if inks == "cmyk" and limit:  # what the printer's own check measures: ink on a CMYK render
            report.errors += [f"page {number}: {ink * 100:.0f} % total ink on the CMYK proof, over "
                              f"{profile.service}'s {limit * 100:.0f} %"
                              for number, ink in enumerate(rendered_ink(path), 1) if ink > limit + 0.005]
    return report


def _legibility(report: Preflight, path: Path, profile: Profile, memo=None) -> None:
    """Type under the service's smallest size and lines under its thinnest (:mod:`.legibility`),
    the worst of each page: an error on the page itself (text, notes, code, rules: what herpress
    sets, and print.css sets nothing under 7 pt), a warning inside a form, which is where WeasyPrint
    draws an SVG figure's aligned text and grouped drawings (the author's figure, which only its
    author can enlarge: the Rust book's Figure 17-1 prints at 6.2 pt; herpress's own charts are drawn
    to print at 7 pt and 0.25 pt or more, tests/test_charts.py). The tell is WeasyPrint's, not a
    promise: an SVG's left-aligned text is drawn on the page and counts as an error, and a page
    whose worst mark is in a form is only warned of."""
    from .legibility import found_problems, smallest_marks

    for context, message in found_problems(smallest_marks(path, memo), profile.min_type, profile.min_line, profile.service):
        (report.errors if context == "page" else report.warnings).append(message)


def _boxes(report: Preflight, number: int, page, expected: Expected) -> None:
    width, height = (v * INCH for v in expected.trim)
    trim = page.trimbox
    if abs(float(trim.width) - width) > TOLERANCE or abs(float(trim.height) - height) > TOLERANCE:
        report.errors.append(f"page {number}: TrimBox {float(trim.width):.1f} × {float(trim.height):.1f} pt, "
                             f"expected {width:.1f} × {height:.1f}")
    bleed = expected.bleed * INCH
    horizontal = {"all": 2, "outside": 1}.get(expected.bleed_sides, 0) * bleed
    vertical = 2 * bleed if expected.bleed_sides in ("all", "outside") else 0.0
    media = page.mediabox
    if abs(float(media.width) - width - horizontal) > TOLERANCE or abs(float(media.height) - height - vertical) > TOLERANCE:
        report.errors.append(f"page {number}: MediaBox {float(media.width):.1f} × {float(media.height):.1f} pt, "
                             f"expected {width + horizontal:.1f} × {height + vertical:.1f}")
    box = page.bleedbox
    if float(box.width) + TOLERANCE < float(trim.width) or float(box.width) > float(media.width) + TOLERANCE:
        report.errors.append(f"page {number}: BleedBox outside the MediaBox or inside the TrimBox")


def unembedded_fonts(reader) -> set[str]:
    missing: set[str] = set()
    for font in fonts_in(reader.pages):
        if font.get("/Subtype") == "/Type3":
            continue
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.add(str(font.get("/BaseFont")))
    return missing


def fonts_in(pages):
    """Every font dictionary the pages (and the forms they draw) use, once each."""
    seen: set[int] = set()
    for fonts, key in font_slots(pages):
        if id(font := fonts[key]) not in seen:  # pypdf resolves the reference
            seen.add(id(font))
            yield font


def font_slots(pages):
    """(font resource dictionary, key) of every font the pages and the forms they draw use, each
    resource dictionary once (a part's pages share one)."""
    seen: set[int] = set()

    def visit(resources):
        resources = resources.get_object() if resources is not None else {}
        fonts = resources.get("/Font")
        if fonts is not None and id(fonts := fonts.get_object()) not in seen:
            seen.add(id(fonts))
            for key in list(fonts):
                yield fonts, key
        for reference in (resources.get("/XObject") or {}).values():
            form = reference.get_object()
            if id(form) not in seen and form.get("/Subtype") == "/Form":
                seen.add(id(form))
                yield from visit(form.get("/Resources"))

    for page in pages:
        yield from visit(page.get("/Resources"))


def draws_images(reader) -> bool:
    """Whether any page draws a raster image, itself or through a form or pattern (WeasyPrint
    shares one resource dictionary between pages, so this is a question about the whole file)."""
    seen: set[int] = set()

    def draws_image(resources) -> bool:
        resources = resources.get_object() if resources is not None else {}
        used = [*(resources.get("/XObject") or {}).values(), *(resources.get("/Pattern") or {}).values()]
        for thing in (reference.get_object() for reference in used):
            if id(thing) in seen:
                continue
            seen.add(id(thing))
            if thing.get("/Subtype") == "/Image" or draws_image(thing.get("/Resources")):
                return True
        return False

    return any(draws_image(page.get("/Resources")) for page in reader.pages)


def low_resolution_images(path: Path) -> list[str]:
    """Raster images placed below 300 dpi (charts are SVG: vector, never flagged)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    found = []
    document = pdfium.PdfDocument(str(path))
    try:
        for number, page in enumerate(document, 1):
            for image in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
                left, bottom, right, top = image.get_bounds()
                pixels_wide, pixels_high = image.get_px_size()
                if right - left <= 0 or top - bottom <= 0:
                    continue
                dpi = min(pixels_wide / ((right - left) / INCH), pixels_high / ((top - bottom) / INCH))
                if dpi < MIN_DPI - 1:
                    found.append(f"page {number}: an image is placed at {dpi:.0f} dpi (printers want {MIN_DPI})")
    finally:
        document.close()
    return found
