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
    min_type: float = 7.0  # points: the smallest type the service prints cleanly (KDP's paperback figure)
    min_line: float = 0.25  # points: the thinnest line it holds (IngramSpark's figure; a hairline never)
    total_ink: float | None = None  # the most ink its press lays down, a fraction (2.40: 240 %); None: none published
    cover_cmyk: bool = False  # its cover is printed from CMYK (converted by herpress.pdf.inks)

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
        cover_cmyk=True,
    ),
    "ingramspark": Profile(
        # Gutter: IngramSpark publishes no table; KDP's is used. Caliper: approximate (their cover
        # template generator is authoritative). Spine text from 48 pages: approximate.
        name="ingramspark", service="IngramSpark", bleed=0.125, bleed_sides="all", bleed_always=False,
        safety=0.5, gutters=KDP_GUTTERS, gutter_allowance=0.3, min_pages=18, max_pages=1200,
        annotations=False, bookmarks=False, pdf_variant="pdf/x-1a", cmyk=True,
        caliper={"white": 0.002252, "cream": 0.0025}, spine_extra=0.0,
        spine_text_min_pages=48, spine_text_margin=0.0625, cover_bleed=0.125, barcode=(2.0, 1.2),
        total_ink=2.40, cover_cmyk=True,  # Lightning Source: "less than 240%"
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


@dataclass(frozen=True)
class Casewrap:
    """A service's printed hardcover (KDP's "case laminate", IngramSpark's and Lulu's "casewrap"):
    one sheet glued round the boards. Laid flat, left to right: wrap | back | hinge | spine | hinge |
    front | wrap, and the wrap above and below too; so the sheet is
    ``2 × wrap + 2 × panel + 2 × hinge + spine`` wide and ``2 × wrap + panel height`` tall, a panel
    being the trim plus the boards' ``overhang`` (fore-edge once, head and foot). Inches."""

    service: str
    trims: tuple[str, ...]  # every trim the service binds so (herpress lays out those of config.TRIMS)
    min_pages: int
    max_pages: int
    wrap: float  # printed past each outer edge of the case, turned in over the boards
    hinge: float  # each side of the spine, where the case bends: added to the width, kept free of text
    overhang: float  # the boards stand this far past the pages: a panel is the trim + this (×2 in height)
    spine_extra: float = 0.0  # spine = pages × the paper's caliper + spine_extra ...
    spine_bands: tuple[tuple[int, float], ...] = ()  # ... or the service's table: (up to this many pages, width)

    def spine_width(self, pages: int, caliper: float) -> float:
        for limit, inches in self.spine_bands:
            if pages <= limit:
                return inches
        return self.spine_bands[-1][1] if self.spine_bands else pages * caliper + self.spine_extra


# Lulu's casewrap spine table, in inches, the same for every paper: its "Spine Width Calculator" PDF
# says hardcovers take their spine from a page-count table from 24 pages; the widths are as public
# cover scripts copy that table (the PDF itself was not at hand): approximate until checked against it.
LULU_CASEWRAP_SPINE = ((84, 0.25), (140, 0.5), (168, 0.625), (194, 0.688), (222, 0.75), (250, 0.813), (278, 0.875),
                       (306, 0.938), (334, 1.0), (360, 1.063), (388, 1.125), (416, 1.188), (444, 1.25), (472, 1.313),
                       (500, 1.375), (528, 1.438), (556, 1.5), (582, 1.563), (610, 1.625), (638, 1.688), (666, 1.75),
                       (694, 1.813), (722, 1.875), (750, 1.938), (778, 2.0), (799, 2.063), (800, 2.125))

CASEWRAPS = {
    "kdp": Casewrap(
        # 75–550 pages (KDP's hardcover help; the reference notes §5), boards 2 mm thick ("Hardcover Print
        # Elements"), the five hardcover trims as KDP lists them (5x8 is not one); the sheet's parts
        # ("Create a Hardcover Cover"). Wrap 15 mm (0.591 in) and hinge 10 mm (0.394 in): approximate —
        # KDP gives them in its cover template generator, which is authoritative; the guides that copy
        # them agree on the wrap, not on the hinge (0.2–0.4 in). Spine: the paperback's caliper × pages
        # plus the two 2 mm boards the case's spine spans (0.157 in): approximate (KDP's calculator).
        service="Amazon KDP hardcover (case laminate)",
        trims=("5.5x8.5", "6x9", "6.14x9.21", "7x10", "8.25x11"), min_pages=75, max_pages=550,
        wrap=0.591, hinge=0.394, overhang=0.0, spine_extra=0.157,
    ),
    "ingramspark": Casewrap(
        # 18 pages minimum whatever the binding (IngramSpark's FAQ), 1,200 at most in black and white.
        # Trims: approximate (all three of herpress's are in its hardcover matrix). Wrap 0.75 in, hinge
        # 10 mm and the spine: approximate — IngramSpark publishes its casewrap geometry only through
        # its cover template generator (spine by page-count bands); caliper × pages + two 2 mm boards
        # stands in for the bands here.
        service="IngramSpark hardcover (casewrap)",
        trims=("5x8", "5.5x8.5", "6x9", "6.14x9.21", "7x10", "8.5x11"), min_pages=18, max_pages=1200,
        wrap=0.75, hinge=0.394, overhang=0.0, spine_extra=0.157,
    ),
    "lulu": Casewrap(
        # Lulu's "Creating Your Hardcover Casewrap Cover": printed 0.75 in past the cover on every side;
        # boards 0.125 in past the pages (its 6x9 casewrap panel is 6.125 × 9.25 in); no hinge in its
        # width formula ("turn-in bleed + back + spine + front + turn-in bleed"); spine from its table;
        # hardcovers from 24 pages, the table to 800. Trims: Digest, US Trade, Royal, Executive, US
        # Letter; 5x8 (Novella) is left out until Lulu's casewrap list is checked for it (approximate).
        service="Lulu hardcover (casewrap)",
        trims=("5.5x8.5", "6x9", "6.14x9.21", "7x10", "8.5x11"), min_pages=24, max_pages=800,
        wrap=0.75, hinge=0.0, overhang=0.125, spine_bands=LULU_CASEWRAP_SPINE,
    ),
}


def casewrap(profile: Profile) -> Casewrap:
    """The hardcover of ``profile``'s service; a BookError naming the profiles that have one."""
    if profile.name not in CASEWRAPS:
        raise BookError(f"the {profile.name} profile has no hardcover ({', '.join(CASEWRAPS)} have one): use "
                        f"--profile {next(iter(CASEWRAPS))}, or make the paperback cover with --binding paperback")
    return CASEWRAPS[profile.name]


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


def cover_inks(profile: Profile) -> str:
    """The colour space of the profile's cover: CMYK for KDP and IngramSpark (their presses print
    the cover in four inks, and ask for CMYK files), RGB for Lulu, which converts it itself."""
    return "cmyk" if profile.cover_cmyk else "rgb"


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(PROFILES), n=1)
        hint = f"did you mean --profile {close[0]}?" if close else "use one of them"
        raise BookError(f"unknown print profile '{name}' (one of {', '.join(PROFILES)}): {hint}") from None
