"""The glossary: marked uses, definitions, warnings; page lists in print, links both ways in the EPUB."""

from __future__ import annotations

import pytest
from backmatter_checks import X, anchor_pages, epub_ids, expand, flat, printed_glossary, ranges, resolve
from checks import folios, pdf, write_manuscript

from herpress.errors import BookError
from herpress.reader import load_book
from herpress.xhtml import parse_xhtml

BOOK = """[book]
title = "G"
creator = "T"
publisher = "T"
identifier = "urn:uuid:00000000-0000-4000-8000-0000000000bb"

[contents]
chapters = ["one.md"]
glossary = "glossary.md"
"""
GLOSSARY = "# Glossary\n\nzeal\n:   Energy.\n\nÉlan\n:   Style.\n\nEcho\n:   Again.\n\nApple\n:   Fruit.\n\nunused\n:   Never.\n"


def load(tmp_path, one: str, glossary: str = GLOSSARY):
    return load_book(write_manuscript(tmp_path, {"book.toml": BOOK, "one.md": one, "glossary.md": glossary}))


def test_entries_sort_ignoring_case_and_accents(tmp_path):
    book = load(tmp_path, "# One\n\n[[zeal]] [[élan]] [[ECHO]] [[apple]] [[unused]]\n")
    assert [e.term for e in book.glossary] == ["Apple", "Echo", "Élan", "unused", "zeal"]


def test_uses_link_to_their_definition_with_shown_text(tmp_path):
    book = load(tmp_path, "# One\n\nAn [[ÉLAN]] and [[bounce|echo]].[^n]\n\n[^n]: Note on [[apple]].\n")
    body = parse_xhtml(book.chapters[0].body_html)
    uses = {a.text: a.get("href") for a in body.iterfind(".//a[@class='glossterm']")}
    assert uses == {"ÉLAN": "#gl-elan", "bounce": "#gl-echo"}
    apple = next(e for e in book.glossary if e.term == "Apple")
    assert [u.id for u in apple.uses] == ["gu-one-3"]  # a use in a footnote counts, in reading order
    assert 'href="#gl-apple"' in book.chapters[0].notes[0].html


def test_a_term_defined_but_never_used_is_a_warning_with_its_line(tmp_path):
    book = load(tmp_path, "# One\n\n[[zeal]] [[élan]] [[echo]] [[apple]]\n")
    (warning,) = book.warnings
    assert (str(warning.file), warning.line) == ("manuscript/glossary.md", 15)
    assert str(warning) == ("manuscript/glossary.md:15: warning: glossary term 'unused' is defined but never "
                            "marked in the text (mark a use with [[unused]])")


def test_an_undefined_term_is_an_error_at_its_line(tmp_path):
    with pytest.raises(BookError) as caught:
        load(tmp_path, "# One\n\nFine.\n\nBut [[nowhere]] here.\n")
    assert (str(caught.value.file), caught.value.line) == ("manuscript/one.md", 5)
    assert "'nowhere' is marked as a glossary term but the glossary does not define it" in caught.value.message


# --- print: each entry lists the pages where its marked uses really fall ------------------

def test_printed_page_lists_are_the_pages_of_the_uses(sample, sample_layout):
    reader = pdf(sample.outputs["pdf"])
    assert len(reader.pages) == sample_layout.page_count
    anchors, printed_folios = anchor_pages(sample_layout), folios(sample.outputs["pdf"])
    printed = printed_glossary(reader, [e.term for e in sample.book.glossary])
    for entry in sample.book.glossary:
        if not entry.uses:
            assert entry.term not in printed
            continue
        expected = {int(printed_folios[anchors[use.id]]) for use in entry.uses}
        assert printed.get(entry.term) == ranges(expected), entry.term
        assert set(expand(printed[entry.term])) == expected


def test_each_use_is_printed_on_the_page_it_is_listed_for(sample, sample_layout):
    reader = pdf(sample.outputs["pdf"])
    anchors = anchor_pages(sample_layout)
    texts = [flat(page.extract_text()).casefold() for page in reader.pages]
    for chapter in sample.book.chapters:
        markup = chapter.body_html + "".join(note.html for note in chapter.notes)
        for use in parse_xhtml(markup).iterfind(".//a[@class='glossterm']"):
            page = anchors[use.get("id")]
            word = flat(use.text).casefold()
            assert word in texts[page] or word.split()[0] in texts[page][-200:], (use.get("id"), word)


def test_ranges_and_repeats_on_one_page_are_merged(marks_book):
    reader = pdf(marks_book.outputs["pdf"])
    printed = printed_glossary(reader, [e.term for e in marks_book.book.glossary])
    assert printed["filler"] == "1\u20134"  # marked in every paragraph of pages 1 to 4
    assert printed["Echo"] == "1"  # marked twice on page 1
    assert "Zebra crossing" not in printed


# --- EPUB: use → definition → use --------------------------------------------------------

@pytest.mark.parametrize("which", ["sample", "marks_book"])
def test_epub_links_resolve_both_ways(which, request):
    result = request.getfixturevalue(which)
    ids = epub_ids(result.outputs["epub"])
    glossary = ids["glossary.xhtml"]
    for entry in result.book.glossary:
        term = glossary[entry.id]
        assert term.get("{http://www.idpf.org/2007/ops}type") == "glossterm"
        definition = term.getnext()
        assert definition.get("{http://www.idpf.org/2007/ops}type") == "glossdef"
        back = [a.get("href") for a in definition.iter(f"{{{X}}}a")]
        assert len(back) == len(entry.uses)
        for href in back:  # the definition links to each use, and that use links to the definition
            use = resolve(ids, "glossary.xhtml", href)
            assert use is not None and use.get("class") == "glossterm", href
            assert resolve(ids, href.partition("#")[0], use.get("href")) is term
    marked = [(name, e) for name, doc in ids.items() for e in doc.values() if e.get("class") == "glossterm"]
    assert len(marked) == sum(len(e.uses) for e in result.book.glossary)
    for name, use in marked:
        assert resolve(ids, name, use.get("href")).get("id").startswith("gl-")


# --- print: a glossary whose merged lists would move the index (issue 15) -----------------

FALLBACK_TERMS = ("Alpha", "Beta", "Gamma", "Delta")


@pytest.fixture(scope="module", params=["screen", "kdp"])
def shrinking_glossary(tmp_path_factory, request):
    """A book whose four glossary terms are each used 400 times on a few pages: listed use by use
    (as the first layout sets them) they fill more pages than merged into ranges, so that the
    merged lists would begin the index earlier than the contents says — where the contents is
    laid out first (the screen profile's one document). The printers' profiles lay the contents
    out last (:mod:`herpress.pdf.parts`)."""
    from herpress.build import build

    folder = tmp_path_factory.mktemp("shrinking")
    uses = " ".join(f"[[{term}]]" for term in FALLBACK_TERMS)
    paragraphs = "\n\n".join(" ".join([uses] * 25) + "." for _ in range(16))
    glossary = "# Glossary\n\n" + "".join(f"{term}\n:   The term {term}.\n\n" for term in FALLBACK_TERMS)
    write_manuscript(folder, {
        "book.toml": BOOK.replace('["one.md"]', '["one.md", "two.md"]'),
        "one.md": "# One\n\n" + paragraphs + "\n\nAn index mark{^mark}.\n",
        "two.md": "# Two\n\nAnother mark{^mark} and one more{^other}.\n",
        "glossary.md": glossary})
    return build(folder, profile=request.param)


def test_when_merged_lists_would_move_the_index_the_glossary_keeps_its_first_shape(shrinking_glossary):
    """In one document, the glossary keeps the shape of the first layout; laid out in parts, the
    contents comes last and names wherever the merged lists begin the index. Either way the
    contents names the index's real page and no stand-in is printed."""
    import re

    from backmatter_checks import heading_page, lines_between
    from checks import page_lines

    result = shrinking_glossary
    reader = pdf(result.outputs["pdf"])
    printed_folios = folios(result.outputs["pdf"])
    index_page = heading_page(reader, "Index", after=3)
    contents = next(n for n in range(len(reader.pages))
                    if any(text.strip() == "Contents" for _, text in page_lines(reader.pages[n])[:3]))
    named = [re.findall(r"\d+", text) for _, text in page_lines(reader.pages[contents]) if "Index" in text]
    assert named and named[0][-1] == printed_folios[index_page]  # the contents names the index's real page

    glossary_page = heading_page(reader, "Glossary", after=3)
    lines = [text.strip() for n in range(glossary_page, index_page) for _, text in page_lines(reader.pages[n])
             if text.strip() not in (printed_folios[n], "G", "Glossary")]  # not the running heads and folios
    assert not any("000" in line for line in lines)  # no stand-in is printed
    listed, current = {}, None
    for line in lines:
        if line in FALLBACK_TERMS:
            current = line
        elif current and re.match(r"Pages?\s*\d|\d", line):
            listed.setdefault(current, []).extend(int(n) for n in re.findall(r"\d+", line))
    if result.book.print_settings.profile == "screen":
        for entry in result.book.glossary:  # each use's page, one by one: the shape of the first layout
            assert len(listed[entry.term]) == len(entry.uses) == 400, entry.term
            assert listed[entry.term] == sorted(listed[entry.term])
            assert set(listed[entry.term]) == set(range(1, max(listed[entry.term]) + 1))
        assert "\u2013" not in " ".join(lines)
    else:
        for entry in result.book.glossary:  # merged: one range over the pages the uses are on
            assert len(entry.uses) == 400 and len(listed[entry.term]) == 2, (entry.term, listed[entry.term])
            assert listed[entry.term][0] < listed[entry.term][1]
        assert "\u2013" in " ".join(lines)
    index = lines_between(reader, index_page, len(reader.pages))
    assert any(re.fullmatch(r"mark, \d+, \d+", line) for line in index), index  # the index is merged as ever
