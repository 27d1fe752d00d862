"""Print profiles: what each print-on-demand service (or the screen) asks of a PDF.

One typed table, read by the PDF writer (geometry, PDF options), the cover writer
(spine width) and preflight (what to check). Sources: the services' published
specifications, summarised in the project's reference notes (§5). Values marked
"approximate" are not published by the service in this form; check the service's
own cover calculator before a print run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BookError

INCH = 72.0  # PDF points per inch

# KDP's page-count table for the inside margin (gutter), in inches.
KDP_GUTTERS = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))


@dataclass(frozen=True)
class Profile:
    name: str
    service: str
    bleed: float  # inches of bleed when the interior bleeds
    bleed_sides: str  # "none", "outside" (top, bottom, outside edge) or "all"
    bleed_always: bool  # False: the interior bleeds only when the book has full-bleed art
    safety: float  # minimum distance from trim to type, inches
    gutters: tuple[tuple[int, float], ...]  # (up to this many pages, minimum inside margin)
    gutter_allowance: float  # design room added to the service's minimum gutter
    min_pages: int
    max_pages: int
    annotations: bool  # link annotations allowed
    bookmarks: bool  # PDF outlines allowed
    pdf_variant: str | None  # WeasyPrint pdf_variant
    cmyk: bool  # text in device-cmyk black, CMYK output intent
    caliper: dict[str, float]  # paper -> inches per page (spine width = pages x caliper + spine_extra)
    spine_extra: float
    spine_text_min_pages: int  # spine text only from this many pages
    spine_text_margin: float  # spine text kept this far from each fold
    cover_bleed: float
    barcode: tuple[float, float]  # width, height of the clear area on the back cover

    def gutter(self, pages: int) -> float:
        """The service's minimum inside margin for a book of ``pages`` pages."""
        for limit, inches in self.gutters:
            if pages <= limit:
                return inches
        return self.gutters[-1][1]

    def inside_margin(self, pages: int, outside: float) -> float:
        return max(self.gutter(pages) + self.gutter_allowance, outside)

    def bleeds(self, full_bleed_art: bool) -> bool:
        return self.bleed_sides != "none" and (self.bleed_always or full_bleed_art)

    def spine_width(self, pages: int, paper: str) -> float:
        if paper not in self.caliper:
            choices = ", ".join(self.caliper) or "none"
            raise BookError(f"the {self.name} profile has no '{paper}' paper (one of: {choices})")
        return pages * self.caliper[paper] + self.spine_extra


PROFILES = {
    "kdp": Profile(
        name="kdp", service="Amazon KDP paperback", bleed=0.125, bleed_sides="outside", bleed_always=False,
        safety=0.25, gutters=KDP_GUTTERS, gutter_allowance=0.3, min_pages=24, max_pages=828,
        annotations=False, bookmarks=False, pdf_variant=None, cmyk=False,
        caliper={"white": 0.002252, "cream": 0.0025}, spine_extra=0.0,
        spine_text_min_pages=79, spine_text_margin=0.0625, cover_bleed=0.125, barcode=(2.0, 1.2),
    ),
    "ingramspark": Profile(
        # Gutter: IngramSpark publishes no table; KDP's is used. Caliper: approximate (their cover
        # template generator is authoritative). Spine text from 48 pages: approximate.
        name="ingramspark", service="IngramSpark", bleed=0.125, bleed_sides="all", bleed_always=False,
        safety=0.5, gutters=KDP_GUTTERS, gutter_allowance=0.3, min_pages=18, max_pages=1200,
        annotations=False, bookmarks=False, pdf_variant="pdf/x-1a", cmyk=True,
        caliper={"white": 0.002252, "cream": 0.0025}, spine_extra=0.0,
        spine_text_min_pages=48, spine_text_margin=0.0625, cover_bleed=0.125, barcode=(2.0, 1.2),
    ),
    "lulu": Profile(
        # Spine text from 80 pages: approximate (Lulu's guidance).
        name="lulu", service="Lulu paperback", bleed=0.125, bleed_sides="all", bleed_always=True,
        safety=0.5, gutters=((800, 0.25),), gutter_allowance=0.5, min_pages=32, max_pages=800,
        annotations=False, bookmarks=False, pdf_variant=None, cmyk=False,
        caliper={"white": 1 / 444, "cream": 1 / 444}, spine_extra=0.06,
        spine_text_min_pages=80, spine_text_margin=0.0625, cover_bleed=0.125, barcode=(2.0, 1.2),
    ),
    "screen": Profile(
        name="screen", service="a PDF to read on screen", bleed=0.0, bleed_sides="none", bleed_always=False,
        safety=0.0, gutters=((10**9, 0.0),), gutter_allowance=0.0, min_pages=1, max_pages=10**9,
        annotations=True, bookmarks=True, pdf_variant="pdf/ua-1", cmyk=False,
        caliper={}, spine_extra=0.0, spine_text_min_pages=10**9, spine_text_margin=0.0, cover_bleed=0.0,
        barcode=(0.0, 0.0),
    ),
}


def inks(profile: Profile, interior: str) -> str:
    """The colour space every colour of the interior ends in: ``"gray"`` for a black-and-white
    interior (``[print] interior = "bw"``), ``"cmyk"`` for a colour one where the service wants
    CMYK (IngramSpark's PDF/X), else ``"rgb"`` (a screen PDF; KDP and Lulu colour interiors, which
    the services convert themselves). :mod:`herpress.pdf.inks` converts and checks."""
    if not profile.caliper:  # the screen profile: no printed page
        return "rgb"
    if interior == "bw":
        return "gray"
    return "cmyk" if profile.cmyk else "rgb"


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(PROFILES), n=1)
        hint = f"did you mean --profile {close[0]}?" if close else "use one of them"
        raise BookError(f"unknown print profile '{name}' (one of {', '.join(PROFILES)}): {hint}") from None
