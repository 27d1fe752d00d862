"""The EPUB cover: the author's image (``[book] cover = "cover.jpg"`` in book.toml), or a
typographic cover drawn from the metadata in the book's own faces.

The drawn cover is a PNG (an image every reading system and store accepts as a cover),
made with matplotlib's Agg canvas without date or software metadata, so the same
metadata gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from .. import styles
from ..model import Book

WIDTH, HEIGHT, DPI = 1600, 2400, 200  # 2:3, the ratio stores ask for


@dataclass(frozen=True)
class Cover:
    name: str  # file name inside the EPUB
    media_type: str
    data: bytes
    alt: str


def cover(book: Book, drawn: bytes | None = None) -> Cover:
    """The author's image, else the typographic cover (``drawn``: one already drawn and cached)."""
    meta = book.metadata
    alt = f"Cover: {meta.title}" + (f": {meta.subtitle}" if meta.subtitle else "") + f", by {meta.creator}"
    if book.cover is not None:  # read and checked by the reader
        suffix = ".jpg" if book.cover.media_type == "image/jpeg" else ".png"
        return Cover(f"images/cover{suffix}", book.cover.media_type, book.cover.data, alt)
    return Cover("images/cover.png", "image/png", drawn or typographic(book), alt)


def typographic(book: Book) -> bytes:
    """Title, subtitle and author set in the book's text faces on a plain ground."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    faces = styles.fonts(book.style_dirs, "text")
    regular = FontProperties(fname=str(faces[0])) if faces else FontProperties(family="serif")
    italic = FontProperties(fname=str(faces[1])) if len(faces) > 1 else regular
    meta = book.metadata
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="#f4efe6")
    FigureCanvasAgg(figure)
    ink, accent = "#1d1d1b", "#9c3b2e"
    figure.add_artist(_rule(figure, 0.70, accent))
    figure.text(0.5, 0.62, textwrap.fill(meta.title, 18), ha="center", va="top", fontproperties=regular,
                fontsize=34, color=ink, linespacing=1.15)
    if meta.subtitle:
        figure.text(0.5, 0.40, textwrap.fill(meta.subtitle, 30), ha="center", va="top", fontproperties=italic,
                    fontsize=16, color=ink, linespacing=1.3)
    figure.add_artist(_rule(figure, 0.20, accent))
    figure.text(0.5, 0.14, meta.creator.upper(), ha="center", va="center", fontproperties=regular,
                fontsize=14, color=ink)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _rule(figure, y: float, colour: str):
    from matplotlib.lines import Line2D

    return Line2D([0.3, 0.7], [y, y], transform=figure.transFigure, color=colour, linewidth=1.5)
