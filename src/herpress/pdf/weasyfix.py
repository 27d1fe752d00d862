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
own layout of the area at the page's end (which places the notes) is unchanged. Measuring is
still 1.2 of the 4 s such a chapter takes; when the chapter is laid out again with relief
(:mod:`.relief`), the heights are carried over (:func:`note_heights_carried`).
"""

from __future__ import annotations

from contextlib import contextmanager
from math import inf

from weasyprint.formatting_structure import build
from weasyprint.layout import LayoutContext, block, page as paging

_linebox_layout = block._linebox_layout
_update_footnote_area = LayoutContext._update_footnote_area
_remake_page = paging.remake_page
_carried: dict | None = None  # note heights kept from one layout of a document to the next


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
            kept = _carried_key(note, width)
            height = _carried.get(kept) if kept is not None else None
            if height is None:
                area.children = [note]
                height = block.block_level_layout(self, build.create_anonymous_boxes(area.deepcopy()), -inf, None,
                                                  area.page)[0].height
                if kept is not None:
                    _carried[kept] = height
            heights[id(note), width] = (note, height)  # the note kept: its id stays its own
    area.children = notes
    area.height = sum(heights[id(note), width][1] for note in notes)
    self.page_bottom -= area.margin_height()
    return False  # as WeasyPrint finds for an area of auto height: its last note ends inside it


@contextmanager
def note_heights_carried():
    """While open, a note's height measured in one layout is taken as it is in the next layouts
    of the same document, where only widows and orphans differ (footnote relief: the chapter laid
    out again, each of its 1,000 notes not measured again: that layout took 3.6 s instead of 4.3). A
    note's height laid out alone, in an area of no height limit, depends on its own content and
    styles and the page's width, none of which widows and orphans change; a note that prints a
    page number (a cross-reference inside it) is measured again each time, as the number may."""
    global _carried
    previous, _carried = _carried, {}
    try:
        yield
    finally:
        _carried = previous


def _carried_key(note, width):
    """What a note's height is kept under while heights are carried: its element's id and the
    page's width; None when it is not carried."""
    element = getattr(note, "element", None)
    if _carried is None or element is None or not element.get("id"):
        return None
    if any("xref" in (child.get("class") or "").split() for child in element.iter()):
        return None
    return element.get("id"), width


def _remaking_with_reported_notes(index, context, root_box, html):
    """A page made again starts with the notes the page before it reported to it. WeasyPrint
    keeps those only from the making of that page: when a page is made again (its page numbers
    changed) and the one before it is not, it starts with none, and a note reported to it is on no
    page at all (the sample's Why Samantha Leaves, screen profile: note 1, reported from page 2,
    lost when page 3 was made again for a cross-reference's page number). And a page made again
    that reports other notes to the next page than it did has the next page made again too:
    WeasyPrint keeps the next page when it begins at the same place in the text, whatever notes
    it then begins with (a chapter of 1,000 notes relieved in place, :mod:`.relayout`: three notes
    reported to a kept page were on no page)."""
    reported = context.__dict__.setdefault("_herpress_reported", {})  # page index -> the notes reported to it
    if index in reported and context.__dict__.get("_herpress_last_made") != index - 1:
        context.reported_footnotes = list(reported[index])
    before = reported.get(index + 1)
    made = _remake_page(index, context, root_box, html)
    now = reported[index + 1] = list(context.reported_footnotes)
    if before is not None and now != before and index + 1 < len(context.page_maker) and (made[1] is not None or now):
        context.page_maker[index + 1][-1]["content_changed"] = True
    context._herpress_last_made = index
    return made


def apply() -> None:
    block._linebox_layout = _reporting_every_note
    LayoutContext._update_footnote_area = _footnote_area_height
    paging.remake_page = _remaking_with_reported_notes


def undo() -> None:
    """WeasyPrint as it is (for the tests that compare the two)."""
    block._linebox_layout = _linebox_layout
    LayoutContext._update_footnote_area = _update_footnote_area
    paging.remake_page = _remake_page


apply()
