"""pdf/weasyfix.py: WeasyPrint's layout, mended where it loses a footnote (real WeasyPrint)."""

from __future__ import annotations

from weasyprint import HTML

import herpress.pdf.weasyfix  # noqa: F401 -- as a Typesetter applies it

# WeasyPrint's own case of #2432 (orphans forbid breaking before "g", so the notes of "f" are
# reported one by one until "g" fits), with a note called in "g" itself: the one it lost.
PAGE = """<style>
  @page { margin: 0; size: 100px; @footnote { margin-top: 0 } }
  html { font-size: 10px; line-height: 1; }
  body { margin: 0; }
  div { break-before: avoid; }
  span { float: footnote; }
  ::footnote-call { vertical-align: baseline; }
</style>
<div>a<br>b<br>c<br>d<br>e</div>
<div>f<span>N1</span><span>N2</span><span>N3</span><span>N4</span><br>g<span>N5</span><br>h<br>i</div>
"""


def _notes_per_page(document) -> list[list[str]]:
    pages = []
    for page in document.pages:
        found = []
        for area in page._page_box.children:
            if type(area).__name__ == "FootnoteAreaBox":
                for note in area.children:
                    found.append("".join(box.text for box in note.descendants()
                                         if getattr(box, "text", None)).split(". ", 1)[-1])
        pages.append(found)
    return pages


def test_a_note_called_in_a_line_kept_by_reporting_others_is_set_on_the_next_page():
    pages = _notes_per_page(HTML(string=PAGE).render())
    assert sorted(note for page in pages for note in page) == ["N1", "N2", "N3", "N4", "N5"]
    assert pages[1][-1] == "N5"  # after the notes reported before it, in the order they are called


def test_without_reporting_nothing_changes():
    """A page whose notes all fit: the same notes on the same page as WeasyPrint sets them."""
    html = PAGE.replace("size: 100px", "size: 100px 300px")
    assert _notes_per_page(HTML(string=html).render()) == [["N1", "N2", "N3", "N4", "N5"]]


def _layout_of(document) -> list:
    """Every text box of every page, where it is drawn: what a reader sees."""
    drawn = []
    for page in document.pages:
        boxes = []
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if getattr(box, "text", None):
                boxes.append((round(box.position_x, 3), round(box.position_y, 3), box.text))
            stack.extend(getattr(box, "children", []))
        drawn.append(sorted(boxes))
    return drawn


def test_the_footnote_area_measured_note_by_note_lays_out_as_weasyprint_does():
    """A page's footnote area measured as the sum of its notes (each laid out once) rather than laid
    out whole for every note added: the same pages, every word and note where WeasyPrint puts it."""
    from herpress.pdf import weasyfix

    notes = "".join(f"Sentence {n} says a little more{'' if n % 3 else ' and then a good deal more, over two lines or three of the note area at the foot'}"
                    f"<span class='fn'>Note {n}, {'short' if n % 2 else 'a longer note that takes a line and more of the page foot to say'}.</span>. "
                    for n in range(90))
    html = ("<style>@page { size: 300px 400px; margin: 30px; @footnote { border-top: 1px solid; padding-top: 4px; margin-top: 8px } }"
            " body { font-size: 10px; line-height: 1.3 } .fn { float: footnote; footnote-policy: line }</style>"
            f"<p>{notes}</p><p>{notes}</p>")
    with_mend = HTML(string=html).render()
    weasyfix.undo()
    try:
        without = HTML(string=html).render()
    finally:
        weasyfix.apply()
    assert len(with_mend.pages) == len(without.pages) > 5
    assert _layout_of(with_mend) == _layout_of(without)


def test_note_heights_carried_to_a_layout_with_other_widows_and_orphans_lay_out_as_measured_afresh():
    """Footnote relief lays a chapter out again with widows and orphans relaxed: the notes'
    heights measured in the first layout are taken as they are (each note measured once for
    both), and the pages are those of the second layout measured afresh. A note that prints a
    page number (a cross-reference in it) is measured again."""
    from herpress.pdf import weasyfix

    notes = "".join(f"Sentence {n} says a little more{'' if n % 3 else ' and then a good deal more, over two lines or three'}"
                    f"<span class='fn' id='n{n}'>Note {n}, {'short' if n % 2 else 'a longer note that takes a line and more'}.</span>. "
                    for n in range(60))
    style = ("<style>@page { size: 300px 400px; margin: 30px }"  # a face named: a build before may alias serif
             " body { font-family: 'DejaVu Sans'; font-size: 10px; line-height: 1.3 }"
             " p { orphans: 5; widows: 5 } .fn { float: footnote; footnote-policy: line }</style>")
    html = (f"{style}<p>{notes}</p><p>One more<span class='fn' id='x1'>See <a class='xref' href='#n3'>page 2</a>."
            f"</span>.</p><p>{notes.replace(' id=', ' data-id=')}</p>")
    relaxed = html.replace("widows: 5", "widows: 1").replace("orphans: 5", "orphans: 1")
    afresh = HTML(string=relaxed).render()
    with weasyfix.note_heights_carried():
        first = HTML(string=html).render()
        kept = {key[0] for key in weasyfix._carried}
        carried = HTML(string=relaxed).render()
    assert kept == {f"n{n}" for n in range(60)}  # not the cross-reference's, not the notes without an id
    assert len(carried.pages) == len(afresh.pages) > 5
    assert _layout_of(carried) == _layout_of(afresh) != _layout_of(first)  # the page breaks did move
    with weasyfix.note_heights_carried():
        HTML(string=html).render()
        for key in weasyfix._carried:
            weasyfix._carried[key] += 40  # wrong heights, to show the second layout uses the kept ones
        assert _layout_of(HTML(string=relaxed).render()) != _layout_of(afresh)
    assert weasyfix._carried is None  # nothing carried outside the block


def test_a_page_made_again_starts_with_the_notes_reported_to_it(sample):
    """WeasyPrint makes a page again when a page number on it changes, starting it with the notes
    reported to it only if it also made the page before again: otherwise a note reported to it is
    on no page. The sample's Why Samantha Leaves laid out alone under the screen profile is such a
    case (its first note, reported from the chapter's second page to its third)."""
    from herpress.pdf import parts, weasyfix
    from herpress.pdf.backmatter import first_pages
    from herpress.pdf.interior import Typesetter
    from herpress.pdf.profiles import get

    book = sample.book
    chapter = next(chapter for chapter in book.chapters if chapter.slug == "why-samantha-leaves")
    typesetter = Typesetter(book, get("screen"))
    typesetter.prepare(60, fit=False)
    html, css = parts._chapter_markup(typesetter, parts.Task(chapter.slug, 1, (), ""),
                                      typesetter.fitted(typesetter.bodies[chapter.slug]))
    note = chapter.notes[0].id

    def pages_of_every_note():
        anchors = first_pages(typesetter.render_more(html, css))
        return {n.id: anchors.get(n.id) for n in chapter.notes}

    weasyfix.undo()
    try:
        lost = pages_of_every_note()
    finally:
        weasyfix.apply()
    assert lost[note] is None  # WeasyPrint's own layout sets it on no page
    mended = pages_of_every_note()
    assert None not in mended.values()
    assert mended[note] == first_pages(typesetter.render_more(html, css))[f"call-{note}"] + 1  # the page after its call
