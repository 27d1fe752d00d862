"""The index: marks, entries and sub-entries, "see" references; pages in print, links in the EPUB."""

from __future__ import annotations

import pytest
from backmatter_checks import X, anchor_pages, epub_doc, epub_ids, expand, printed_index, ranges, resolve
from checks import epubcheck, folios, messages, pdf

from herpress.pdf.backmatter import collapse

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def test_collapse_merges_pages_and_makes_ranges():
    folio = str  # page index = folio here
    placed = [(14, "d"), (12, "a"), (13, "b"), (12, "c"), (20, "e"), (22, "f"), (23, "g")]
    assert collapse(placed, lambda page: folio(page)) == [("12\u201314", "a"), ("20", "e"), ("22\u201323", "f")]
    assert collapse([(3, "x"), (4, "y")], lambda page: ["i", "ii", "iii", "iv", "1"][page]) == [("iv", "x"), ("1", "y")]


def test_sample_has_a_real_index(sample):
    entries = [e for main in sample.book.index for e in (main, *main.subentries)]
    assert len(entries) >= 20
    assert any(main.subentries for main in sample.book.index) and any(e.see for e in entries)
    letters = [letter for letter, _ in sample.book.index_by_letter]
    assert letters == sorted(set(letters))


def test_printed_pages_are_the_pages_of_the_marks(sample, sample_layout):
    reader = pdf(sample.outputs["pdf"])
    anchors, printed_folios = anchor_pages(sample_layout), folios(sample.outputs["pdf"])
    printed = printed_index(reader)
    checked = 0
    for main in sample.book.index:
        for entry in (main, *main.subentries):
            key = (main.term, entry.sub)
            if entry.see or not entry.locations:
                assert key not in printed  # "see" entries and bare headings list no pages
                continue
            expected = {int(printed_folios[anchors[location.id]]) for location in entry.locations}
            assert printed.get(key) == ranges(expected), key
            assert set(expand(printed[key])) == expected
            checked += 1
    assert checked >= 20


def test_consecutive_pages_become_a_range_and_sub_entries_sit_under_their_entry(marks_book):
    printed = printed_index(pdf(marks_book.outputs["pdf"]))
    assert printed[("filler", None)] == "1\u20134"
    assert printed[("filler", "end of")] == "4"
    assert printed[("echo", None)] == "1"  # two marks on one page
    assert printed[("Zebra", None)] == "1"  # marked inside a footnote


def test_index_is_grouped_by_letter_in_print(marks_book):
    from backmatter_checks import column_lines, heading_page

    reader = pdf(marks_book.outputs["pdf"])
    start = heading_page(reader, "Index", after=2)
    texts = [text for number in range(start, len(reader.pages)) for _, text in column_lines(reader.pages[number])]
    letters = [text for text in texts if len(text) == 1 and text.isalpha()]
    assert letters == ["A", "E", "F", "Z"]
    assert "Alias. See filler" in texts


@pytest.mark.parametrize("which", ["sample", "marks_book"])
def test_epub_index_links_reach_every_mark(which, request):
    result = request.getfixturevalue(which)
    ids = epub_ids(result.outputs["epub"])
    index = ids["index.xhtml"]
    section = epub_doc(result.outputs["epub"], "index.xhtml").find(f".//{{{X}}}section")
    assert (section.get(EPUB_TYPE), section.get("role")) == ("index", "doc-index")
    reached = set()
    for main in result.book.index:
        for entry in (main, *main.subentries):
            item = index[entry.id]
            links = [a for a in item.iter(f"{{{X}}}a") if a.getparent() is item]
            if entry.see:
                (see,) = links
                assert resolve(ids, "index.xhtml", see.get("href")) is index[entry.see_id]
                continue
            targets = [resolve(ids, "index.xhtml", a.get("href")) for a in links]
            assert [t.get("id") for t in targets if t is not None] == [loc.id for loc in entry.locations]
            reached |= {t.get("id") for t in targets}
    see_marks = {loc.id for main in result.book.index for e in (main, *main.subentries) if e.see
                 for loc in e.locations}
    marks = {i for name, doc in ids.items() if name != "index.xhtml" for i, e in doc.items() if e.get("class") == "ix"}
    assert marks - see_marks == reached  # every mark is reached from the index, and only marks are


def test_marks_book_epub_passes_epubcheck_for_its_back_matter(marks_book):
    report = epubcheck(marks_book.outputs["epub"])
    ours = [m for m in messages(report) if m.split()[0] in ("FATAL", "ERROR", "WARNING")
            and any(name in m for name in ("glossary.xhtml", "index.xhtml", "long.xhtml", "short.xhtml"))]
    assert report["checker"]["nFatal"] == 0 and not ours, messages(report)


def test_the_first_layout_has_no_target_counter_per_mark(marks_book):
    """Issue 15: the back matter's numbers in the first layout are stand-ins, not a target-counter()
    per mark, which WeasyPrint resolves at a cost quadratic in the marks; the real, merged numbers
    come from where the marks fell (the pages printed are checked above)."""
    from weasyprint.formatting_structure import boxes

    from herpress.pdf import profiles
    from herpress.pdf.backmatter import first_pages
    from herpress.pdf.interior import Typesetter

    document = Typesetter(marks_book.book, profiles.get("kdp")).render(24, [])
    start = first_pages(document)["glossary-section"]

    def stand_ins(box, inside=False):
        inside = inside or "page-ref" in ((box.element.get("class") or "") if box.element is not None else "")
        if inside and isinstance(box, boxes.TextBox):
            yield box.text
        for child in getattr(box, "children", None) or ():
            yield from stand_ins(child, inside)

    found = [text for page in document.pages[start:] for text in stand_ins(page._page_box)]
    marks = sum(len(e.uses) for e in marks_book.book.glossary) + sum(
        len(entry.locations) for main in marks_book.book.index for entry in (main, *main.subentries)
        if not entry.see)
    assert found == ["000"] * marks


def test_a_title_in_an_entry_is_italic_in_both_media_and_sorted_by_its_letters(sample):
    """``{^*Her*}``: the film's title in italics, filed under H, in the EPUB's index and the print one."""
    from herpress.extensions.index import emphasis

    assert emphasis("*Her* (film) & *Adaptation*") == ("Her (film) & Adaptation",
                                                      "<em>Her</em> (film) &amp; <em>Adaptation</em>")
    entry = next(e for e in sample.book.index if e.term == "Her")
    assert entry.shown == "<em>Her</em>" and entry.letter == "H" and "*" not in entry.id
    assert not [e.term for e in sample.book.index if "*" in e.term]
    doc = epub_doc(sample.outputs["epub"], "index.xhtml")
    shown = doc.find(f".//{{{X}}}li[@id='{entry.id}']/{{{X}}}span/{{{X}}}em")
    assert shown is not None and shown.text == "Her"
    from herpress.pdf.interior import print_html

    assert f'id="{entry.id}"><em>Her</em>' in print_html(sample.book)


def test_an_index_mark_closes_where_it_is_in_the_print_html():
    """The print HTML is read by WeasyPrint's HTML parser, where ``<span …/>`` opens a span that
    never closes: written open and closed, a mark holds nothing of the text after it."""
    from herpress.xhtml import html_readable

    assert html_readable('<p>a<span class="ix" id="ix-a-1"/> b<br/><img src="i.png" alt="i"/><a id="x"/></p>') == \
        '<p>a<span class="ix" id="ix-a-1"></span> b<br/><img src="i.png" alt="i"/><a id="x"></a></p>'


def test_a_paragraph_of_a_thousand_marks_prints(tmp_path):
    """1,200 marks in one paragraph nested 1,200 spans deep, and WeasyPrint's style code ran out
    of stack (RecursionError, an internal error); now each mark is a span of its own."""
    from checks import write_manuscript

    from herpress.build import build

    marks = " ".join(f"Word {n}{{^Entry{n // 3:03d}!sub {n % 3}}} and {n}{{^Entry{n // 3:03d}}}." for n in range(600))
    book = write_manuscript(tmp_path / "book", {"book.toml": '[book]\ntitle = "Marks"\n[contents]\nchapters = ["a.md"]\n',
                                                "a.md": f"# A\n\n{marks}\n"})
    result = build(book, ("pdf",))
    assert result.outputs["pdf"].exists()
