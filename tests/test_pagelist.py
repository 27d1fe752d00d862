"""The EPUB's page-list: the print edition's page numbers, placed where each printed page begins."""

from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree

from checks import epubcheck, folios, messages, pdf
from herpress import pagemap
from herpress.build import build

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


# where a span (phrasing content) may not be a child: tables, rows, lists and their like
NOT_PHRASING = {"table", "thead", "tbody", "tfoot", "tr", "colgroup", "ul", "ol", "dl", "select", "picture",
                "hgroup", "menu", "html", "head"}


def _page_list(epub):
    with zipfile.ZipFile(epub) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        entries = [(a.text, a.get("href")) for a in nav.iterfind(".//x:nav[@epub:type='page-list']//x:a", NS)]
        documents = {name.removeprefix("EPUB/"): etree.fromstring(archive.read(name))
                     for name in archive.namelist() if name.endswith(".xhtml")}
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    return entries, documents, opf


def _squash(text: str) -> str:
    return re.sub(r"[\s\u2010\u00ad-]+", "", text)


def _text_after(marker, limit: int = 40) -> str:
    """The text that follows ``marker`` in its document, skipping note calls."""
    out = [marker.tail or ""]
    for element in marker.itersiblings():
        out.append("".join(element.itertext()) + (element.tail or ""))
    parent = marker.getparent()
    while len(_squash("".join(out))) < limit and parent is not None:
        for element in parent.itersiblings():
            out.append("".join(element.itertext()))
        parent = parent.getparent()
    return _squash("".join(out))


def test_page_list_has_one_entry_per_numbered_printed_page_with_the_pdfs_folios(sample):
    entries, _, _ = _page_list(sample.outputs["epub"])
    printed = folios(sample.outputs["pdf"])
    assert [label for label, _ in entries] == [label for label in printed if label]
    assert len(entries) > 30


def test_every_page_list_target_is_a_pagebreak_marker_with_its_role_and_label(sample):
    entries, documents, _ = _page_list(sample.outputs["epub"])
    for label, href in entries:
        name, _, fragment = href.partition("#")
        marker = documents[name].find(f".//*[@id='{fragment}']")
        assert marker is not None, href
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == label


def _check_markers_stand_where_the_printed_pages_begin(result) -> int:
    """The words after each marker in the EPUB are the words at the top of that PDF page (a table's
    header repeated on a continuation page aside); returns how many markers stand mid-paragraph."""
    entries, documents, _ = _page_list(result.outputs["epub"])
    pages = {label: page for label, page in zip(folios(result.outputs["pdf"]), pdf(result.outputs["pdf"]).pages)
             if label}
    inside_paragraphs = 0
    for label, href in entries:
        name, _, fragment = href.partition("#")
        if name == "nav.xhtml":
            continue  # the printed contents page and the EPUB's nav are laid out differently
        marker = documents[name].find(f".//*[@id='{fragment}']")
        following = _text_after(marker)
        page_text = re.sub(r",?(?:on)?page\d+", "", _squash(pages[label].extract_text()))  # print-only xref words
        words = (marker.tail or "").split()
        # a page that begins inside a hyphenated word: the marker is at that word's start
        probe = following[len(words[0]):][:12] if words and words[0] not in page_text[:80] else following[:12]
        assert probe and probe in page_text[:400], (label, following[:40], page_text[:120])
        if marker.getparent().tag == f"{{{NS['x']}}}p" and (marker.tail or "").strip():
            inside_paragraphs += 1
    return inside_paragraphs


def test_each_marker_stands_where_the_printed_page_begins(sample):
    # pages that begin mid-paragraph are marked at the word, not the block
    assert _check_markers_stand_where_the_printed_pages_begin(sample) >= 5


def test_page_break_source_names_the_print_edition(sample):
    _, _, opf = _page_list(sample.outputs["epub"])
    source = opf.find(".//opf:meta[@property='pageBreakSource']", NS)
    meta = sample.book.metadata
    assert source is not None and source.text == (f"urn:isbn:{meta.isbn}" if meta.isbn else meta.identifier)


# A book whose tables and lists cross print pages (issue #13 item 5): a long table (its header
# repeated on each page it continues on), a row too tall for one page, a long list with nested
# lists, a definition list and a code block.
ROWS = "\n".join(f"| row {n} | value {n} with some words | {n * 7} |" for n in range(1, 81))
TALL_CELL = " ".join(f"word{n}" for n in range(700))
ITEMS = "\n".join(f"- item {n}, a list item with a few words in it"
                  + (f"\n    - nested {n}a, an item of a list inside the list\n    - nested {n}b" if n % 3 == 0 else "")
                  for n in range(1, 71))
TERMS = "\n\n".join(f"Term {n}\n:   The definition of term {n}, in a few words." for n in range(1, 41))
CODE = "```\n" + "\n".join(f"line {n} of the listing" for n in range(1, 61)) + "\n```"


@pytest.fixture(scope="module")
def crossing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crossing")
    manuscript = folder / "manuscript"
    manuscript.mkdir()
    (manuscript / "book.toml").write_text(
        '[book]\ntitle = "Crossing"\ncreator = "T"\npublisher = "T"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000cc"\n\n[contents]\nchapters = ["long.md"]\n')
    (manuscript / "long.md").write_text(
        "# Tables and Lists {#ch:long}\n\nA paragraph before the table.\n\n"
        "Table: A long table {#tab:long}\n\n| Name | Value | Number |\n|---|---|---|\n" + ROWS + "\n\n"
        "A paragraph between.\n\n| Short | Tall |\n|---|---|\n| short | " + TALL_CELL + " |\n| x | y |\n\n"
        + ITEMS + "\n\nAfter the list.\n\n" + TERMS + "\n\nA listing:\n\n" + CODE + "\n\nThe end.\n")
    return build(folder)


def _markers(epub) -> list:
    """Every page-break marker of the EPUB's XHTML documents, in reading (spine) order."""
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", NS)}
        spine = [hrefs[ref.get("idref")] for ref in opf.iterfind(".//opf:spine/opf:itemref", NS)]
        found = []
        for name in spine:
            document = etree.fromstring(archive.read(f"EPUB/{name}"))
            found += [(name, e) for e in document.iter(f"{{{NS['x']}}}span") if e.get(EPUB_TYPE) == "pagebreak"]
    return found


def test_crossing_book_epub_passes_epubcheck_without_error_or_warning(crossing):
    report = epubcheck(crossing.outputs["epub"])
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), messages(report)


def test_no_marker_is_a_child_of_a_table_a_row_or_a_list(crossing):
    markers = _markers(crossing.outputs["epub"])
    parents = [etree.QName(marker.getparent()).localname for _, marker in markers]
    assert not set(parents) & NOT_PHRASING, parents
    # the table and the list do cross pages: some markers start a cell, a list item, a term
    assert {"td", "th", "li", "dt", "dd"} & set(parents) >= {"td", "li"}


def test_pages_that_begin_at_a_table_row_are_marked_in_its_first_cell(crossing):
    rows = [marker.getparent().getparent() for _, marker in _markers(crossing.outputs["epub"])
            if etree.QName(marker.getparent()).localname in ("td", "th")]
    starts = [row for row in rows if "row" in "".join(row.itertext())]
    assert len(starts) >= 2  # the 80-row table continues on at least two pages
    for row in starts:
        cell = next(iter(row))
        assert etree.QName(cell[0]).localname == "span" and cell[0].get(EPUB_TYPE) == "pagebreak"
        assert not (cell.text or "").strip()


def test_markers_follow_in_page_order_and_the_page_list_names_each_page_once(crossing):
    entries, documents, _ = _page_list(crossing.outputs["epub"])
    labels = [label for label, _ in entries]
    printed = [label for label in folios(crossing.outputs["pdf"]) if label]
    assert labels == printed and len(set(labels)) == len(labels)
    in_reading_order = [marker.get("aria-label") for _, marker in _markers(crossing.outputs["epub"])]
    assert in_reading_order == labels  # the PDF's page order: no page number ever goes back
    arabic = [int(label) for label in in_reading_order if label.isdigit()]
    assert arabic == sorted(arabic) and len(arabic) >= 10
    for label, href in entries:
        name, _, fragment = href.partition("#")
        assert documents[name].find(f".//*[@id='{fragment}']") is not None, href


def test_crossing_book_markers_stand_where_the_printed_pages_begin(crossing):
    _check_markers_stand_where_the_printed_pages_begin(crossing)


# place_markers on its own, with the page starts a layout could give


def _document(body: str) -> etree._Element:
    return etree.fromstring(f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head>'
                            f"<body>{body}</body></html>")


def _start(label: str, block: int, offset: int = 0) -> pagemap.PageStart:
    return pagemap.PageStart(int(label), label, "chapter:t", block, offset, "", "")


def _placed(document) -> list[tuple[str, str, str]]:
    """(label, parent's tag, text that follows) of each marker, in document order."""
    return [(e.get("aria-label"), etree.QName(e.getparent()).localname, (e.tail or "").strip())
            for e in document.iter(f"{{{NS['x']}}}span") if e.get(EPUB_TYPE) == "pagebreak"]


TABLE = ("<p>Before.</p><table><caption>Cap</caption><thead><tr><th>H1</th><th>H2</th></tr></thead>"
         "<tbody><tr><td>a1</td><td>a2</td></tr><tr><td>b1</td><td><em>b2</em> more</td></tr></tbody></table>"
         "<p>After.</p>")


def test_a_page_beginning_at_a_row_is_marked_at_the_start_of_its_first_cell():
    document = _document(TABLE)  # blocks: 0 p, 1 caption, 2 tr (head), 3 tr, 4 tr, 5 p
    pagemap.place_markers(document, [_start("1", 1), _start("2", 2), _start("3", 3), _start("4", 4, offset=2)])
    assert _placed(document) == [("1", "caption", "Cap"), ("2", "th", "H1"), ("3", "td", "a1"), ("4", "td", "")]
    fourth = document.find(".//*[@id='page-4']")
    assert fourth.getnext().text == "b2"  # the page begins with the second cell's emphasis: marked before it
    assert "".join(document.find(".//{*}table").itertext()) == "CapH1H2a1a2b1b2 more"  # no text lost


def test_pages_collapsing_to_one_place_keep_their_order():
    document = _document(TABLE)
    # three pages beginning at one row (a long repeated header, say), and two at the region's start
    pagemap.place_markers(document, [_start("1", -1), _start("2", -1), _start("3", 3), _start("4", 3),
                                     _start("5", 3, offset=99)])
    placed = _placed(document)
    assert [label for label, _, _ in placed] == ["1", "2", "3", "4", "5"]
    assert [parent for _, parent, _ in placed] == ["body", "body", "td", "td", "td"]


def test_a_start_found_before_the_previous_page_goes_after_its_marker():
    document = _document(TABLE)
    pagemap.place_markers(document, [_start("1", 4), _start("2", 3)])
    assert _placed(document) == [("1", "td", ""), ("2", "td", "b1")]


LISTS = ("<ul><li>one</li><li>two<ul><li>two a</li><li>two b</li></ul></li><li><p>three</p></li></ul>"
         "<dl><dt>term</dt><dd>definition</dd></dl><pre><code>line 1\nline 2</code></pre>"
         "<figure><img src='x.png' alt='x'/><figcaption>Fig</figcaption></figure>")


def test_list_items_terms_code_and_figures_are_marked_where_a_span_may_stand():
    document = _document(LISTS)  # blocks: 0 li, 1 li, 2 li (nested), 3 li, 4 li, 5 p, 6 dt, 7 dd, 8 pre, 9 figure
    pagemap.place_markers(document, [_start("1", 1), _start("2", 2), _start("3", 4), _start("4", 5),
                                     _start("5", 6), _start("6", 7), _start("7", 8, offset=5),
                                     _start("8", 9)])
    assert _placed(document) == [("1", "li", "two"), ("2", "li", "two a"), ("3", "li", ""), ("4", "li", ""),
                                 ("5", "dt", "term"), ("6", "dd", "definition"), ("7", "code", "line 2"),
                                 ("8", "body", "")]
    assert document.find(".//*[@id='page-4']").getnext().tag.endswith("p")  # inside the item, before its p
    assert document.find(".//*[@id='page-8']").getnext().tag.endswith("figure")


def test_a_marker_never_goes_into_inline_svg_or_math():
    document = _document('<p>Text <svg xmlns="http://www.w3.org/2000/svg"><text>in svg</text></svg> after.</p>')
    pagemap.place_markers(document, [_start("1", 0, offset=4)])
    marker = document.find(".//*[@id='page-1']")
    assert etree.QName(marker.getparent()).localname == "p" and marker.getnext().tag.endswith("svg")


def test_a_page_is_found_by_its_blocks_text_the_nearest_one_when_several_have_it():
    # blocks: 0 "Same.", 1 "Other.", 2 "Same.", 3 "Third.", 4 "Same."; the print layout's ordinals are
    # off by one (a block print has and the EPUB has not, say)
    document = _document("<p>Same.</p><p>Other.</p><p>Same.</p><p>Third.</p><p>Same.</p>")
    starts = [pagemap.PageStart(1, "1", "chapter:t", 0, 0, "Other.", ""),
              pagemap.PageStart(2, "2", "chapter:t", 3, 0, "Nowhere.", ""),  # no block has its text: its ordinal
              pagemap.PageStart(3, "3", "chapter:t", 5, 0, "Same.", "")]  # of three "Same.", the nearest to 5
    pagemap.place_markers(document, starts)
    paragraphs = document.findall(f".//{{{NS['x']}}}p")
    assert [p.getprevious().get("aria-label") if p.getprevious() is not None else None for p in paragraphs] == \
        [None, "1", None, "2", "3"]
