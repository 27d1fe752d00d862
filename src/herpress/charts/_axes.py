"""Axes shared by the bar, column, line and stacked-bar charts: value axis,
number formats, category names, font sizes for dense data.

Imported only when a chart is really drawn (it imports matplotlib).
"""

from __future__ import annotations

import math

from matplotlib import ticker

from herpress.charts import _style as S


class Numbers(ticker.Formatter):
    """Tick labels as plain numbers: 1, 10, 1,000 (never 10^3), symbol units kept."""

    def __init__(self, unit: str, log: bool) -> None:
        self.unit = unit if unit and not unit[0].isalpha() else ""
        self.log = log

    def _one(self, value: float, places: int) -> str:
        return S.with_unit(S.number(value, places), self.unit)

    def __call__(self, x, pos=None) -> str:
        return self._one(x, self._places([x]))

    def _places(self, values) -> int:
        if self.log:
            small = min((v for v in values if v > 0), default=1.0)
            return max(0, -math.floor(math.log10(small) + 1e-9))
        return S.decimals(values)

    def format_ticks(self, values):
        if self.log:   # each decade as written: 0.1, 1, 10, 1,000
            return [self(v) for v in values]
        places = self._places(values)
        return [self._one(v, places) for v in values]


def value_axis(ax, which: str, spec) -> None:
    """Light grid, no spine and no tick marks on the axis carrying the values."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    if spec.log_scale:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        axis.set_minor_formatter(ticker.NullFormatter())
    else:
        axis.set_major_locator(ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(Numbers(spec.unit, spec.log_scale))
    axis.grid(True, which="major")
    ax.set_axisbelow(True)
    if not any(v for _, values in spec.series for v in values):   # all zero
        (ax.set_xlim if which == "x" else ax.set_ylim)(0, 1)
    ax.spines["bottom" if which == "x" else "left"].set_visible(False)
    ax.tick_params(axis=which, which="both", length=0)


def log_base(values) -> float:
    """Where log-scale bars start: half the decade at or below the smallest value,
    so that even the shortest bar shows, and the first labelled tick is a decade."""
    return 10.0 ** math.floor(math.log10(min(values)) + 1e-9) / 2


def labels(spec, values):
    places = S.decimals([v for _, vals in spec.series for v in vals])
    return [S.with_unit(S.number(v, places), spec.unit) for v in values]


def axis_titles(ax, spec, *, horizontal: bool) -> None:
    category, value = S.wrap(spec.x_label, 60), S.wrap(spec.y_label, 60)
    ax.set_xlabel(value if horizontal else category)
    ax.set_ylabel(category if horizontal else value)


def categories(spec, width: int) -> list[str]:
    return [S.wrap(c, width) for c in spec.categories]


def row_font(fig, n: int, font: float, lines: int = 1) -> float:
    """Font size that fits ``n`` rows of ``lines`` lines in the figure height (dense bar charts)."""
    return fitting_font(fig.get_figheight() * 0.8, n * max(lines, 1), font)


def fitting_font(inches: float, n: int, font: float) -> float:
    """Font size whose line height fits ``n`` times into ``inches``: ``font`` at most, and never
    under :data:`~herpress.charts._style.MIN_FONT_PT` (crowded labels are thinned out instead)."""
    pitch_pt = inches * 72 / max(n, 1)
    return max(S.MIN_FONT_PT, min(font, pitch_pt * 0.72))


def wrap_width(inches: float, font: float, n: int = 1) -> int:
    """About how many characters of ``font`` fill ``inches`` shared by ``n`` labels (a character
    is some 0.47 em wide on average): where to break category names."""
    return int(inches * 72 / (0.47 * font)) // max(n, 1)
