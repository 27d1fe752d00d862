"""The full-wrap paperback cover: bleed + back + spine + front + bleed, on one PDF page.

The spine width comes from the interior's real page count and the service's paper
caliper (:mod:`herpress.pdf.profiles`); spine text appears only when the service allows it
for that page count, kept ``spine_text_margin`` off each fold. The design is
``styles/cover.css`` and ``styles/templates/cover/``; the geometry is rendered into
``cover/geometry.css.j2`` in inches.
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
from .profiles import Profile


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

    @property
    def width(self) -> float:
        """The whole sheet, bleed included."""
        return 2 * self.trim_width + self.spine + 2 * self.bleed

    @property
    def height(self) -> float:
        return self.trim_height + 2 * self.bleed

    @property
    def trim_box_width(self) -> float:
        return 2 * self.trim_width + self.spine

    @property
    def spine_text_size(self) -> float:
        """Points: the spine lettering fills at most 60 % of the space between the margins."""
        return round(min(14.0, (self.spine - 2 * self.spine_margin) * 72 * 0.6), 2)


def cover_geometry(trim: str, pages: int, profile: Profile, paper: str) -> CoverGeometry:
    if not profile.caliper:
        raise BookError(f"the {profile.name} profile is for a screen PDF and has no printed cover; "
                        "use --profile kdp, ingramspark or lulu")
    width, height = TRIMS[trim]
    spine = profile.spine_width(pages, paper)
    allowed = pages >= profile.spine_text_min_pages and spine > 2 * profile.spine_text_margin
    return CoverGeometry(trim_width=width, trim_height=height, spine=spine, bleed=profile.cover_bleed, pages=pages,
                         spine_text=allowed, spine_margin=profile.spine_text_margin, barcode=profile.barcode)


def cover_html(book: Book, geometry: CoverGeometry) -> str:
    env = styles.templates_for(book)
    return env.get_template("cover/cover.html.j2").render(meta=book.metadata, g=geometry)


@roomy
def write_cover(book: Book, target: Path, pages: int) -> list[str]:
    """Lay out and write the cover; preflight it; return the preflight warnings."""
    from weasyprint import CSS, HTML

    from ..fetcher import BookFetcher
    from .preflight import Expected, preflight
    from .print_fonts import font_configuration, font_faces

    profile = profiles.get(book.print_settings.profile)
    geometry = cover_geometry(book.print_settings.trim, pages, profile, book.print_settings.paper)
    font_config = font_configuration(book)  # the theme's faces only, as in the interior
    color_profiles: dict = {}  # filled by print-cmyk.css's @color-profile
    fetcher = BookFetcher(book)
    env = styles.templates_for(book)
    sheets = [font_faces(book, font_config),
              CSS(filename=str(styles.find(book.style_dirs, "cover.css")), font_config=font_config, url_fetcher=fetcher),
              CSS(string=env.get_template("cover/geometry.css.j2").render(g=geometry), font_config=font_config)]
    if profile.cmyk:
        sheets.insert(2, CSS(filename=str(styles.find(book.style_dirs, "print-cmyk.css")), font_config=font_config,
                             url_fetcher=fetcher, color_profiles=color_profiles))
    html = HTML(string=cover_html(book, geometry), base_url=str(book.base) + "/", url_fetcher=fetcher)
    document = html.render(stylesheets=sheets, font_config=font_config, color_profiles=color_profiles)
    for page in document.pages:
        page.links, page.bookmarks = [], []
    from .interior import pdf_date, pdf_options

    stamp = pdf_date()
    if stamp:
        document.metadata.created = document.metadata.modified = stamp
    document.write_pdf(target, **pdf_options(profile))
    checked = preflight(target, profile, Expected((geometry.trim_box_width, geometry.trim_height), geometry.bleed, "all"),
                        interior=False)
    if checked.errors:
        raise BookError("the cover fails preflight: " + "; ".join(checked.errors))
    warnings = checked.warnings
    if not geometry.spine_text and pages < profile.spine_text_min_pages:
        warnings.append(f"no spine text: {profile.service} allows it from {profile.spine_text_min_pages} pages "
                        f"(this book has {pages})")
    elif not geometry.spine_text:
        warnings.append(f"no spine text: a {geometry.spine:.3f} in spine leaves no room {profile.spine_text_margin} in "
                        "off each fold")
    return warnings
