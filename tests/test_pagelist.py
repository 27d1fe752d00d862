"""The EPUB's page-list: the print edition's page numbers, placed where each printed page begins."""

from __future__ import annotations

import re
import zipfile

from lxml import etree

from checks import folios, pdf

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


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


def test_each_marker_stands_where_the_printed_page_begins(sample):
    """The words after a marker in the EPUB are the words at the top of that PDF page."""
    entries, documents, _ = _page_list(sample.outputs["epub"])
    pages = {label: page for label, page in zip(folios(sample.outputs["pdf"]), pdf(sample.outputs["pdf"]).pages)
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
    assert inside_paragraphs >= 5  # pages that begin mid-paragraph are marked at the word, not the block


def test_page_break_source_names_the_print_edition(sample):
    _, _, opf = _page_list(sample.outputs["epub"])
    source = opf.find(".//opf:meta[@property='pageBreakSource']", NS)
    meta = sample.book.metadata
    assert source is not None and source.text == (f"urn:isbn:{meta.isbn}" if meta.isbn else meta.identifier)
