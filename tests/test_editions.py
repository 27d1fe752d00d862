"""Issue 16: the store editions (epub/kindle.py, kobo.py, apple.py), each from the one Publication.

The sample book's and the ``init`` book's editions are written once per session; each is checked
by the real EPUBCheck (two at a time: one JVM per core) and the sample book's by DAISY Ace.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import etree
from PIL import Image
from typer.testing import CliRunner

from herpress import validate
from herpress.build import epub as build_epub
from herpress.cli import app
from herpress.errors import BookError

STORES = ("kindle", "kobo", "apple")
X = "{http://www.w3.org/1999/xhtml}"
OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


@pytest.fixture(scope="session")
def editions(sample, init_book):
    """{(book, store): path} for the sample book and the init book (their page maps are cached)."""
    found = {}
    for name, built in (("sample", sample), ("init", init_book)):
        result = build_epub(built.book.root, STORES)
        assert set(result.outputs) == set(STORES)
        found.update({(name, store): path for store, path in result.outputs.items()})
    return found


def _chapters(archive: zipfile.ZipFile, book) -> list[str]:
    return [f"EPUB/{chapter.slug}.xhtml" for chapter in book.chapters]


def test_every_edition_passes_epubcheck(editions):
    with ThreadPoolExecutor(2) as pool:
        reports = dict(zip(editions, pool.map(validate.epubcheck, editions.values())))
    for key, report in reports.items():
        assert report is not None, "EPUBCheck is not installed: run scripts/setup --test"
        checker = report["checker"]
        assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0), \
            (key, validate.epubcheck_messages(report))


def test_every_sample_edition_passes_ace(editions, tmp_path):
    for store in STORES:
        report = validate.ace(editions["sample", store], tmp_path / store)
        assert report is not None, "DAISY Ace is not installed: run scripts/setup --test"
        assert validate.ace_violations(report) == [], store


def test_the_file_names_are_the_stores(editions, sample):
    slug = sample.book.slug
    assert {store: path.name for (book, store), path in editions.items() if book == "sample"} == \
        {"kindle": f"{slug}-kindle.epub", "kobo": f"{slug}.kepub.epub", "apple": f"{slug}-apple.epub"}


@pytest.mark.parametrize("book", ["sample", "init"])
def test_the_kindle_edition_holds_no_svg_and_no_image_with_alpha(editions, sample, book):
    with zipfile.ZipFile(editions[book, "kindle"]) as archive:
        names = archive.namelist()
        assert not [n for n in names if n.endswith(".svg")]
        opf = archive.read("EPUB/content.opf")
        assert b"image/svg+xml" not in opf
        pngs = [n for n in names if n.endswith(".png")]
        assert pngs
        for name in pngs:
            with Image.open(io.BytesIO(archive.read(name))) as image:
                assert image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info, name
                assert max(image.size) <= 2560 and archive.getinfo(name).file_size <= 5 * 2**20
        for name in (n for n in names if n.endswith(".xhtml")):
            text = archive.read(name)
            assert b"<picture" not in text and b"<svg" not in text and b".svg" not in text, name
            for img in etree.fromstring(text).iter(f"{X}img"):
                assert f"EPUB/{img.get('src')}" in names, (name, img.get("src"))
    if book == "sample":
        with zipfile.ZipFile(editions[book, "kindle"]) as archive:
            for figure in sample.book.figures:  # each chart is its PNG, drawn from the same data
                assert archive.read(f"EPUB/{figure.png_name}") == sample.book.assets[figure.png_name].data


def test_the_kindle_edition_rasterises_an_svg_of_the_authors(tmp_path, book):
    """An SVG image of the author's becomes an opaque PNG of its size, drawn as print draws it."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">'
           '<rect x="0" y="0" width="120" height="120" fill="#c00000"/></svg>')
    (book / "manuscript" / "diagram.svg").write_text(svg)
    chapter = next(p for p in sorted((book / "manuscript").glob("*.md")) if "glossary" not in p.name)
    chapter.write_text(chapter.read_text() + "\n\n![A red square on the left half](diagram.svg)\n")
    result = build_epub(book, ("kindle",))
    with zipfile.ZipFile(result.outputs["kindle"]) as archive:
        png = next(n for n in archive.namelist() if n.endswith("diagram.png"))
        with Image.open(io.BytesIO(archive.read(png))) as image:
            assert image.mode == "RGB" and image.size == (480, 240)
            assert image.getpixel((60, 120))[0] > 180 > image.getpixel((60, 120))[1]  # red
            assert image.getpixel((420, 120)) == (255, 255, 255)  # the transparent half, on white
        texts = [archive.read(n) for n in archive.namelist() if n.endswith(".xhtml")]
        assert any(b'src="diagram.png"' in t or b'diagram.png"' in t for t in texts)
    assert validate.epubcheck(result.outputs["kindle"])["checker"]["nError"] == 0


def _spanned(body) -> tuple[int, list[str]]:
    """Text nodes of the body outside what Kobo's form leaves alone, and those not in a koboSpan."""
    skipped = {"pre", "script", "style", "nav"}
    total, bare = 0, []

    def inside(element) -> tuple[bool, bool]:
        span = skip = False
        while element is not None:
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            span |= tag == "span" and element.get("class") == "koboSpan"
            skip |= tag in skipped or not str(element.tag).startswith(X)
            element = element.getparent()
        return span, skip

    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        for text, owner in ((element.text, element), (element.tail, element.getparent())):
            if text and text.strip() and owner is not None:
                span, skip = inside(owner)
                if not skip:
                    total += 1
                    if not span:
                        bare.append(text.strip()[:40])
    return total, bare


def test_the_kobo_edition_wraps_every_sentence_of_the_body_text(editions, sample):
    with zipfile.ZipFile(editions["sample", "kobo"]) as archive:
        spans = 0
        for name in _chapters(archive, sample.book):
            tree = etree.fromstring(archive.read(name))
            body = tree.find(f"{X}body")
            assert body[0].get("id") == "book-columns" and body[0][0].get("id") == "book-inner"
            total, bare = _spanned(body)
            assert total and bare == [], (name, bare[:5])
            ids = [s.get("id") for s in body.iter(f"{X}span") if s.get("class") == "koboSpan"]
            assert len(ids) == len(set(ids)) and all(i.startswith("kobo.") for i in ids)
            spans += len(ids)
        # at least one span per sentence: the sample book has more sentences than paragraphs
        sentences = sum(chapter.body_html.count(". ") for chapter in sample.book.chapters)
        assert spans >= sentences


def test_the_kobo_edition_keeps_every_word(editions, sample):
    from herpress import wordgate

    universal = wordgate.epub_words(sample.outputs["epub"], sample.book)
    kobo = wordgate.epub_words(editions["sample", "kobo"], sample.book)
    assert kobo == universal


def test_the_apple_edition_asks_for_the_embedded_faces(editions, sample):
    with zipfile.ZipFile(editions["sample", "apple"]) as archive:
        options = etree.fromstring(archive.read("META-INF/com.apple.ibooks.display-options.xml"))
        option = options.find("platform[@name='*']/option[@name='specified-fonts']")
        assert option is not None and option.text == "true"
        assert any(n.startswith("EPUB/fonts/") for n in archive.namelist())
    with zipfile.ZipFile(sample.outputs["epub"]) as universal:
        assert "META-INF/com.apple.ibooks.display-options.xml" not in universal.namelist()


def test_the_apple_edition_is_the_universal_epub_and_its_display_options(editions, sample):
    with zipfile.ZipFile(sample.outputs["epub"]) as universal, \
            zipfile.ZipFile(editions["sample", "apple"]) as apple:
        same = [n for n in universal.namelist() if n != "EPUB/content.opf" and universal.read(n) != apple.read(n)]
        assert same == []


def test_book_toml_stores_are_built_by_herpress_epub(book):
    toml = book / "manuscript" / "book.toml"
    toml.write_text(toml.read_text() + '\n[ebook]\nstores = ["kobo"]\n')
    result = build_epub(book)
    assert sorted(result.outputs) == ["epub", "kobo"]
    assert result.outputs["kobo"].name.endswith(".kepub.epub") and result.outputs["kobo"].is_file()
    again = build_epub(book)
    assert again.up_to_date and sorted(again.outputs) == ["epub", "kobo"]


def test_an_unknown_store_is_an_error_at_its_line(book):
    toml = book / "manuscript" / "book.toml"
    lines = toml.read_text().splitlines()
    toml.write_text("\n".join(lines) + '\n[ebook]\nstores = ["nook"]\n')
    with pytest.raises(BookError) as caught:
        build_epub(book)
    assert "unknown store 'nook' (one of kindle, kobo, apple)" in str(caught.value)
    assert str(caught.value).startswith(f"manuscript/book.toml:{len(lines) + 2}:")


def test_herpress_epub_for_a_store_writes_only_that_edition(book):
    runner = CliRunner()
    done = runner.invoke(app, ["epub", str(book), "--for", "kobo"])
    assert done.exit_code == 0, done.output
    built = sorted(p.name for p in (book / "build").glob("*.epub"))
    assert len(built) == 1 and built[0].endswith(".kepub.epub")
    wrong = runner.invoke(app, ["epub", str(book), "--for", "pdf"])
    assert wrong.exit_code == 1 and "'pdf' is not an ebook edition" in wrong.output


def test_the_package_names_the_creator_title_series_and_isbn_as_stores_read_them(book):
    toml = book / "manuscript" / "book.toml"
    text = toml.read_text().replace("[book]\n", '[book]\ncreator_sort = "Writer, A."\nseries = "Field Guides"\n'
                                    'series_position = 2\nisbn = "978-0-306-40615-7"\nsubtitle = "A Second Look"\n', 1)
    toml.write_text("\n".join(line for line in text.splitlines()
                              if not line.startswith("subtitle =") or "Second Look" in line) + "\n")
    result = build_epub(book, ("epub",))
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    metas = {(m.get("refines"), m.get("property")): m.text for m in opf.iterfind(".//opf:metadata/opf:meta", OPF)}
    assert metas["#creator", "file-as"] == "Writer, A." and metas["#creator", "role"] == "aut"
    assert metas["#title", "title-type"] == "main" and metas["#subtitle", "title-type"] == "subtitle"
    assert opf.find(".//dc:title[@id='subtitle']", OPF).text == "A Second Look"
    assert metas[None, "belongs-to-collection"] == "Field Guides" and metas["#series", "group-position"] == "2"
    assert opf.find(".//dc:identifier[@id='isbn']", OPF).text == "urn:isbn:9780306406157"
    report = validate.epubcheck(result.outputs["epub"])
    assert report["checker"]["nError"] == report["checker"]["nWarning"] == 0, validate.epubcheck_messages(report)
    meta = shutil.which("ebook-meta")
    assert meta, "calibre is not installed: run scripts/setup --test"
    shown = subprocess.run([meta, str(result.outputs["epub"])], capture_output=True, text=True, timeout=120).stdout
    assert "[Writer, A.]" in shown and "Field Guides #2" in shown and "A Second Look" in shown


def test_an_inline_svg_is_svg_in_the_epub_and_a_png_in_the_kindle_edition(book):
    chapter = next(p for p in sorted((book / "manuscript").glob("*.md")) if "glossary" not in p.name)
    chapter.write_text(chapter.read_text() + '\n\n<div class="art">\n<svg xmlns="http://www.w3.org/2000/svg" '
                       'width="100" height="50" role="img" aria-label="A blue box"><rect width="100" height="50" '
                       'fill="blue"/></svg>\n</div>\n')
    result = build_epub(book, ("epub", "kindle"))
    for edition, path in result.outputs.items():
        report = validate.epubcheck(path)
        assert report["checker"]["nError"] == report["checker"]["nWarning"] == 0, \
            (edition, validate.epubcheck_messages(report))
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        holding = [item for item in opf.iterfind(".//opf:item", OPF) if "svg" in (item.get("properties") or "")]
        assert len(holding) == 1
        doc = etree.fromstring(archive.read(f"EPUB/{holding[0].get('href')}"))
        svg = doc.find(".//{http://www.w3.org/2000/svg}svg")
        assert svg is not None and svg.find("{http://www.w3.org/2000/svg}rect") is not None
    with zipfile.ZipFile(result.outputs["kindle"]) as archive:
        doc = etree.fromstring(archive.read(f"EPUB/{holding[0].get('href')}"))
        assert doc.find(".//{http://www.w3.org/2000/svg}svg") is None
        image = next(img for img in doc.iter(f"{X}img") if img.get("alt") == "A blue box")
        with Image.open(io.BytesIO(archive.read(f"EPUB/{image.get('src')}"))) as png:
            assert png.mode == "RGB" and png.getpixel((10, 10))[2] > 200 > png.getpixel((10, 10))[0]


def test_a_transparent_gif_of_the_authors_is_flattened_onto_white(book):
    """KDP and Kobo refuse transparency in any image: a GIF with a transparent colour stays a GIF
    (its references unchanged), that colour white."""
    gif = io.BytesIO()
    image = Image.new("P", (40, 20), 1)
    image.putpalette([0, 0, 0, 200, 0, 0] + [255, 255, 255] * 254)
    for x in range(20):
        for y in range(20):
            image.putpixel((x, y), 0)  # the left half transparent (index 0), the right half red
    image.save(gif, format="GIF", transparency=0)
    (book / "manuscript" / "dot.gif").write_bytes(gif.getvalue())
    chapter = next(p for p in sorted((book / "manuscript").glob("*.md")) if "glossary" not in p.name)
    chapter.write_text(chapter.read_text() + "\n\n![A red bar on the right half](dot.gif)\n")
    result = build_epub(book, ("epub", "kobo"))
    for path in result.outputs.values():
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith("dot.gif"))
            with Image.open(io.BytesIO(archive.read(name))) as flat:
                assert flat.format == "GIF" and "transparency" not in flat.info
                rgb = flat.convert("RGB")
                assert rgb.getpixel((5, 10)) == (255, 255, 255) and rgb.getpixel((30, 10))[0] > 150


def test_each_edition_keeps_its_own_deflated_files(book):
    """The deflate cache forgets what a packing did not use: one folder per edition, so packing the
    Kobo edition does not throw away the universal EPUB's files (and the next build deflates none)."""
    result = build_epub(book, ("epub", "kobo"))
    deflated = book / "build" / ".cache" / "deflate"
    for folder, path in ((deflated, result.outputs["epub"]), (deflated / "kobo", result.outputs["kobo"])):
        kept = {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
        with zipfile.ZipFile(path) as archive:
            compressed = [i for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED]
        distinct = {(i.CRC, i.file_size) for i in compressed}  # each content deflated once
        assert compressed and len(kept) >= len(distinct), (folder, len(kept), len(distinct))
