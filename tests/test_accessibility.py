"""Accessibility: metadata derived from the content, semantics in every document, the claim rule."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile

import pytest
from lxml import etree

from herpress.errors import BookError
from herpress.reader import load_book
from herpress.epub.output import write_epub

NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# epub:type values that have a DPUB-ARIA role; the others (backmatter, titlepage, cover,
# landmarks, glossterm, index-group, …) have none, so nothing is paired with them
ROLES = {"chapter": "doc-chapter", "noteref": "doc-noteref", "footnote": "doc-footnote", "endnotes": "doc-endnotes",
         "glossary": "doc-glossary", "index": "doc-index", "pagebreak": "doc-pagebreak", "toc": "doc-toc",
         "page-list": "doc-pagelist", "introduction": "doc-introduction", "conclusion": "doc-conclusion",
         "appendix": "doc-appendix", "bibliography": "doc-bibliography", "epigraph": "doc-epigraph"}


def properties(epub) -> dict[str, list[str]]:
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    found: dict[str, list[str]] = {}
    for meta in opf.iterfind(".//opf:meta[@property]", NS):
        found.setdefault(meta.get("property"), []).append(meta.text)
    return found


def documents(epub):
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            if name.endswith(".xhtml"):
                yield name, etree.fromstring(archive.read(name))


def test_metadata_follows_from_what_the_sample_holds(sample):
    found = properties(sample.outputs["epub"])
    assert set(found["schema:accessMode"]) == {"textual", "visual"}  # it has charts
    assert "textual" in found["schema:accessModeSufficient"]
    features = set(found["schema:accessibilityFeature"])
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "alternativeText", "longDescription",
            "pageNavigation", "printPageNumbers", "pageBreakMarkers", "index"} <= features
    assert found["schema:accessibilityHazard"] == ["none"]
    summary = found["schema:accessibilitySummary"][0]
    assert f"{len(sample.book.figures)} charts" in summary and f"{len(sample.book.glossary)} terms" in summary
    assert found["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert found["a11y:certifiedBy"] == [sample.book.metadata.publisher]


def test_a_book_without_charts_or_index_does_not_claim_their_features(init_book):
    found = properties(init_book.outputs["epub"])
    features = set(found["schema:accessibilityFeature"])
    if not init_book.book.figures:
        assert "longDescription" not in features
        assert "charts" not in found["schema:accessibilitySummary"][0]
    if not init_book.book.index:
        assert "index" not in features
    assert "printPageNumbers" in features  # it has a print edition too


def test_every_epub_type_has_its_aria_role_and_every_document_its_language(sample, init_book):
    for result in (sample, init_book):
        language = result.book.metadata.language
        for name, doc in documents(result.outputs["epub"]):
            assert doc.get("lang") == language and doc.get("{http://www.w3.org/XML/1998/namespace}lang") == language
            landmarks = set(doc.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS))  # links naming parts
            for element in doc.iter():
                kind = element.get(EPUB_TYPE)
                if kind not in ROLES or element in landmarks:
                    continue
                assert element.get("role") == ROLES[kind], (name, kind, element.get("role"))


def test_every_image_has_alt_text_and_headings_go_down_one_level_at_a_time(sample, init_book):
    for result in (sample, init_book):
        for name, doc in documents(result.outputs["epub"]):
            for img in doc.iter(f"{{{NS['x']}}}img"):
                assert (img.get("alt") or "").strip(), (name, img.get("src"))
            levels = [int(h.tag[-1]) for h in doc.iter() if isinstance(h.tag, str)
                      and h.tag[-2:-1] == "h" and h.tag[-1].isdigit() and h.tag.startswith(f"{{{NS['x']}}}")]
            for before, after in zip(levels, levels[1:]):
                assert after <= before + 1, (name, levels)


def test_notes_pop_up_markup(sample):
    """id on the note itself, sup outside the link, the backlink first (REFERENCE.md §3)."""
    for chapter in (c for c in sample.book.chapters if c.notes):
        doc = dict(documents(sample.outputs["epub"]))[f"EPUB/{chapter.slug}.xhtml"]
        for note in chapter.notes:
            aside = doc.find(f".//x:aside[@id='{note.id}']", NS)
            assert aside.get(EPUB_TYPE) == "footnote"
            first_link = next(aside.iter(f"{{{NS['x']}}}a"))
            assert first_link.get("href") == f"#{note.ref_id}" and first_link.get("role") == "doc-backlink"
            call = doc.find(f".//x:a[@id='{note.ref_id}']", NS)
            assert call.get("href") == f"#{note.id}" and call.getparent().tag == f"{{{NS['x']}}}sup"


@pytest.fixture
def sample_copy(sample_dir, tmp_path):
    shutil.copytree(sample_dir / "manuscript", tmp_path / "manuscript")
    return tmp_path


def test_a_chart_without_a_description_loses_the_conformance_claim(sample_copy, tmp_path):
    """The chart parser already refuses a chart block without ``description``; a Book can still
    reach the writer with an empty one (another reader, a blank string): then no claim is made."""
    book = load_book(sample_copy, cache_dir=tmp_path / "cache")
    figure = book.figures[0]
    figure.spec = dataclasses.replace(figure.spec, description="  ")
    write_epub(book, tmp_path / "book.epub")
    found = properties(tmp_path / "book.epub")
    assert "dcterms:conformsTo" not in found and "a11y:certifiedBy" not in found
    assert found["schema:accessModeSufficient"] == ["textual,visual"]
    assert "does not meet WCAG 2.2 AA" in found["schema:accessibilitySummary"][0]


def test_an_image_without_alt_text_fails_the_build_at_its_line(sample_copy, tmp_path):
    chapter = sample_copy / "manuscript" / "conclusion.md"
    lines = chapter.read_text(encoding="utf-8").split("\n")
    lines.insert(3, '\n<img src="data/still.png"/>\n')
    chapter.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BookError) as raised:  # the reader refuses it: no writer ever sees the book
        load_book(sample_copy, cache_dir=tmp_path / "cache")
    assert str(raised.value).startswith("manuscript/conclusion.md:5:") and "alt text" in str(raised.value)
