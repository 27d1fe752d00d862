"""pdf/relayout.py: a layout relieved in place is the layout a fresh render with relief gives
(real WeasyPrint, herpress's mends applied as a Typesetter applies them)."""

from __future__ import annotations

import random

from weasyprint import CSS, HTML

import herpress.pdf.weasyfix  # noqa: F401 -- as a Typesetter applies it
from herpress.pdf import relayout, relief

STYLE = CSS(string="""
  @page { size: 260px 300px; margin: 24px; @footnote { margin-top: 6px } }
  html { font-size: 10px; line-height: 1.3; }
  body { margin: 0; }
  p { margin: 0; orphans: 2; widows: 2; text-align: justify; }
  .relief { orphans: 1; widows: 1; }
  span.footnote { float: footnote; footnote-policy: line; font-size: 8px; }
""")
WORDS = "the reader turns to the page and finds the place where the voice had been before".split()


def chapter(paragraphs: int = 60, notes_each: int = 3, seed: int = 7) -> str:
    """Paragraphs of a few lines, each calling ``notes_each`` notes (ids fn-1, fn-2…)."""
    rng, n, blocks = random.Random(seed), 0, []
    for p in range(paragraphs):
        sentences = []
        for _ in range(notes_each):
            n += 1
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
            sentences.append(f'{words}<span class="footnote" id="fn-{n}">Note {n}, '
                             f'{" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 14)))}.</span>')
        blocks.append(f'<p>{". ".join(sentences)}.</p>')  # no id: paragraphs share one style, as a book's do
    return "".join(blocks)


def drawn(document) -> list:
    """Every text box of every page, where it is drawn."""
    return [sorted((round(box.position_x, 3), round(box.position_y, 3), box.text)
                   for box in page._page_box.descendants() if getattr(box, "text", None))
            for page in document.pages]


def render(body: str):
    return HTML(string=f"<section>{body}</section>").render(stylesheets=[STYLE])


def test_relief_laid_out_in_place_gives_the_pages_a_fresh_layout_gives():
    body = chapter()
    laid = relayout.render(lambda: render(body))
    unrelieved, so_far = drawn(laid.document), []
    for notes in (["fn-40"], ["fn-41", "fn-95", "fn-96"], ["fn-7", "fn-150", "fn-170"]):
        so_far += notes  # widened, as a chapter is: relief around every note so far
        laid = relayout.relieved(laid, so_far)
        fresh = render(relief.relieved_markup(body, so_far))
        assert drawn(laid.document) == drawn(fresh), so_far
    assert drawn(laid.document) != unrelieved  # relief moved something


def test_a_page_kept_after_one_laid_out_again_begins_with_the_notes_that_one_now_reports():
    """WeasyPrint keeps a page that begins at the same place in the text as before, whatever notes
    the page before it now reports to it (herpress.pdf.weasyfix makes it again). Here relief
    around note 55 has a page report notes it did not report before to a page that begins where
    it began: found among 40 random chapters, the only one of them whose in-place relief lost notes."""
    body = chapter(paragraphs=50, notes_each=4, seed=25)
    laid = relayout.render(lambda: render(body))
    unrelieved = drawn(laid.document)
    again = relayout.relieved(laid, ["fn-55"])
    fresh = render(relief.relieved_markup(body, ["fn-55"]))
    assert drawn(fresh) != unrelieved
    assert drawn(again.document) == drawn(fresh)


def test_the_pages_before_the_first_relieved_block_are_kept_not_laid_out_again():
    body = chapter()
    laid = relayout.render(lambda: render(body))
    pages = [page._page_box for page in laid.document.pages]
    before = drawn(laid.document)
    again = relayout.relieved(laid, ["fn-120"])
    first = next(n for n, page in enumerate(laid.document.pages)
                 if any(getattr(box, "element", None) is not None and box.element.get("id") == "fn-120"
                        for box in page._page_box.descendants()))
    assert first > 6
    # the block before the call's may begin a page or two earlier, and the page before that is made again
    assert all(again.document.pages[n]._page_box is pages[n] for n in range(first - 3))  # the same boxes
    assert drawn(laid.document) == before  # the layout it came from still draws as it did


def test_relief_around_no_block_leaves_the_layout_as_it_is():
    laid = relayout.render(lambda: render(chapter(paragraphs=4)))
    assert relayout.relieved(laid, ["fn-none"]) is laid
