"""Footnote relief: a chapter laid out again on its own and spliced in prints exactly what the
whole book laid out again would print."""

from __future__ import annotations

import pytest
from checks import page_texts

from herpress.styles import css_string
from herpress.pdf import interior as pdf_writer
from herpress.pdf import relief


def referring_chapters(book):
    """Chapters of the sample that refer to pages in other chapters, and have notes to relieve."""
    bodies, owner = pdf_writer.print_bodies(book), book.chapter_of_id()
    return [chapter for chapter in book.chapters if chapter.notes and any(
        owner.get(t) not in (None, chapter.slug) for t, _ in relief.references(bodies[chapter.slug]))]


def relaid(book, chapter, monkeypatch, alone: bool, target, hint: int):
    """The book laid out as if WeasyPrint had misplaced ``chapter``'s first note: relieved on
    its own (``alone``) or by laying the whole book out again."""
    monkeypatch.setattr(pdf_writer, "misplaced_notes", lambda result, book: [chapter.notes[0].id])
    if not alone:
        monkeypatch.setattr(relief, "relieve", lambda *args, **kwargs: None)
    laid_out = pdf_writer.layout(book, pages_hint=hint)  # the right gutter band at once
    monkeypatch.undo()
    pdf_writer.write_layout(book, laid_out, target)
    return laid_out


def test_a_chapter_relaid_alone_prints_what_the_whole_book_relaid_prints(sample, sample_layout, monkeypatch,
                                                                        tmp_path):
    hint = sample_layout.page_count
    for chapter in referring_chapters(sample.book):  # the first one whose relief keeps its page count
        spliced = relaid(sample.book, chapter, monkeypatch, True, tmp_path / "alone.pdf", hint)
        if spliced.passes == 1:
            break
    else:
        pytest.fail("no chapter of the sample could be relieved on its own")
    whole = relaid(sample.book, chapter, monkeypatch, False, tmp_path / "whole.pdf", hint)
    assert whole.passes == 2  # laid out again in full
    assert spliced.relieved == whole.relieved == [chapter.notes[0].id]
    alone, again = page_texts(tmp_path / "alone.pdf"), page_texts(tmp_path / "whole.pdf")
    assert len(alone) == len(again)
    for number, (one, other) in enumerate(zip(alone, again), 1):
        assert one == other, f"page {number} differs"
    assert spliced.page_labels == whole.page_labels


def test_a_relaid_chapter_that_no_longer_fits_its_pages_is_refused(sample):
    """When the chapter laid out alone would take another number of pages, nothing is spliced."""
    book = sample.book
    document = pdf_writer.layout(book, relieve=False).document
    labels = pdf_writer.page_labels(document)
    bodies = pdf_writer.print_bodies(book)

    def render_longer(html, css):  # the chapter grows by two pages
        longer = html.replace("</section>", '<div style="break-before: page"></div>'
                              '<div style="break-before: page">.</div></section>', 1)
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        from herpress.pdf import profiles

        fonts = FontConfiguration()
        g = pdf_writer.geometry(book, profiles.get("kdp"), len(document.pages))
        sheets = pdf_writer.stylesheets(book, fonts, g, profiles.get("kdp"), {})
        return HTML(string=longer, base_url=str(book.root / "manuscript") + "/").render(
            stylesheets=sheets + [CSS(string=css, font_config=fonts)], font_config=fonts)

    slug = referring_chapters(book)[-1].slug
    assert relief.relieve(book, document, [slug], labels, bodies, render_longer) is None


def test_css_string_escapes_quotes_and_backslashes():
    assert css_string('A "B" \\ C') == '"A \\22 B\\22  \\5c  C"'


def test_relief_relaxes_widows_and_orphans_only_around_the_notes_astray():
    """The block holding a note astray, the block before it and the two after: elsewhere the
    chapter keeps its widows and orphans (and so its page breaks), however many notes it calls.
    Laid out with herpress's own print.css, whose ``.relief`` rule does it."""
    from weasyprint import CSS, HTML

    from herpress.styles import DEFAULT_DIR

    blocks = "".join(f'<p id="p{i}">Words<span class="footnote" id="fn-{i}">A note.</span></p>' for i in range(1, 10))
    blocks += '<blockquote id="q"><p id="p10">Quoted<span class="footnote" id="fn-10">A note.</span></p></blockquote>'
    marked = relief.relieved_markup(blocks, ["fn-3", "fn-8", "fn-10"])
    document = HTML(string=f"<section>{marked}</section>").render(
        stylesheets=[CSS(filename=str(DEFAULT_DIR / "print.css"))])
    kept = {}
    for page in document.pages:
        for box in page._page_box.descendants():
            if box.element_tag in ("p", "blockquote"):
                kept[box.element.get("id")] = (box.style["orphans"], box.style["widows"])
    assert {name for name, rules in kept.items() if rules == (1, 1)} == {"p2", "p3", "p4", "p5", "p7", "p8", "p9",
                                                                          "q", "p10"}
    assert kept["p1"] == kept["p6"] == (2, 2)
    assert relief.relieved_markup(blocks, []) == blocks
    assert relief.relieved_markup(blocks, ["fn-none"]) == blocks
