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
"""

from __future__ import annotations

from weasyprint.layout import block

_linebox_layout = block._linebox_layout


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


if getattr(block._linebox_layout, "__name__", "") != _reporting_every_note.__name__:
    block._linebox_layout = _reporting_every_note
