"""One drawing function per chart type, each filling a matplotlib ``Figure``.

Imported only when a chart is really drawn (it imports matplotlib).
"""

from __future__ import annotations

from herpress.charts import _axes as A
from herpress.charts import _style as S
from herpress.charts._fit import drop_colliding, fit_inside, overlapping, thin_ticks
from herpress.charts._pie import draw_pie

DENSE_LINE = 12   # more points than this: label only ends and extremes
ROW_EM = 2.0      # a bar chart's row, in ems of the frame's type: a line of label and the gap
LINE_EM = 1.25    # a line of a wrapped category name
ROWS_OVER_IN = 0.7   # what a bar chart adds to its rows: the value axis, its title, margins
LEGEND_IN = 0.3   # a row of legend above the bars
LABEL_SHARE = 0.32  # of the width, what a bar's category name may take before it is broken
WIDE_SHARE = 0.5    # the same where rows of names broken at LABEL_SHARE would not fit the frame


def figure_size(spec, frame) -> tuple[float, float]:
    """Inches: the frame's width; bar charts grow with their number of bars, up to the frame's
    height, charts of other types are as tall as the frame's width suits (HEIGHT_IN for WIDTH_IN)."""
    width = frame.width
    if spec.type in ("bar", "stacked-bar"):
        lines = _lines(_bar_names(spec, frame))
        row = max(ROW_EM, lines * LINE_EM + 0.5) * frame.font / 72
        legend = LEGEND_IN * _legend_rows(spec, frame) if len(spec.series) > 1 else 0.0
        return width, min(max(ROWS_OVER_IN + row * len(spec.categories) + legend, 1.5), frame.height)
    return width, min(max(S.HEIGHT_IN * width / S.WIDTH_IN, 2.3), S.HEIGHT_IN, frame.height)


def _bar_names(spec, frame) -> list[str]:
    """The category names of a bar chart, broken at LABEL_SHARE of the width; when their rows would
    not fit the frame's height even at the least type size, at WIDE_SHARE (fewer lines a row).

    Past that (some 40 one-line rows on a 5x8 page, 45 on 6x9) the rows are too close for 7 pt
    names: the type stays at 7 pt and every other name is left out (:func:`thin_ticks`), and the
    values that would collide (:func:`drop_colliding`) — the bars themselves all stay."""
    room = (frame.height - 0.5) * 72   # pt the rows may take (some 0.5 in goes to the value axis)
    for share in (LABEL_SHARE, WIDE_SHARE):
        names = A.categories(spec, max(12, A.wrap_width(frame.width * share, frame.font)))
        if len(names) * _lines(names) * LINE_EM * S.MIN_FONT_PT <= room:
            break
    return names


def _legend_rows(spec, frame) -> int:
    """About how many rows the legend takes (:func:`_legend` fits it to the width)."""
    per_entry = max(len(name) for name, _ in spec.series) * 0.47 + 3.4   # ems: text, handle, spacing
    columns = max(1, min(4, int(frame.width * 72 / frame.font / per_entry)))
    return -(-len(spec.series) // columns)


def draw(fig, spec, inks: S.Inks, frame) -> None:
    """Draw ``spec`` into ``fig`` in ``inks`` (:data:`herpress.charts._style.TONES`), for ``frame``
    (:mod:`herpress.charts.frame`): its type size, its width for breaking names."""
    if spec.type in ("pie", "donut"):
        draw_pie(fig, spec, inks)
        return
    fig.set_layout_engine("constrained", w_pad=0.04, h_pad=0.04)
    ax = fig.add_subplot()
    {"bar": _bar, "column": _column, "line": _line, "stacked-bar": _stacked}[spec.type](
        fig, ax, spec, inks, frame)


def _bar(fig, ax, spec, inks, frame) -> None:
    values = spec.series[0][1]
    rows = range(len(values))
    base = A.log_base(values) if spec.log_scale else 0.0
    A.value_axis(ax, "x", spec)
    ax.barh(rows, [v - base for v in values], left=base, height=0.62, color=inks.main)
    names = _bar_names(spec, frame)
    size = A.row_font(fig, len(values), frame.font, _lines(names))
    ax.set_yticks(rows, names, fontsize=size)
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


def _column(fig, ax, spec, inks, frame) -> None:
    values = spec.series[0][1]
    cols = range(len(values))
    base = A.log_base(values) if spec.log_scale else 0.0
    A.value_axis(ax, "y", spec)
    ax.bar(cols, [v - base for v in values], bottom=base, width=0.62, color=inks.main)
    ax.set_xticks(cols, A.categories(spec, max(8, A.wrap_width(frame.width * 0.85, frame.font, len(values)))))
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
    _crowded_categories(fig, ax, spec, frame)
    if overlapping(fig, texts):   # dense columns: upright labels, smaller if need be
        size = A.fitting_font(fig.get_figwidth() * 0.85, len(values), frame.font)
        for text in texts:
            text.set_rotation(90)
            text.set_fontsize(size)
    fit_inside(fig, ax, texts, axes="y")
    drop_colliding(fig, texts)


def _crowded_categories(fig, ax, spec, frame) -> None:
    """Turn category labels upright when they collide, then thin them out."""
    if overlapping(fig, ax.get_xticklabels(), pad=2):
        size = A.fitting_font(fig.get_figwidth() * 0.85, len(spec.categories), frame.font)
        ax.set_xticks(ax.get_xticks(), A.categories(spec, 24), fontsize=size, rotation=90)
        thin_ticks(fig, ax.xaxis)


def _line(fig, ax, spec, inks, frame) -> None:
    points = range(len(spec.categories))
    A.value_axis(ax, "y", spec)
    ax.set_xticks(points, A.categories(spec, max(8, A.wrap_width(frame.width * 0.85, frame.font,
                                                                 len(spec.categories)))))
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
        _legend(fig, ax, spec)
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


def _legend(fig, ax, spec) -> None:
    """The series' names above the axes, in as many columns (four at most) as the figure's width
    holds: a legend wider than the figure would be cut off at its edge."""
    for columns in range(min(len(spec.series), 4), 0, -1):
        legend = ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), borderaxespad=0,
                           ncols=columns, handlelength=2.2, columnspacing=1.2)
        if columns == 1:
            return
        fig.draw_without_rendering()
        if legend.get_window_extent().x1 <= fig.bbox.x1 - 1:
            return
        legend.remove()


def _lines(names) -> int:
    return max(name.count("\n") + 1 for name in names)


def _stacked(fig, ax, spec, inks, frame) -> None:
    rows = range(len(spec.categories))
    A.value_axis(ax, "x", spec)
    left = [0.0] * len(spec.categories)
    inside = []
    names = _bar_names(spec, frame)
    size = A.row_font(fig, len(spec.categories), frame.font, _lines(names))
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
    ax.set_yticks(rows, names, fontsize=size)
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
        _legend(fig, ax, spec)
    A.axis_titles(ax, spec, horizontal=True)
    fit_inside(fig, ax, totals, axes="x")
    renderer = fig.canvas.get_renderer()
    for label, bar in inside:   # a segment's value only where it fits inside
        room, need = bar.get_window_extent(renderer), label.get_window_extent(renderer)
        label.set_visible(need.width + 3 < room.width and need.height < room.height)
    thin_ticks(fig, ax.yaxis)
    drop_colliding(fig, totals)
