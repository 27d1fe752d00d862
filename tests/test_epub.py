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


def _only_font_face_notes(report) -> None:
    """EPUBCheck -u says nothing but CSS-028, the note it prints for every declaration inside an
    @font-face rule whatever it holds (CSSHandler: ``if (inFontFace) report CSS_028``): the
    book's faces are embedded on purpose (issue 3, item 9), so that note is the one expected."""
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), messages(report)
    others = [m for m in report["messages"] if m["ID"] != "CSS-028"]
    assert others == [], messages(report)
    assert all(loc["path"] == "EPUB/css/epub.css" for m in report["messages"] for loc in m["locations"])


def test_sample_epub_passes_epubcheck_with_usage_messages(sample):
    _only_font_face_notes(epubcheck(sample.outputs["epub"], usage=True))


def test_init_book_epub_passes_epubcheck_with_usage_messages(init_book):
    _only_font_face_notes(epubcheck(init_book.outputs["epub"], usage=True))


def test_package_has_its_language_and_the_cover_in_reading_order(sample):
    opf = read(sample.outputs["epub"], "EPUB/content.opf")
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == sample.book.metadata.language
    manifest = {item.get("id"): item for item in opf.iterfind(".//opf:item", NS)}
    spine = opf.findall(".//opf:itemref", NS)
    assert manifest[spine[0].get("idref")].get("href") == "cover.xhtml" and spine[0].get("linear") != "no"
    image = next(item for item in manifest.values() if "cover-image" in (item.get("properties") or ""))
    cover = read(sample.outputs["epub"], "EPUB/cover.xhtml")
    img = cover.find(".//x:img", NS)
    assert img.get("src") == image.get("href") and sample.book.metadata.title in img.get("alt")
    nav = read(sample.outputs["epub"], "EPUB/nav.xhtml")
    landmarks = [a.get("{http://www.idpf.org/2007/ops}type")
                 for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)]
    assert landmarks[:4] == ["cover", "titlepage", "toc", "bodymatter"] and {"glossary", "index"} <= set(landmarks)


def test_the_typographic_cover_is_a_png_drawn_from_the_metadata(sample, tmp_path):
    from herpress.epub.cover_image import cover

    made = cover(sample.book)
    assert made.media_type == "image/png" and made.data.startswith(b"\x89PNG")
    assert cover(sample.book).data == made.data  # the same metadata draws the same bytes
    sample.book.metadata.title, title = "Another Title Entirely", sample.book.metadata.title
    try:
        assert cover(sample.book).data != made.data
    finally:
        sample.book.metadata.title = title


def test_epub_is_byte_identical_across_builds_with_source_date_epoch(init_book, tmp_path):
    import hashlib
    import os
    import subprocess
    import sys

    book_dir = init_book.book.root
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    digests = []
    for n in (1, 2):
        target = tmp_path / f"book-{n}.epub"
        run = subprocess.run([sys.executable, "-m", "herpress", "epub", str(book_dir), "-o", str(target)],
                             env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        digests.append(hashlib.sha256(target.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    opf = read(tmp_path / "book-1.epub", "EPUB/content.opf")
    assert opf.findtext(".//opf:meta[@property='dcterms:modified']", namespaces=NS) == "2023-11-14T22:13:20Z"


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


def test_charts_are_a_plain_svg_image_with_alt_text_and_a_data_table(sample):
    """Issue 16: an img of the SVG (foliate-js resolves no picture's source srcset), its labels
    drawn as outlines (an SVG in an img can read no font of the EPUB's); the PNG only in the
    Kindle edition."""
    figures = sample.book.figures
    assert len(figures) >= 2
    with zipfile.ZipFile(sample.outputs["epub"]) as archive:
        names = set(archive.namelist())
        for figure in figures:
            assert f"EPUB/{figure.svg_name}" in names and f"EPUB/{figure.png_name}" not in names
            svg = etree.fromstring(archive.read(f"EPUB/{figure.svg_name}"))
            assert not list(svg.iter("{http://www.w3.org/2000/svg}text"))  # no face to miss
            assert all(p.get("d") is not None for p in svg.iter("{http://www.w3.org/2000/svg}path"))
            chapter = next(c for c in sample.book.chapters if figure in c.figures)
            doc = etree.fromstring(archive.read(f"EPUB/{chapter.slug}.xhtml"))
            assert doc.find(".//x:picture", NS) is None
            element = doc.find(f".//x:figure[@id='{figure.id}']", NS)
            img = element.find("x:img", NS)
            assert img.get("src") == figure.svg_name and img.get("alt") == figure.spec.description
            table = doc.find(f".//x:table[@id='{img.get('aria-details')}']", NS)
            assert table is not None and table.find("x:caption", NS) is not None
            rows = table.findall("x:tbody/x:tr", NS)
            assert [r.findtext("x:th", namespaces=NS) for r in rows] == list(figure.spec.categories)
            assert all(th.get("scope") in ("col", "row") for th in table.iter(f"{{{NS['x']}}}th"))
            assert element[-1].tag == f"{{{NS['x']}}}figcaption"


def test_nav_lists_every_chapter_and_its_sections(sample):
    nav = read(sample.outputs["epub"], "EPUB/nav.xhtml")
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    hrefs = [a.get("href") for a in toc.iter(f"{{{NS['x']}}}a")]
    for chapter in sample.book.chapters:
        assert f"{chapter.slug}.xhtml" in hrefs
        for heading in (h for h in chapter.headings if h.level == 2):
            assert f"{chapter.slug}.xhtml#{heading.id}" in hrefs


def test_the_authors_cover_image_is_the_epub_cover(tmp_path, init_book):
    import shutil

    from herpress.build import build

    folder = tmp_path / "covered"
    shutil.copytree(init_book.book.root / "manuscript", folder / "manuscript")
    picture = init_book.book.assets[init_book.book.figures[0].png_name].data  # any real PNG will do
    (folder / "manuscript" / "front.png").write_bytes(picture)
    toml = folder / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace("rights = ", 'cover = "front.png"\nrights = ', 1))  # in [book]
    epub = build(folder, ("epub",)).outputs["epub"]
    opf = read(epub, "EPUB/content.opf")
    item = opf.find(".//opf:item[@properties='cover-image']", NS)
    with zipfile.ZipFile(epub) as archive:
        assert archive.read("EPUB/" + item.get("href")) == picture


def _chapter_body_as_before(env, chapter, links) -> str:
    """What ``epub._chapter_body`` wrote before issue 15: lxml's own prefix (ns0, ns1, …) on every
    note call, each replaced in the whole chapter's text — time quadratic in the notes."""
    import re

    from herpress.epub import documents as epub
    from herpress.xhtml import inner_xhtml, parse_html, parse_xhtml

    container = parse_xhtml(chapter.body_html)
    figures = {figure.label: figure for figure in chapter.figures}
    template = env.get_template("epub/figure.xhtml.j2")
    for placeholder in list(container.iterfind(".//figure[@data-figure]")):
        rendered = parse_html(template.render(figure=figures[placeholder.get("data-figure")]))[0]
        rendered.tail = placeholder.tail
        placeholder.getparent().replace(placeholder, rendered)
    for call in list(container.iterfind(".//a[@class='noteref']")):
        call.set(f"{{{epub.EPUB_NS}}}type", "noteref")
        call.set("role", "doc-noteref")
        sup = etree.Element("sup")
        sup.tail, call.tail = call.tail, None
        call.getparent().replace(call, sup)
        sup.append(call)
    for link in container.iter("a"):
        href = link.get("href", "")
        if href.startswith("#") and href[1:] in links and not links[href[1:]].startswith(epub.chapter_file(chapter) + "#"):
            link.set("href", links[href[1:]])
    markup = inner_xhtml(container)
    for prefix in set(re.findall(rf' xmlns:(ns\d+)="{re.escape(epub.EPUB_NS)}"', markup)):
        markup = markup.replace(f' xmlns:{prefix}="{epub.EPUB_NS}"', "").replace(f" {prefix}:type=", " epub:type=")
    return markup


def test_chapter_bodies_are_written_as_before_with_the_epub_prefix_declared_once(sample, marks_book):
    """Issue 15: the note calls' epub:type comes from a prefix declared once, not one per call
    replaced in the whole text; the documents are the same, byte for byte."""
    from herpress import styles
    from herpress.epub import documents as epub

    checked = 0
    for book in (sample.book, marks_book.book):
        env, links = styles.templates_for(book), epub._links(book)
        for chapter in book.chapters:
            body = epub._chapter_body(env, chapter, links)
            assert body == _chapter_body_as_before(env, chapter, links), chapter.slug
            assert "xmlns:" not in body
            checked += body.count('epub:type="noteref"')
    assert checked >= 10
