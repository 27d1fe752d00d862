"""The EPUB 3: XHTML documents from templates, packed by ebooklib, then re-packed byte-stable.

ebooklib re-parses ``EpubHtml`` content and loses attributes on the way, so every
document goes in as a plain ``EpubItem`` whose bytes are written as they are
(``../shared/REFERENCE.md`` §2).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .. import styles
from ..model import Book, Chapter
from ..xhtml import inner_xhtml, parse_html, parse_xhtml

XHTML = "application/xhtml+xml"
EPUB_NS = "http://www.idpf.org/2007/ops"
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}


@dataclass
class Document:
    name: str  # file name inside the EPUB
    title: str
    content: bytes
    properties: tuple[str, ...] = ()


def build_time() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; never before 1980 (zip)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return max(moment.replace(microsecond=0), dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc))


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.slug}.xhtml"


def write_epub(book: Book, target: Path) -> None:
    env = styles.templates(book.style_dirs)
    meta = book.metadata
    links = _links(book)
    documents = [
        Document("titlepage.xhtml", "Title page", _render(env, "epub/titlepage.xhtml.j2", meta=meta)),
        Document("copyright.xhtml", "Copyright", _render(env, "epub/copyright.xhtml.j2", meta=meta)),
        Document("nav.xhtml", "Contents", _render(env, "epub/nav.xhtml.j2", meta=meta, toc=_toc(book),
                                                  landmarks=_landmarks(book)), ("nav",)),
    ]
    for chapter in book.chapters:
        body = _chapter_body(env, chapter, links)
        documents.append(Document(chapter_file(chapter), chapter.title,
                                  _render(env, "epub/chapter.xhtml.j2", meta=meta, chapter=chapter, body=body)))
    if book.glossary:
        documents.append(Document("glossary.xhtml", "Glossary",
                                  _render(env, "epub/glossary.xhtml.j2", meta=meta, glossary=book.glossary, links=links)))
    if book.index:
        documents.append(Document("index.xhtml", "Index",
                                  _render(env, "epub/index.xhtml.j2", meta=meta, index=book.index, links=links)))

    package = epub.EpubBook()
    package.set_identifier(meta.identifier)
    package.set_title(meta.title)
    package.set_language(meta.language)
    package.add_author(meta.creator)
    package.add_metadata("DC", "publisher", meta.publisher)
    for name in ("date", "rights", "description"):
        if getattr(meta, name):
            package.add_metadata("DC", name, getattr(meta, name))
    for subject in meta.subjects:
        package.add_metadata("DC", "subject", subject)
    _accessibility(package, book)

    items = {}
    for document in documents:
        item = epub.EpubItem(uid=document.name.removesuffix(".xhtml"), file_name=document.name,
                             media_type=XHTML, content=document.content)
        item.properties = list(document.properties)
        package.add_item(item)
        items[document.name] = item
    package.add_item(epub.EpubItem(uid="css", file_name="css/epub.css", media_type="text/css",
                                   content=styles.find(book.style_dirs, "epub.css").read_bytes()))
    for n, font in enumerate(styles.fonts(book.style_dirs, "text")):
        package.add_item(epub.EpubItem(uid=f"font-{n}", file_name=f"fonts/{font.name}",
                                       media_type=FONT_TYPES[font.suffix.lower()], content=font.read_bytes()))
    for n, figure in enumerate(book.figures):
        asset = book.assets[figure.svg_name]
        package.add_item(epub.EpubItem(uid=f"img-{n}", file_name=asset.name, media_type=asset.media_type, content=asset.data))

    package.spine = [items[d.name] for d in documents]
    package.toc = [epub.Link(chapter_file(c), c.title, c.slug) for c in book.chapters]
    package.add_item(epub.EpubNcx())

    moment = build_time()
    temporary = target.with_name(f".{target.name}.ebooklib")
    epub.write_epub(str(temporary), package, {"epub3_pages": False, "mtime": moment.replace(tzinfo=None),
                                              "raise_exceptions": True})
    try:
        _repack(temporary, target, moment)
    finally:
        temporary.unlink(missing_ok=True)


def _render(env, template: str, **context) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")


def _links(book: Book) -> dict[str, str]:
    """Every id in the book → the href that reaches it from another document."""
    owner = book.chapter_of_id()
    files = {c.slug: chapter_file(c) for c in book.chapters}
    links = {element_id: f"{files[slug]}#{element_id}" for element_id, slug in owner.items()}
    links.update({entry.id: f"glossary.xhtml#{entry.id}" for entry in book.glossary})
    return links


def _chapter_body(env, chapter: Chapter, links: dict[str, str]) -> str:
    container = parse_xhtml(chapter.body_html)
    figures = {figure.label: figure for figure in chapter.figures}
    template = env.get_template("epub/figure.xhtml.j2")
    for placeholder in list(container.iterfind(".//figure[@data-figure]")):
        rendered = parse_html(template.render(figure=figures[placeholder.get("data-figure")]))[0]
        rendered.tail = placeholder.tail
        placeholder.getparent().replace(placeholder, rendered)
    for call in list(container.iterfind(".//a[@class='noteref']")):
        call.set(f"{{{EPUB_NS}}}type", "noteref")
        call.set("role", "doc-noteref")
        sup = etree.Element("sup")
        sup.tail, call.tail = call.tail, None
        call.getparent().replace(call, sup)
        sup.append(call)
    for link in container.iter("a"):
        href = link.get("href", "")
        if href.startswith("#") and href[1:] in links and not links[href[1:]].startswith(chapter_file(chapter) + "#"):
            link.set("href", links[href[1:]])
    markup = inner_xhtml(container)
    return markup.replace(f' xmlns:ns0="{EPUB_NS}"', "").replace("ns0:type", "epub:type")


def _toc(book: Book) -> list[dict]:
    toc = []
    for chapter in book.chapters:
        prefix = f"{chapter.number}. " if chapter.number else ""
        children = [{"href": f"{chapter_file(chapter)}#{h.id}", "title": h.text} for h in chapter.headings if h.level == 2]
        toc.append({"href": chapter_file(chapter), "title": prefix + chapter.title, "children": children})
    if book.glossary:
        toc.append({"href": "glossary.xhtml", "title": "Glossary", "children": []})
    if book.index:
        toc.append({"href": "index.xhtml", "title": "Index", "children": []})
    return toc


def _landmarks(book: Book) -> list[dict]:
    marks = [
        {"type": "titlepage", "href": "titlepage.xhtml", "title": "Title page"},
        {"type": "toc", "href": "nav.xhtml#toc", "title": "Contents"},
        {"type": "bodymatter", "href": chapter_file(book.chapters[0]), "title": "Start of content"},
    ]
    if book.glossary:
        marks.append({"type": "glossary", "href": "glossary.xhtml", "title": "Glossary"})
    if book.index:
        marks.append({"type": "index", "href": "index.xhtml", "title": "Index"})
    return marks


def _accessibility(package: epub.EpubBook, book: Book) -> None:
    def meta(prop: str, value: str) -> None:
        package.add_metadata(None, "meta", value, {"property": prop})

    meta("schema:accessMode", "textual")
    if book.figures:
        meta("schema:accessMode", "visual")
    meta("schema:accessModeSufficient", "textual")
    for feature in ("structuralNavigation", "tableOfContents", "readingOrder", "alternativeText"):
        meta("schema:accessibilityFeature", feature)
    meta("schema:accessibilityHazard", "none")
    meta("schema:accessibilitySummary", "Structured with headings and a table of contents; every chart has a text description.")


def _repack(source: Path, target: Path, moment: dt.datetime) -> None:
    """Rewrite the zip so that the same book gives the same bytes: fixed dates, mimetype first."""
    date = moment.timetuple()[:6]
    with zipfile.ZipFile(source) as old:
        entries = [(info.filename, old.read(info.filename)) for info in old.infolist()]
    entries.sort(key=lambda entry: (entry[0] != "mimetype", entry[0] != "META-INF/container.xml", entry[0]))
    with zipfile.ZipFile(target, "w") as new:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            new.writestr(info, data)
