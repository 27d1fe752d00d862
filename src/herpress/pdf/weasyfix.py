"""What herpress mends in WeasyPrint 70's layout, applied once, on import, to the process that
lays out (each forked worker inherits it).

**A footnote lost when its line is kept by reporting others** (Kozea/WeasyPrint#2437, the fix of
#2432): when a line overflows the page where the orphans rule forbids breaking before it,
WeasyPrint moves the page's last footnotes to the next page until the line fits, keeps the line —
and never lays out the footnotes called *in that line*. Their calls are printed; their text is
on no page. aosabook/500lines lost a note of its Dagoba chapter so ("This database started life
as a library…", 68 words), and a chapter of 1,000 notes loses dozens. After each run of lines,
a note whose call was placed and that is neither laid out nor reported is reported: it goes to
the next page, after the notes reported before it, as a note that does not fit goes.

The mend wraps the function rather than copying it: a line WeasyPrint keeps has every note it
calls laid out or reported, except in that one path, so the wrapper changes nothing else.

**The footnote area laid out again for every note added to a page**: each time a note joins (or
leaves) a page, WeasyPrint lays out the page's whole footnote area to learn its height, so a page
of *k* notes costs *k²/2* note layouts — 46 of the 60 s of a chapter of 1,000 notes on 42 pages.
Where the notes stack without collapsing margins (none of their own, the area without a height or
a maximum), the area's height is its frame plus the sum of its notes' heights, each note laid out
once, alone, in the area: that is what :func:`_footnote_area_height` computes, and WeasyPrint's
own layout of the area at the page's end (which places the notes) is unchanged.
"""

from __future__ import annotations

from math import inf

from weasyprint.formatting_structure import build
from weasyprint.layout import LayoutContext, block

_linebox_layout = block._linebox_layout
_update_footnote_area = LayoutContext._update_footnote_area


def _reporting_every_note(context, box, index, child, new_children, *args, **kwargs):
    placed = len(new_children)
    result = _linebox_layout(context, box, index, child, new_children, *args, **kwargs)
    abort = result[0]
    if not abort and context.footnotes and len(new_children) > placed:
        for line in new_children[placed:]:
            for descendant in line.descendants():
                note = descendant.footnote
                if note is not None and note in context.footnotes:
                    context.footnotes.remove(note)
                    context.reported_footnotes.append(note)
    return result


def _stacks(area, notes) -> bool:
    """Whether the area's height is its frame plus its notes' own (nothing collapses, nothing caps)."""
    style = area.style
    if style["height"] != "auto" or _length(style["max_height"]) != inf or _length(style["min_height"]) not in (0, None):
        return False
    return all(_length(note.style[side]) == 0 for note in notes for side in ("margin_top", "margin_bottom"))


def _length(value):
    """A computed length's number; None for a keyword (``auto``)."""
    return getattr(value, "value", None)


def _footnote_area_height(self):
    area, notes = self.current_footnote_area, self.current_page_footnotes
    if not notes or self.in_column or not _stacks(area, notes):
        return _update_footnote_area(self)
    if area.height != "auto":
        self.page_bottom += area.margin_height()
    heights = self.__dict__.setdefault("_herpress_note_heights", {})
    width = area.page.content_box_x(), area.page.width
    for note in notes:
        if (id(note), width) not in heights:
            area.children = [note]
            alone = block.block_level_layout(self, build.create_anonymous_boxes(area.deepcopy()), -inf, None,
                                             area.page)[0]
            heights[id(note), width] = (note, alone.height)  # the note kept: its id stays its own
    area.children = notes
    area.height = sum(heights[id(note), width][1] for note in notes)
    self.page_bottom -= area.margin_height()
    return False  # as WeasyPrint finds for an area of auto height: its last note ends inside it


def apply() -> None:
    block._linebox_layout = _reporting_every_note
    LayoutContext._update_footnote_area = _footnote_area_height


def undo() -> None:
    """WeasyPrint as it is (for the tests that compare the two)."""
    block._linebox_layout = _linebox_layout
    LayoutContext._update_footnote_area = _update_footnote_area


apply()
