"""The full-wrap cover on one PDF page: the paperback's bleed + back + spine + front + bleed,
or the hardcover's printed case, wrap + back + hinge + spine + hinge + front + wrap.

The spine width comes from the interior's real page count and the service's paper
caliper, or its hardcover table (:mod:`herpress.pdf.profiles`); spine text appears only when the
service allows it for that page count, kept ``spine_text_margin`` off each fold. A hardcover's
TrimBox is the case's outside (panels, hinges, spine) and its wrap is laid out as bleed all round;
the trim and the page count are checked against the service's hardcover first. With an ISBN
the back's barcode area holds its EAN-13 (and the price's EAN-5, :mod:`herpress.pdf.barcode`);
without one it is left clear for the service's. The design is ``styles/cover.css`` and
``styles/templates/cover/``; the geometry is rendered into ``cover/geometry.css.j2`` in inches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import profiles
from .. import styles
from ..config import TRIMS
from ..errors import BookError
from ..framestack import roomy
from ..model import Book
from .barcode import Barcode
from .profiles import Casewrap, Profile


@dataclass(frozen=True)
class CoverGeometry:
    trim_width: float  # one panel (back or front), inches
    trim_height: float
    spine: float
    bleed: float
    pages: int
    spine_text: bool  # the service allows text on a spine this thick
    spine_margin: float  # text kept this far from each fold
    barcode: tuple[float, float]
    binding: str = "paperback"
    hinge: float = 0.0  # a hardcover's, each side of the spine (its wrap is the bleed)

    @property
    def width(self) -> float:
        """The whole sheet, bleed (a hardcover's wrap) included."""
        return self.trim_box_width + 2 * self.bleed

    @property
    def height(self) -> float:
        return self.trim_height + 2 * self.bleed

    @property
    def trim_box_width(self) -> float:
        return 2 * self.trim_width + 2 * self.hinge + self.spine

    @property
    def spine_left(self) -> float:
        """From the back panel's outer edge to the spine's first fold."""
        return self.trim_width + self.hinge

    @property
    def front_left(self) -> float:
        return self.trim_width + 2 * self.hinge + self.spine

    @property
    def spine_text_size(self) -> float:
        """Points: the spine lettering fills at most 60 % of the space between the margins."""
        return round(min(14.0, (self.spine - 2 * self.spine_margin) * 72 * 0.6), 2)


def cover_geometry(trim: str, pages: int, profile: Profile, paper: str, binding: str = "paperback") -> CoverGeometry:
    if not profile.caliper:
        raise BookError(f"the {profile.name} profile is for a screen PDF and has no printed cover; "
                        "use --profile kdp, ingramspark or lulu")
    width, height = TRIMS[trim]
    spine = profile.spine_width(pages, paper)
    bleed, hinge = profile.cover_bleed, 0.0
    if binding == "hardcover":
        case = hardcover(trim, profile)
        if not case.min_pages <= pages <= case.max_pages:
            short = pages < case.min_pages
            raise BookError(f"the interior has {pages} pages: too {'few' if short else 'many'} for {case.service}, "
                            f"which binds {case.min_pages}–{case.max_pages}; "
                            f"{'add pages' if short else 'shorten the book'}, or make the paperback cover with "
                            "--binding paperback")
        spine = case.spine_width(pages, profile.caliper[paper])
        width, height = width + case.overhang, height + 2 * case.overhang
        bleed, hinge = case.wrap, case.hinge
    lettering = round(min(14.0, (spine - 2 * profile.spine_text_margin) * 72 * 0.6), 2)  # CoverGeometry.spine_text_size
    allowed = pages >= profile.spine_text_min_pages and lettering >= profile.min_type  # 7 pt at the least
    return CoverGeometry(trim_width=width, trim_height=height, spine=spine, bleed=bleed, pages=pages,
                         spine_text=allowed, spine_margin=profile.spine_text_margin, barcode=profile.barcode,
                         binding=binding, hinge=hinge)


def hardcover(trim: str, profile: Profile) -> Casewrap:
    """``profile``'s hardcover, when it is made in ``trim``; else a BookError saying what to do
    (before the interior is laid out to count its pages)."""
    if not profile.caliper:
        raise BookError(f"the {profile.name} profile is for a screen PDF and has no printed cover; "
                        "use --profile kdp, ingramspark or lulu")
    case = profiles.casewrap(profile)
    if trim not in case.trims:
        ours = [t for t in case.trims if t in TRIMS]
        raise BookError(f"{case.service} is not made in {trim}: its trims are {', '.join(case.trims)}; set "
                        f"[print] trim to {' or '.join(ours)} in book.toml, or make the paperback cover with "
                        "--binding paperback")
    return case


def barcode_of(book: Book) -> Barcode | None:
    """The back cover's barcode: the ISBN's EAN-13 (and the price's EAN-5), or None without an ISBN."""
    meta = book.metadata
    if not meta.isbn:
        return None
    try:
        return Barcode.of(meta.isbn, book.print_settings.price)
    except ValueError as why:  # book.toml's are checked when it is read; a converted book's here
        raise BookError(f"the ISBN '{meta.isbn}' or the price '{book.print_settings.price}' {why}",
                        book.config_file or None) from None


def cover_html(book: Book, geometry: CoverGeometry, barcode: Barcode | None = None) -> str:
    env = styles.templates_for(book)
    return env.get_template("cover/cover.html.j2").render(meta=book.metadata, g=geometry, barcode=barcode)


@roomy
def write_cover(book: Book, target: Path, pages: int) -> list[str]:
    """Lay out and write the cover; preflight it; return the preflight warnings."""
    from weasyprint import CSS, HTML

    from ..fetcher import BookFetcher
    from .preflight import Expected, preflight
    from .print_fonts import font_configuration, font_faces

    profile = profiles.get(book.print_settings.profile)
    settings = book.print_settings
    geometry = cover_geometry(settings.trim, pages, profile, settings.paper, settings.binding)
    barcode = barcode_of(book)
    font_config = font_configuration(book)  # the theme's faces only, as in the interior
    color_profiles: dict = {}  # filled by print-cmyk.css's @color-profile
    fetcher = BookFetcher(book)
    env = styles.templates_for(book)
    sheets = [font_faces(book, font_config),
              CSS(filename=str(styles.find(book.style_dirs, "cover.css")), font_config=font_config, url_fetcher=fetcher),
              CSS(string=env.get_template("cover/geometry.css.j2").render(g=geometry, barcode=barcode),
                  font_config=font_config)]
    if profile.cmyk:
        sheets.insert(2, CSS(filename=str(styles.find(book.style_dirs, "print-cmyk.css")), font_config=font_config,
                             url_fetcher=fetcher, color_profiles=color_profiles))
    html = HTML(string=cover_html(book, geometry, barcode), base_url=str(book.base) + "/", url_fetcher=fetcher)
    document = html.render(stylesheets=sheets, font_config=font_config, color_profiles=color_profiles)
    for page in document.pages:
        page.links, page.bookmarks = [], []
    from .interior import pdf_date, pdf_options

    stamp = pdf_date()
    if stamp:
        document.metadata.created = document.metadata.modified = stamp
    document.write_pdf(target, **pdf_options(profile))
    from .inks import convert
    from .profiles import cover_inks

    convert(target, book, profile, cover_inks(profile))  # the printers' covers in CMYK, capped at their ink limit
    checked = preflight(target, profile, Expected((geometry.trim_box_width, geometry.trim_height), geometry.bleed, "all"),
                        interior=False, inks=cover_inks(profile))
    if checked.errors:
        raise BookError("the cover fails preflight: " + "; ".join(checked.errors))
    warnings = checked.warnings
    if settings.price and barcode is None:
        warnings.append(f"[print] price {settings.price} is not printed: the price add-on goes with the ISBN's "
                        "barcode, and the book has no [book] isbn")
    service = profiles.casewrap(profile).service if geometry.binding == "hardcover" else profile.service
    if not geometry.spine_text and pages < profile.spine_text_min_pages:
        warnings.append(f"no spine text: {service} allows it from {profile.spine_text_min_pages} pages "
                        f"(this book has {pages})")
    elif not geometry.spine_text:
        warnings.append(f"no spine text: a {geometry.spine:.3f} in spine, kept {profile.spine_text_margin} in off each "
                        f"fold, leaves no room for {profile.min_type:g} pt type, {service}'s smallest")
    return warnings
