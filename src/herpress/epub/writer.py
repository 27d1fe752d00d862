"""The EPUB 3: XHTML documents from templates, packed by ebooklib, zipped byte-stable (:mod:`.ocf`).

ebooklib re-parses ``EpubHtml`` content and loses attributes on the way, so every
document goes in as a plain ``EpubItem`` whose bytes are written as they are
(``../shared/REFERENCE.md`` §2).

Given the print layout of the same book, each document gets page-break markers where
the printed pages begin (:mod:`herpress.pagemap`) and the nav a page-list; the
accessibility metadata is derived from what the package ends up holding
(:mod:`herpress.epub.accessibility`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from . import ocf
from ..clock import source_date
from . import accessibility
from .. import pagemap, styles
from .cover_image import cover as make_cover
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
    moment = source_date() or dt.datetime.now(dt.timezone.utc)
    return max(moment.replace(microsecond=0), dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc))


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.slug}.xhtml"


def write_epub(book: Book, target: Path, print_layout=None, starts: list | None = None,
               drawn_cover: bytes | None = None, deflate_cache: Path | None = None) -> None:
    """Write the EPUB; with ``print_layout`` (:func:`herpress.pdf.interior.layout` of the same
    book), or the ``starts`` read from it (:func:`herpress.pagemap.page_starts`, as cached by
    :mod:`herpress.cache`), it carries the print edition's page numbers. ``drawn_cover``: the
    typographic cover, already drawn (see :func:`herpress.build.cached_cover`). ``deflate_cache``:
    a folder keeping each file's deflated bytes between builds (:mod:`herpress.epub.ocf`)."""
    env = styles.templates_for(book)
    meta = book.metadata
    links = _links(book)
    cover = make_cover(book, drawn_cover)
    if starts is None:
        starts = pagemap.page_starts(print_layout, book) if print_layout is not None else []
    starts = _markable(book, starts)
    documents = [
        Document("cover.xhtml", "Cover", _render(env, "epub/cover.xhtml.j2", meta=meta, cover=cover)),
        Document("titlepage.xhtml", "Title page", _render(env, "epub/titlepage.xhtml.j2", meta=meta)),
        Document("copyright.xhtml", "Copyright", _render(env, "epub/copyright.xhtml.j2", meta=meta)),
        Document("nav.xhtml", "Contents", _render(env, "epub/nav.xhtml.j2", meta=meta, toc=_toc(book),
                                                  landmarks=_landmarks(book), pages=_page_list(book, starts)),
                 ("nav",)),
    ]
    for chapter in book.chapters:
        body = _chapter_body(env, chapter, links)
        chapter = _notes_relinked(chapter, links)  # issue 5: glossary uses and cross-references in notes
        documents.append(Document(chapter_file(chapter), chapter.title,
                                  _render(env, "epub/chapter.xhtml.j2", meta=meta, chapter=chapter, body=body)))
    if book.glossary:
        documents.append(Document("glossary.xhtml", "Glossary",
                                  _render(env, "epub/glossary.xhtml.j2", meta=meta, glossary=book.glossary, links=links)))
    if book.index:
        documents.append(Document("index.xhtml", "Index",
                                  _render(env, "epub/index.xhtml.j2", meta=meta, index=book.index, links=links)))

    documents = _mark_pages(documents, starts, book)
    facts = accessibility.Facts(page_list=bool(starts), cover_image=True, data_tables=len(book.figures),
                                notes=sum(len(c.notes) for c in book.chapters))

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
    for prop, value in accessibility.metadata(book, facts):
        package.add_metadata(None, "meta", value, {"property": prop})
    if starts:
        package.add_metadata(None, "meta", _print_edition(meta), {"property": "pageBreakSource"})

    items = {}
    for document in documents:
        item = epub.EpubItem(uid=document.name.removesuffix(".xhtml"), file_name=document.name,
                             media_type=XHTML, content=document.content)
        item.properties = list(document.properties)
        package.add_item(item)
        items[document.name] = item
    fonts = embedded_fonts(book)
    package.add_item(epub.EpubItem(uid="css", file_name="css/epub.css", media_type="text/css",
                                   content=_declared_only(styles.find(book.style_dirs, "epub.css").read_bytes(),
                                                          {font.name for font in fonts})))
    for n, font in enumerate(fonts):
        package.add_item(epub.EpubItem(uid=f"font-{n}", file_name=f"fonts/{font.name}",
                                       media_type=FONT_TYPES[font.suffix.lower()], content=font.read_bytes()))
    cover_item = epub.EpubImage(uid="cover-image", file_name=cover.name, media_type=cover.media_type,
                                content=cover.data)
    cover_item.properties = ["cover-image"]
    package.add_item(cover_item)
    package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # EPUB 2 readers, Kindle
    figure_assets = {name for figure in book.figures for name in (figure.svg_name, figure.png_name)}
    for n, asset in enumerate(a for name, a in sorted(book.assets.items()) if name not in figure_assets):
        package.add_item(epub.EpubItem(uid=f"image-{n}", file_name=asset.name, media_type=asset.media_type,
                                       content=asset.data))  # the author's own images
    for n, figure in enumerate(book.figures):  # SVG, and PNG for reading systems (and stores) without SVG
        for kind, name in (("svg", figure.svg_name), ("png", figure.png_name)):
            asset = book.assets[name]
            package.add_item(epub.EpubItem(uid=f"img-{n}-{kind}", file_name=asset.name, media_type=asset.media_type,
                                           content=asset.data))

    package.spine = [items[d.name] for d in documents]
    package.toc = [epub.Link(chapter_file(c), c.title, c.slug) for c in book.chapters]
    package.add_item(epub.EpubNcx())

    moment = build_time()
    packed = io.BytesIO()  # uncompressed: the container below deflates each file once
    epub.write_epub(packed, package, {"epub3_pages": False, "mtime": moment.replace(tzinfo=None),
                                      "raise_exceptions": True, "compresslevel": 0})
    entries = [(name, _finish_opf(data, meta.language) if name.endswith(".opf") else data)
               for name, data in ocf.read_entries(packed.getvalue())]
    ocf.write_ocf(target, entries, moment, cache=deflate_cache)


def embedded_fonts(book: Book) -> list[Path]:
    """The text faces and, when the book has code, the code faces (theme.toml), each file once: the
    EPUB embeds them. The fallback faces are not embedded (a CJK face alone is MBs; reading systems
    have faces for other scripts)."""
    fragments = [c.body_html for c in book.chapters] + [n.html for c in book.chapters for n in c.notes] + \
        [entry.definition_html for entry in book.glossary]
    has_code = any("<code" in fragment or "<pre" in fragment for fragment in fragments)
    fonts = styles.fonts(book.style_dirs, "text") + (styles.fonts(book.style_dirs, "code") if has_code else [])
    named: dict[str, Path] = {}
    for font in fonts:
        named.setdefault(font.name, font)
    return list(named.values())


_FONT_FACE = re.compile(rb"@font-face\s*\{[^}]*\}\s*")
_FONT_URL = re.compile(rb"url\(\s*['\"]?(?:\.\./)?fonts/([^'\")]+)['\"]?\s*\)")


def _declared_only(css: bytes, embedded: set[str]) -> bytes:
    """The stylesheet without the @font-face rules whose font file the EPUB does not hold (a system
    face not installed here): EPUBCheck reports a reference to a missing file."""
    def keep(rule: re.Match) -> bytes:
        names = [name.decode() for name in _FONT_URL.findall(rule.group())]
        return rule.group() if not names or all(name in embedded for name in names) else b""
    return _FONT_FACE.sub(keep, css)


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
    # the epub prefix declared once, on the container: lxml would otherwise declare a prefix of its
    # own (ns0, ns1, …) on every note call, each to be replaced in the whole chapter's text (issue 15)
    container = etree.fromstring(f'<div xmlns:epub="{EPUB_NS}">{chapter.body_html}</div>')
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
    return _undeclared(container)


_EPUB_DECLARATION = f' xmlns:epub="{EPUB_NS}"'


def _undeclared(container) -> str:
    """What is inside ``container`` (parsed with the epub prefix declared on it) as XHTML, without
    the declaration lxml repeats in the start tag of each child: the document declares it."""
    lead = etree.Element("div")
    lead.text = container.text
    parts = [inner_xhtml(lead)]  # the text before the first child, escaped
    for child in container:
        markup = etree.tostring(child, method="xml", encoding="unicode", with_tail=True)
        end = markup.find(">")
        if _EPUB_DECLARATION in markup[:end]:  # namespace declarations come first in a start tag
            markup = markup[:end].replace(_EPUB_DECLARATION, "", 1) + markup[end:]
        parts.append(markup)
    return "".join(parts)


def _notes_relinked(chapter: Chapter, links: dict[str, str]) -> Chapter:
    """A copy of ``chapter`` whose notes' links to other documents name those documents."""
    import dataclasses

    notes = []
    for note in chapter.notes:
        container = parse_xhtml(note.html)
        for link in container.iter("a"):
            href = link.get("href", "")
            if href.startswith("#") and href[1:] in links and not links[href[1:]].startswith(chapter_file(chapter) + "#"):
                link.set("href", links[href[1:]])
        notes.append(dataclasses.replace(note, html=inner_xhtml(container)))
    return dataclasses.replace(chapter, notes=notes)


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
        {"type": "cover", "href": "cover.xhtml", "title": "Cover"},
        {"type": "titlepage", "href": "titlepage.xhtml", "title": "Title page"},
        {"type": "toc", "href": "nav.xhtml#toc", "title": "Contents"},
        {"type": "bodymatter", "href": chapter_file(book.chapters[0]), "title": "Start of content"},
    ]
    if book.glossary:
        marks.append({"type": "glossary", "href": "glossary.xhtml", "title": "Glossary"})
    if book.index:
        marks.append({"type": "index", "href": "index.xhtml", "title": "Index"})
    return marks


def _markable(book: Book, starts: list[pagemap.PageStart]) -> list[pagemap.PageStart]:
    """The page starts the EPUB can mark, in page order: each page once (its marker's id is made
    of its folio), and only in a document the EPUB has, so that every page-list link has a target."""
    files = {"titlepage.xhtml", "copyright.xhtml", "nav.xhtml"} | {chapter_file(c) for c in book.chapters}
    files |= {"glossary.xhtml"} if book.glossary else set()
    files |= {"index.xhtml"} if book.index else set()
    kept, labels = [], set()
    for start in sorted(starts, key=lambda s: s.page):
        if start.label and start.label not in labels and _region_file(book, start.region) in files:
            kept.append(start)
            labels.add(start.label)
    return kept


def _page_list(book: Book, starts: list[pagemap.PageStart]) -> list[dict]:
    return [{"href": f"{_region_file(book, start.region)}#page-{start.label}", "label": start.label} for start in starts]


def _region_file(book: Book, region: str) -> str | None:
    if region.startswith("chapter:"):
        return f"{region.removeprefix('chapter:')}.xhtml"
    return {"contents": "nav.xhtml", "titlepage": "titlepage.xhtml", "copyright": "copyright.xhtml",
            "glossary": "glossary.xhtml", "index": "index.xhtml"}.get(region)


def _mark_pages(documents: list[Document], starts: list[pagemap.PageStart], book: Book) -> list[Document]:
    """Put each printed page's break marker into the document where that page begins."""
    by_file: dict[str, list[pagemap.PageStart]] = {}
    for start in starts:
        by_file.setdefault(_region_file(book, start.region), []).append(start)
    marked = []
    for document in documents:
        if document.name in by_file:
            tree = etree.fromstring(document.content)
            pagemap.place_markers(tree, by_file[document.name])
            content = etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")
            document = Document(document.name, document.title, content + b"\n", document.properties)
        marked.append(document)
    return marked


def _print_edition(meta) -> str:
    """The print edition the page numbers come from: its ISBN, else the book's identifier."""
    return f"urn:isbn:{meta.isbn.replace('-', '')}" if meta.isbn else meta.identifier


def _finish_opf(opf: bytes, language: str) -> bytes:
    """What ebooklib cannot write: ``xml:lang`` on the package."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)
