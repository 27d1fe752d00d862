"""One drawing function per chart type, each filling a matplotlib ``Figure``.

Imported only when a chart is really drawn (it imports matplotlib).
"""

from __future__ import annotations

from herpress.charts import _axes as A
from herpress.charts import _style as S
from herpress.charts._fit import drop_colliding, fit_inside, overlapping, thin_ticks
from herpress.charts._pie import draw_pie

DENSE_LINE = 12   # more points than this: label only ends and extremes


def figure_size(spec) -> tuple[float, float]:
    """Inches: page text width; bar charts grow with their number of bars."""
    if spec.type in ("bar", "stacked-bar"):
        legend = 0.3 if len(spec.series) > 1 else 0.0
        return S.WIDTH_IN, min(max(0.7 + 0.3 * len(spec.categories) + legend, 1.5), 7.5)
    return S.WIDTH_IN, S.HEIGHT_IN


def draw(fig, spec, inks: S.Inks) -> None:
    """Draw ``spec`` into ``fig`` in ``inks`` (:data:`herpress.charts._style.TONES`)."""
    if spec.type in ("pie", "donut"):
        draw_pie(fig, spec, inks)
        return
    fig.set_layout_engine("constrained", w_pad=0.04, h_pad=0.04)
    ax = fig.add_subplot()
    {"bar": _bar, "column": _column, "line": _line, "stacked-bar": _stacked}[spec.type](
        fig, ax, spec, inks)


def _bar(fig, ax, spec, inks) -> None:
    values = spec.series[0][1]
    rows = range(len(values))
    base = A.log_base(values) if spec.log_scale else 0.0
    A.value_axis(ax, "x", spec)
    ax.barh(rows, [v - base for v in values], left=base, height=0.62, color=inks.main)
    size = A.row_font(fig, len(values))
    ax.set_yticks(rows, A.categories(spec, 26), fontsize=size)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.set_ylim(len(values) - 0.45, -0.55)   # first category on top
    ax.spines["left"].set_visible(False)
    ax.axvline(base, color=S.RULE, linewidth=0.8)
    if spec.log_scale:
        ax.set_xlim(left=base)
    texts = [ax.annotate(text, (v, i), xytext=(3 if v >= 0 else -3, 0),
                         textcoords="offset points", va="center", fontsize=size,
                         ha="left" if v >= 0 else "right", annotation_clip=False)
             for i, (v, text) in enumerate(zip(values, A.labels(spec, values)))]
    A.axis_titles(ax, spec, horizontal=True)
    fit_inside(fig, ax, texts, axes="x")
    thin_ticks(fig, ax.yaxis)
    drop_colliding(fig, texts)


def _column(fig, ax, spec, inks) -> None:
    values = spec.series[0][1]
    cols = range(len(values))
    base = A.log_base(values) if spec.log_scale else 0.0
    A.value_axis(ax, "y", spec)
    ax.bar(cols, [v - base for v in values], bottom=base, width=0.62, color=inks.main)
    ax.set_xticks(cols, A.categories(spec, max(8, 72 // len(values))))
    ax.tick_params(axis="x", length=0, pad=4)
    ax.set_xlim(-0.55, len(values) - 0.45)
    ax.spines["bottom"].set_visible(False)
    ax.axhline(base, color=S.RULE, linewidth=0.8)
    if spec.log_scale:
        ax.set_ylim(bottom=base)
    texts = [ax.annotate(text, (i, v), xytext=(0, 2 if v >= 0 else -2),
                         textcoords="offset points", ha="center",
                         va="bottom" if v >= 0 else "top", annotation_clip=False)
             for i, (v, text) in enumerate(zip(values, A.labels(spec, values)))]
    A.axis_titles(ax, spec, horizontal=False)
    _crowded_categories(fig, ax, spec)
    if overlapping(fig, texts):   # dense columns: upright labels, smaller if need be
        size = A.fitting_font(fig.get_figwidth() * 0.85, len(values))
        for text in texts:
            text.set_rotation(90)
            text.set_fontsize(size)
    fit_inside(fig, ax, texts, axes="y")
    drop_colliding(fig, texts)


def _crowded_categories(fig, ax, spec) -> None:
    """Turn category labels upright when they collide, then thin them out."""
    if overlapping(fig, ax.get_xticklabels(), pad=2):
        size = A.fitting_font(fig.get_figwidth() * 0.85, len(spec.categories))
        ax.set_xticks(ax.get_xticks(), A.categories(spec, 24), fontsize=size, rotation=90)
        thin_ticks(fig, ax.xaxis)


def _line(fig, ax, spec, inks) -> None:
    points = range(len(spec.categories))
    A.value_axis(ax, "y", spec)
    ax.set_xticks(points, A.categories(spec, max(8, 72 // len(spec.categories))))
    ax.set_xlim(-0.3, len(spec.categories) - 0.7)
    several = len(spec.series) > 1
    first, extremes, rest = [], [], []
    for s, (name, values) in enumerate(spec.series):
        colour = inks.line(s) if several else inks.main
        ax.plot(points, values, color=colour, linestyle=S.DASHES[s % 8],
                marker=S.MARKERS[s % 8] if len(values) <= 2 * DENSE_LINE else None,
                markeredgecolor="white", markeredgewidth=0.5,
                label=S.plain(name), clip_on=False)
        for i, (v, text) in enumerate(zip(values, A.labels(spec, values))):
            above = _label_above(spec, s, i)
            label = ax.annotate(text, (i, v), xytext=(0, 4 if above else -4),
                                textcoords="offset points", ha="center",
                                va="bottom" if above else "top", color=colour,
                                annotation_clip=False)
            if i in (0, len(values) - 1):
                first.append(label)
            elif v in (max(values), min(values)):
                extremes.append(label)
            elif len(values) <= DENSE_LINE:
                rest.append(label)
            else:   # a dense line: only its ends and extremes are labelled
                label.remove()
    if several:
        _legend(ax, spec)
    A.axis_titles(ax, spec, horizontal=False)
    texts = first + extremes + rest
    fit_inside(fig, ax, texts, axes="xy")
    thin_ticks(fig, ax.xaxis)
    drop_colliding(fig, texts, keep_clear=ax.get_xticklabels())


def _label_above(spec, s: int, i: int) -> bool:
    """Label point ``i`` of series ``s`` above it (else below), away from the lines:
    with several series the top one at each point goes above; a lone line is
    labelled above its peaks and below its dips."""
    values = spec.series[s][1]
    if len(spec.series) > 1:
        return values[i] >= max(vals[i] for _, vals in spec.series)
    neighbours = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
    return values[i] >= sum(neighbours) / len(neighbours)


def _legend(ax, spec) -> None:
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), borderaxespad=0,
              ncols=min(len(spec.series), 4), handlelength=2.2, columnspacing=1.2)


def _stacked(fig, ax, spec, inks) -> None:
    rows = range(len(spec.categories))
    A.value_axis(ax, "x", spec)
    left = [0.0] * len(spec.categories)
    inside = []
    size = A.row_font(fig, len(spec.categories))
    for s, (name, values) in enumerate(spec.series):
        colour = inks.fill(s)
        bars = ax.barh(rows, values, left=left, height=0.62, color=colour,
                       hatch=S.HATCHES[s % 8], hatchcolor=S.hatch_on(colour),
                       edgecolor="white", linewidth=0.6, label=S.plain(name))
        for bar, v, text in zip(bars, values, A.labels(spec, values)):
            label = ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + 0.31, text,
                            ha="center", va="center", color=S.text_on(colour), fontsize=size,
                            bbox={"boxstyle": "square,pad=0.15", "facecolor": colour,
                                  "edgecolor": "none"})
            inside.append((label, bar))
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(rows, A.categories(spec, 26), fontsize=size)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.set_ylim(len(spec.categories) - 0.45, -0.55)
    ax.spines["left"].set_visible(False)
    ax.axvline(0, color=S.RULE, linewidth=0.8)
    totals = []
    if len(set(left)) > 1:   # equal totals (all 100%) would say nothing
        totals = [ax.annotate(text, (v, i), xytext=(3, 0), textcoords="offset points",
                              va="center", ha="left", fontweight="bold", fontsize=size,
                              annotation_clip=False)
                  for i, (v, text) in enumerate(zip(left, A.labels(spec, left)))]
    if len(spec.series) > 1:
        _legend(ax, spec)
    A.axis_titles(ax, spec, horizontal=True)
    fit_inside(fig, ax, totals, axes="x")
    renderer = fig.canvas.get_renderer()
    for label, bar in inside:   # a segment's value only where it fits inside
        room, need = bar.get_window_extent(renderer), label.get_window_extent(renderer)
        label.set_visible(need.width + 3 < room.width and need.height < room.height)
    thin_ticks(fig, ax.yaxis)
    drop_colliding(fig, totals)
