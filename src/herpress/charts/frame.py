"""The room a chart is drawn for: its width, the tallest it may be, its type size.

The print edition sets a chart ``width: 100%`` of the text block and no taller than the text block
less a caption's room (``print.css``, ``page-geometry.css.j2``), keeping its aspect: the drawing is
scaled by min(text width / its width, that height / its height). Printers refuse type under 7 pt
(KDP) and lines under 0.25 pt (IngramSpark), so that scale must never fall below 1: a print chart
is drawn for the narrowest text block and the shortest image height that its trim has under any
print profile and at any page count (:func:`print_frame`) — the inside margin grows with the
page count — and the layout only ever enlarges it. One frame serves every profile: a book is
laid out under several from one reading (``--profile``, the screen PDF beside the printers').

The ebooks' images scale to the screen; they keep the one frame :data:`EBOOK`, whatever the trim.

Nothing here imports matplotlib, nor the layout engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from herpress.charts import _style as S


@dataclass(frozen=True)
class Frame:
    """Inches: the drawing's width, and the tallest it may be drawn; ``font``: its type size in pt
    (tick labels, values, legend, axis titles), never below :data:`~herpress.charts._style.MIN_FONT_PT`."""

    width: float
    height: float
    font: float = S.FONT_PT

    def tag(self) -> str:
        """The frame in a cache file's name: ``3.27x5.70in8``."""
        return f"{self.width:.2f}x{self.height:.2f}in{self.font:g}"


#: The ebooks' drawing (and the print one's when no trim is given): 4.5 in wide, bar charts up to
#: 7.5 in tall, type at 8.5 pt (an ebook's image is shown narrower than that on a phone).
EBOOK = Frame(S.WIDTH_IN, S.MAX_HEIGHT_IN, S.EBOOK_FONT_PT)


@lru_cache(maxsize=None)
def print_frame(trim: str) -> Frame:
    """The frame of the print charts of a book of ``trim`` (a key of :data:`herpress.config.TRIMS`):
    the narrowest text width and the shortest image height (:attr:`Geometry.image_height`) that any
    print profile gives that trim at any page count, each rounded down to the hundredth of an inch
    (the layout's scale is then 1 at the least, never 0.9999), and the print type size."""
    from types import SimpleNamespace

    from herpress.config import PrintSettings
    from herpress.pdf.interior import geometry
    from herpress.pdf.profiles import PROFILES

    book = SimpleNamespace(print_settings=PrintSettings(trim=trim))  # all geometry() reads of a book
    pages = {count for profile in PROFILES.values()
             for count in (profile.min_pages, profile.max_pages, *(limit for limit, _ in profile.gutters))}
    shapes = [geometry(book, profile, count) for profile in PROFILES.values() for count in sorted(pages)]
    width = min(shape.text_width for shape in shapes)
    height = min(shape.image_height for shape in shapes)
    return Frame(math.floor(width * 100 + 1e-6) / 100, math.floor(height * 100 + 1e-6) / 100, S.FONT_PT)
