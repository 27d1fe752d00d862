"""Pie and donut charts: hatched slices, labels outside with leader lines.

The axes fill the figure and one data unit is one inch, so text measured in
pixels converts to data units through the figure's dpi. The pie is as large as the labels beside
it leave room for (RADIUS at most): on a narrow frame the names are broken shorter first.
"""

from __future__ import annotations

import math

from herpress.charts import _style as S

RADIUS = 1.0        # inches, at most
MIN_RADIUS = 0.6    # a smaller pie only when no shorter break of the names makes room
LEADER = 0.2        # from the pie's edge to where the label columns start, inches
GAP = 0.05          # between stacked labels, inches
WRAPS = (16, 12, 9)   # where names are broken, the longest first: the first that leaves MIN_RADIUS


def _text(name: str, value: str, width: int = 16) -> str:
    lines = S.wrap(name, width).split("\n")
    if len(lines[-1]) + 1 + len(value) <= width + 2:
        lines[-1] += " " + value
    else:
        lines.append(value)
    return "\n".join(lines)


def _spread(wanted: list[float], heights: list[float], low: float, high: float) -> list[float]:
    """Centres as close to ``wanted`` (top first) as possible without overlaps."""
    ys = list(wanted)
    for i, h in enumerate(heights):
        ceiling = high - h / 2 if i == 0 else ys[i - 1] - (heights[i - 1] + h) / 2 - GAP
        ys[i] = min(ys[i], ceiling)
    for i in range(len(ys) - 1, -1, -1):
        h = heights[i]
        floor = low + h / 2 if i == len(ys) - 1 else ys[i + 1] + (heights[i + 1] + h) / 2 + GAP
        ys[i] = max(ys[i], floor)
    return ys


def draw_pie(fig, spec, inks: S.Inks) -> None:
    width, height = fig.get_figwidth(), fig.get_figheight()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-width / 2, width / 2)
    ax.set_ylim(-height / 2, height / 2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    values = spec.series[0][1]
    places = S.decimals(values)
    shown = [S.with_unit(S.number(value, places), spec.unit) for value in values]
    texts = [ax.text(0, 0, "", va="center") for _ in values]
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    tallest = min(RADIUS, height / 2 - 0.1)
    for wrap in WRAPS:   # the labels' widest line sets the room left for the pie
        for text, name, value in zip(texts, spec.categories, shown):
            text.set_text(_text(name, value, wrap))
        widest = max(text.get_window_extent(renderer).width for text in texts) / fig.dpi
        radius = min(tallest, width / 2 - LEADER - widest)
        if radius >= min(MIN_RADIUS, tallest):
            break
    radius = max(radius, min(MIN_RADIUS, tallest))
    label_x = radius + LEADER

    colours = [inks.fill(i) for i in range(len(values))]
    ring = {"width": 0.42 * radius / RADIUS} if spec.type == "donut" else {}
    wedges, _ = ax.pie(values, colors=colours, startangle=90, counterclock=False,
                       radius=radius, normalize=True,
                       wedgeprops={"edgecolor": "white", "linewidth": 1.0, **ring})
    for i, wedge in enumerate(wedges):
        wedge.set_hatch(S.HATCHES[i % len(S.HATCHES)])
        wedge.set_hatchcolor(S.hatch_on(colours[i]))
    ax.set_xlim(-width / 2, width / 2)   # pie() sets its own limits
    ax.set_ylim(-height / 2, height / 2)

    sides: dict[int, list] = {1: [], -1: []}
    for wedge, text in zip(wedges, texts):
        angle = math.radians((wedge.theta1 + wedge.theta2) / 2)
        side = 1 if math.cos(angle) >= -1e-9 else -1
        text.set_x(side * label_x)
        text.set_horizontalalignment("left" if side > 0 else "right")
        text.set_multialignment("left" if side > 0 else "right")
        sides[side].append((math.sin(angle), angle, text))

    fig.draw_without_rendering()
    limit = height / 2 - 0.05
    for side, items in sides.items():
        items.sort(key=lambda item: -item[0])
        heights = [t.get_window_extent(renderer).height / fig.dpi for _, _, t in items]
        wanted = [1.12 * radius * s for s, _, _ in items]
        for (_, angle, text), y in zip(items, _spread(wanted, heights, -limit, limit)):
            text.set_y(y)
            start = (1.02 * radius * math.cos(angle), 1.02 * radius * math.sin(angle))
            ax.plot([start[0], side * (label_x - 0.05)], [start[1], y], color=S.RULE,
                    linewidth=0.5, solid_capstyle="butt")
