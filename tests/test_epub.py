"""The EPUB writer, checked by the real EPUBCheck and by reading the package back."""

from __future__ import annotations

import zipfile

from lxml import etree

from checks import epubcheck, messages

NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml",
      "epub": "http://www.idpf.org/2007/ops", "dc": "http://purl.org/dc/elements/1.1/"}


def read(epub, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read(name))


def test_sample_epub_passes_epubcheck(sample):
    report = epubcheck(sample.outputs["epub"])
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), messages(report)


def test_init_book_epub_passes_epubcheck(init_book):
    report = epubcheck(init_book.outputs["epub"])
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), messages(report)


def test_package_carries_the_book_metadata(sample):
    opf = read(sample.outputs["epub"], "EPUB/content.opf")
    meta = sample.book.metadata
    assert opf.findtext(".//dc:title", namespaces=NS) == meta.title
    assert opf.findtext(".//dc:language", namespaces=NS) == meta.language
    assert opf.findtext(".//dc:identifier", namespaces=NS) == meta.identifier
    assert sorted(e.text for e in opf.iterfind(".//dc:subject", NS)) == sorted(meta.subjects)


def test_spine_follows_the_configured_chapter_order(sample):
    opf = read(sample.outputs["epub"], "EPUB/content.opf")
    manifest = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:item", NS)}
    spine = [manifest[ref.get("idref")] for ref in opf.iterfind(".//opf:itemref", NS)]
    chapters = [f"{c.slug}.xhtml" for c in sample.book.chapters]
    assert [name for name in spine if name in chapters] == chapters
    assert spine.index("nav.xhtml") < spine.index(chapters[0])


def test_every_chapter_document_keeps_its_title_language_and_notes(sample):
    lang = sample.book.metadata.language
    for chapter in sample.book.chapters:
        doc = read(sample.outputs["epub"], f"EPUB/{chapter.slug}.xhtml")
        assert doc.get("lang") == lang and doc.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        assert "".join(doc.find(".//x:h1", NS).itertext()).strip() == chapter.title
        notes = doc.findall(".//x:aside[@epub:type='footnote']", NS)
        assert [n.get("id") for n in notes] == [note.id for note in chapter.notes]
        calls = doc.findall(".//x:a[@epub:type='noteref']", NS)
        assert len(calls) >= len(chapter.notes)
        assert all(call.getparent().tag == f"{{{NS['x']}}}sup" for call in calls)


def test_charts_are_svg_images_with_alt_text(sample):
    figures = sample.book.figures
    assert len(figures) >= 2
    with zipfile.ZipFile(sample.outputs["epub"]) as archive:
        names = set(archive.namelist())
        for figure in figures:
            assert f"EPUB/{figure.svg_name}" in names
            chapter = next(c for c in sample.book.chapters if figure in c.figures)
            doc = etree.fromstring(archive.read(f"EPUB/{chapter.slug}.xhtml"))
            img = doc.find(f".//x:figure[@id='{figure.id}']/x:img", NS)
            assert img.get("src") == figure.svg_name and img.get("alt") == figure.spec.description


def test_nav_lists_every_chapter_and_its_sections(sample):
    nav = read(sample.outputs["epub"], "EPUB/nav.xhtml")
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    hrefs = [a.get("href") for a in toc.iter(f"{{{NS['x']}}}a")]
    for chapter in sample.book.chapters:
        assert f"{chapter.slug}.xhtml" in hrefs
        for heading in (h for h in chapter.headings if h.level == 2):
            assert f"{chapter.slug}.xhtml#{heading.id}" in hrefs
