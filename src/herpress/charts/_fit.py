"""Keep labels clear of the frame and of each other, by measuring them.

Each helper lays the figure out (without rendering pixels), measures text in
display units and adjusts: widening data limits, turning or hiding labels.
Called only from the drawing code, after matplotlib has been imported.
"""

from __future__ import annotations

PAD_PX = 2.0   # breathing room between label and frame, at the layout dpi


def _layout(fig):
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def _extents(texts, renderer):
    return [t.get_window_extent(renderer) for t in texts if t.get_visible()]


def _grow(ax, which: str, low_px: float, high_px: float) -> None:
    """Widen ``which`` ('x' or 'y') limits by about so many pixels each side."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    get_lim, set_lim = (ax.get_xlim, ax.set_xlim) if which == "x" else (ax.get_ylim, ax.set_ylim)
    scale = axis.get_transform()
    lo, hi = get_lim()
    flipped = lo > hi
    if flipped:
        lo, hi = hi, lo
        low_px, high_px = high_px, low_px
    t_lo, t_hi = scale.transform([lo, hi])
    box = ax.get_window_extent()
    length = box.width if which == "x" else box.height
    per_px = (t_hi - t_lo) / max(length, 1.0)
    t_lo -= max(low_px, 0) * per_px * 1.15
    t_hi += max(high_px, 0) * per_px * 1.15
    lo, hi = scale.inverted().transform([t_lo, t_hi])
    set_lim((hi, lo) if flipped else (lo, hi))


def fit_inside(fig, ax, texts, *, axes: str = "xy", rounds: int = 6) -> None:
    """Widen the data limits until every text lies inside the axes box.

    Only directions in ``axes`` are widened; a direction whose limit is a
    meaningful baseline (zero for bars) is never pushed past it, because
    labels sit at the far end of bars.
    """
    for _ in range(rounds):
        renderer = _layout(fig)
        box = ax.get_window_extent(renderer)
        grew = False
        boxes = _extents(texts, renderer)
        if not boxes:
            return
        for which in axes:
            if which == "x":
                low = max(box.x0 - b.x0 for b in boxes) + PAD_PX
                high = max(b.x1 - box.x1 for b in boxes) + PAD_PX
            else:
                low = max(box.y0 - b.y0 for b in boxes) + PAD_PX
                high = max(b.y1 - box.y1 for b in boxes) + PAD_PX
            if low > PAD_PX + 0.5 or high > PAD_PX + 0.5:
                _grow(ax, which, low if low > PAD_PX + 0.5 else 0,
                      high if high > PAD_PX + 0.5 else 0)
                grew = True
        if not grew:
            return


def overlapping(fig, texts, pad: float = 1.0) -> bool:
    """True when any two visible texts overlap."""
    boxes = _extents(texts, _layout(fig))
    return any(a.padded(pad).overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def drop_colliding(fig, texts, *, keep_clear=(), pad: float = 1.0) -> int:
    """Hide texts that would overlap one already kept; earlier texts win.

    ``keep_clear`` are other artists' texts (e.g. tick labels) that must not
    be covered. Returns how many were hidden.
    """
    renderer = _layout(fig)
    kept = [t.get_window_extent(renderer) for t in keep_clear if t.get_visible()
            and t.get_text()]
    hidden = 0
    for text in texts:
        if not text.get_visible():
            continue
        box = text.get_window_extent(renderer).padded(pad)
        if any(box.overlaps(k) for k in kept):
            text.set_visible(False)
            hidden += 1
        else:
            kept.append(box)
    return hidden


def thin_ticks(fig, axis) -> None:
    """Blank tick labels that overlap the last one shown (dense categories)."""
    renderer = _layout(fig)
    labels = list(axis.get_ticklabels())
    texts = [label.get_text() for label in labels]
    last = None
    for i, label in enumerate(labels):
        if not texts[i]:
            continue
        box = label.get_window_extent(renderer).padded(1)
        if last is not None and box.overlaps(last):
            texts[i] = ""
        else:
            last = box
    axis.set_ticks(axis.get_ticklocs(), texts)
