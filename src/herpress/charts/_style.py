"""The look of herpress charts: colours, hatches, sizes and number formats.

Nothing here imports matplotlib; the drawing code takes these values.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH_IN = 4.5          # the ebooks' drawing (herpress.charts.frame.EBOOK): width,
HEIGHT_IN = 2.8         # height of a chart that is not a bar chart (one as wide as the frame),
MAX_HEIGHT_IN = 7.5     # the tallest bar chart, and
EBOOK_FONT_PT = 8.5     # type size
#: Print type (herpress.charts.frame.print_frame), drawn where the layout only ever enlarges it: the
#: size of the labels, and the least any text is set at (dense rows and columns). Printers refuse
#: type under 7 pt (KDP).
FONT_PT = 8.0
MIN_FONT_PT = 7.0
#: Every line a chart draws is at least this thick (grid 0.5, minor ticks 0.4, hatching 0.6 pt),
#: above IngramSpark's 0.25 pt at the layout's scale of 1 or more.
MIN_LINE_PT = 0.4
INK = "#222222"         # text
RULE = "#666666"        # axes, ticks
GRID = "#d9d9d9"
SVG_SALT = "herpress"

#: Single-series bars and lines: one dark colour that prints as a mid-dark grey.
MAIN = "#0072B2"
#: Okabe–Ito colours (safe for colour-blind readers), ordered so neighbours
#: differ in lightness; CIE L* in the comments. ``#3c3c3c`` stands in for black.
PALETTE = (
    "#0072B2",  # blue        46
    "#E69F00",  # orange      71
    "#3c3c3c",  # near black  25
    "#56B4E9",  # sky blue    70
    "#D55E00",  # vermillion  54
    "#F0E442",  # yellow      89
    "#009E73",  # green       58
    "#CC79A7",  # purple      61
)
#: A black-and-white interior ([print] interior = "bw") prints hues as greys of their L*: sky
#: blue and orange above both as L* 70, green and purple as 58 and 61. There series differ by tone,
#: in neutral greys (r = g = b), and by hatch, marker, dash or label too. One series: the grey the
#: colour MAIN prints as (L* 46).
GRAY_MAIN = "#6d6d6d"
#: Fills (stacked bars, slices), dark and light in turns: the first six at least 13.4 L* apart
#: pairwise (22.2, 89.9, 49.2, 35.7, 62.8, 76.2), the last two halve gaps (28.9, 83.1: 6.7 from
#: the nearest; their hatches differ). L* 50–60 is left out: text_on sets white there, under
#: 4.5:1 (3.2 at L* 60), and INK would reach 4.5:1 only from L* 57. On these tones its white
#: reads at 4.6:1 or more, its INK at 5.5:1 or more. The ends stay printable: #353535 is some
#: 79 % ink, #e2e2e2 some 11 %.
GRAY_PALETTE = ("#353535", "#e2e2e2", "#757575", "#545454", "#989898", "#bcbcbc", "#444444", "#cfcfcf")
#: Lines: their value labels are set in the line's tone on white, so only tones of L* 50 or less
#: (4.5:1 on white); the first five at least 12.1 L* apart (0, 49.4, 24.9, 12.7, 37.4), then 6.3,
#: 18.9, 43.6 (5.9 from the nearest). Dashes and markers do most of the telling apart.
GRAY_LINES = ("#000000", "#767676", "#3b3b3b", "#212121", "#585858", "#141414", "#2e2e2e", "#676767")


@dataclass(frozen=True)
class Inks:
    """The colours a chart is drawn in: ``main`` for a single series, ``palette`` for the series
    of stacked bars and the slices of pies, ``lines`` for the series of line charts."""

    main: str
    palette: tuple[str, ...]
    lines: tuple[str, ...]

    def fill(self, series: int) -> str:
        return self.palette[series % len(self.palette)]

    def line(self, series: int) -> str:
        return self.lines[series % len(self.lines)]


COLOUR = Inks(MAIN, PALETTE, PALETTE)
GRAY = Inks(GRAY_MAIN, GRAY_PALETTE, GRAY_LINES)
TONES = {"color": COLOUR, "gray": GRAY}   # draw_chart's print_tones

#: Hatches so segments also differ in black-and-white print.
HATCHES = (None, "////", "...", "\\\\\\\\", "xxx", "---", "ooo", "+++")
#: Lines: markers and dashes for the same reason.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DASHES = ("-", "--", "-.", ":", "-", "--", "-.", ":")


def lightness(colour: str) -> float:
    """CIE L* (0 black … 100 white) of a ``#rrggbb`` colour."""
    def linear(v: int) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    y = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def text_on(colour: str) -> str:
    """Text colour that reads well on a fill of ``colour``."""
    return "white" if lightness(colour) < 60 else INK


def hatch_on(colour: str) -> str:
    return "#ffffff" if lightness(colour) < 50 else "#333333"


def rc(families: str | Sequence[str], font: float = FONT_PT) -> dict:
    """matplotlib settings for one drawing, used inside ``rc_context``.

    ``families``: the theme's chart faces, then its fallback faces, all registered. They are all
    the SVG names (``font-family``), so the print edition draws chart text in them only; no generic
    family is named (it would reach for a face of the machine)."""
    families = [families] if isinstance(families, str) else list(families)
    return {
        "font.family": families,
        "font.sans-serif": families[:1],
        "font.size": font,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": RULE,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.labelsize": font,
        "axes.labelpad": 4,
        "xtick.color": RULE,
        "ytick.color": RULE,
        "xtick.labelcolor": INK,
        "ytick.labelcolor": INK,
        "xtick.labelsize": font,
        "ytick.labelsize": font,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 3,
        "ytick.major.size": 3,
        "xtick.minor.size": 1.5,
        "xtick.minor.width": 0.4,
        "ytick.minor.size": 1.5,
        "ytick.minor.width": 0.4,
        "grid.color": GRID,
        "grid.linewidth": 0.5,
        "hatch.linewidth": 0.6,
        "legend.fontsize": font,
        "legend.frameon": False,
        "lines.linewidth": 1.5,
        "lines.markersize": 4,
        "svg.fonttype": "none",  # print: labels as text, set in the book's face by the layout's fonts
        "svg.hashsalt": SVG_SALT,
        "svg.id": None,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "axes.formatter.use_mathtext": False,
    }


def decimals(values: Sequence[float]) -> int:
    """Fewest decimals (at most 2) that show every value as written.

    Values below 0.01 do not count: :func:`number` gives them their own digits.
    """
    values = [v for v in values if abs(v) >= 0.01]
    for places in range(3):
        if all(abs(round(v, places) - v) < 1e-9 * max(1.0, abs(v)) for v in values):
            return places
    return 2


def number(value: float, places: int) -> str:
    """1234.5 → '1,234.5'; a real minus sign for negatives; 0.003 stays '0.003'."""
    size = abs(value)
    text = f"{size:,.{places}f}"
    if size and not float(text.replace(",", "")):   # would show as 0: two significant digits
        text = f"{size:.{1 - math.floor(math.log10(size))}f}".rstrip("0").rstrip(".")
    return ("\u2212" + text) if value < 0 and float(text.replace(",", "")) else text


def with_unit(text: str, unit: str) -> str:
    """'41' + '%' → '41%'; '3' + 'km' → '3 km' (units that start with a letter get a space)."""
    if not unit:
        return text
    return f"{text}\u2009{unit}" if unit[0].isalpha() else f"{text}{unit}"


def plain(text: str) -> str:
    """Author text shown literally: no mathtext between dollar signs."""
    return text.replace("$", r"\$")


def wrap(text: str, width: int) -> str:
    """Break a long category name over lines of about ``width`` characters."""
    lines = textwrap.wrap(text, width=max(width, 6), break_long_words=True,
                          break_on_hyphens=True)
    return plain("\n".join(lines) or text)
