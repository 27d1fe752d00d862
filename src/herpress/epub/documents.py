"""The EPUB's documents and files, rendered from the Book: a :class:`Publication` that an edition
may change (:mod:`herpress.epub.kindle`, :mod:`.kobo`, :mod:`.apple`) before
:mod:`herpress.epub.package` packs it.

ebooklib re-parses ``EpubHtml`` content and loses attributes on the way, so every
document is kept as the bytes the templates made, and packed as a plain ``EpubItem``
(``../shared/REFERENCE.md`` §2).

Given the print layout of the same book, each document gets page-break markers where
the printed pages begin (:mod:`herpress.pagemap`) and the nav a page-list; the
accessibility metadata is derived from what the publication holds
(:mod:`herpress.epub.accessibility`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from . import accessibility
from .. import pagemap, styles
from .cover_image import cover as make_cover
from .raster import opaque
from ..model import Book, Chapter
from ..xhtml import inner_xhtml, parse_html

XHTML = "application/xhtml+xml"
EPUB_NS = "http://www.idpf.org/2007/ops"
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}


@dataclass(frozen=True)
class Document:
    name: str  # file name inside the EPUB
    title: str
    content: bytes
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    """A file of the package that is not in the spine: the stylesheet, a font, an image."""

    uid: str
    name: str
    media_type: str
    data: bytes
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Publication:
    """Everything an EPUB holds, before it is packed. Editions make changed copies
    (``dataclasses.replace``); nothing here is shared mutable state."""

    book: Book
    documents: tuple[Document, ...]  # in reading order: the spine
    resources: tuple[Resource, ...]
    meta: tuple[tuple[str, str], ...]  # (property, value) of the package's <meta> elements
    toc: tuple[tuple[str, str, str], ...]  # (href, title, uid) of the NCX, for EPUB 2 readers
    extra: tuple[tuple[str, bytes], ...] = ()  # files outside the package (META-INF/…), as (name, data)

    def changed(self, **fields) -> "Publication":
        return dataclasses.replace(self, **fields)


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.slug}.xhtml"


def render(book: Book, starts: list | None = None, drawn_cover: bytes | None = None, memo=None) -> Publication:
    """The book's publication; with ``starts`` (:func:`herpress.pagemap.page_starts` of its print
    layout, or as cached by :mod:`herpress.cache`) it carries the print edition's page numbers.
    ``drawn_cover``: the typographic cover, already drawn (:func:`herpress.epub.output.cached_cover`).
    ``memo``: a :class:`herpress.cache.BlobCache` of chapter documents, each under a digest of
    everything it draws from the rest of the book (:func:`_chapter_inputs`): after a one-chapter
    edit, one chapter is rendered again, and those whose numbers, links or pages it moved."""
    env = styles.templates_for(book)
    meta = book.metadata
    links = _links(book)
    cover = make_cover(book, drawn_cover)
    starts = _markable(book, starts or [])
    by_file = _starts_by_file(book, starts)
    documents: list[Document] = []

    def add(name: str, title: str, content: bytes, properties: tuple[str, ...] = ()) -> None:
        documents.append(Document(name, title, _marked(content, by_file.get(name)), properties))

    add("cover.xhtml", "Cover", _render(env, "epub/cover.xhtml.j2", meta=meta, cover=cover))
    add("titlepage.xhtml", "Title page", _render(env, "epub/titlepage.xhtml.j2", meta=meta))
    add("copyright.xhtml", "Copyright", _render(env, "epub/copyright.xhtml.j2", meta=meta))
    add("nav.xhtml", "Contents", _render(env, "epub/nav.xhtml.j2", meta=meta, toc=_toc(book),
                                         landmarks=_landmarks(book), pages=_page_list(book, starts)), ("nav",))
    for chapter in book.chapters:  # marked as they are kept: a document from the memo is used as it is
        name = chapter_file(chapter)
        key = memo.key(*_chapter_inputs(chapter, links, by_file.get(name, []), meta)) if memo is not None else ""
        content = memo.get(key) if memo is not None else None
        if content is None:
            body = _chapter_body(env, chapter, links)
            relinked = _notes_relinked(chapter, links)  # issue 5: glossary uses and cross-references in notes
            content = _marked(_render(env, "epub/chapter.xhtml.j2", meta=meta, chapter=relinked, body=body),
                              by_file.get(name))
            if memo is not None:
                memo.put(key, content)
        documents.append(Document(name, chapter.title, content, _properties(content)))
    if book.glossary:
        add("glossary.xhtml", "Glossary", _render(env, "epub/glossary.xhtml.j2", meta=meta, glossary=book.glossary,
                                                  links=links))
    if book.index:
        add("index.xhtml", "Index", _render(env, "epub/index.xhtml.j2", meta=meta, index=book.index, links=links))
    facts = accessibility.Facts(page_list=bool(starts), cover_image=True, data_tables=len(book.figures),
                                notes=sum(len(c.notes) for c in book.chapters))
    meta_pairs = list(accessibility.metadata(book, facts))
    if starts:
        meta_pairs.append(("pageBreakSource", _print_edition(meta)))

    fonts = embedded_fonts(book)
    resources = [Resource("css", "css/epub.css", "text/css",
                          _declared_only(styles.find(book.style_dirs, "epub.css").read_bytes(),
                                         {font.name for font in fonts}))]
    resources += [Resource(f"font-{n}", f"fonts/{font.name}", FONT_TYPES[font.suffix.lower()], font.read_bytes())
                  for n, font in enumerate(fonts)]
    resources.append(Resource("cover-image", cover.name, cover.media_type, cover.data, ("cover-image",)))
    charts = {name for figure in book.figures for name in (figure.svg_name, figure.png_name, figure.print_svg_name)}
    resources += [Resource(f"image-{n}", asset.name, asset.media_type, asset.data)  # the author's own images
                  for n, asset in enumerate(a for name, a in sorted(book.assets.items()) if name not in charts)]
    resources += [Resource(f"chart-{n}", figure.svg_name, "image/svg+xml", book.assets[figure.svg_name].data)
                  for n, figure in enumerate(book.figures)]  # the PNGs only in the Kindle edition
    resources = [dataclasses.replace(r, data=opaque(r.data)) if r.media_type.startswith("image/")
                 and r.media_type != "image/svg+xml" else r for r in resources]
    toc = tuple((chapter_file(c), c.title, c.slug) for c in book.chapters)
    return Publication(book, tuple(documents), tuple(resources), tuple(meta_pairs), toc)


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
    container, body = etree.Element("div", nsmap={"epub": EPUB_NS}), chapter.tree_copy()  # the reader's tree
    container.text = body.text
    container.extend(body)
    figures = {figure.label: figure for figure in chapter.figures}
    template = env.get_template("epub/figure.xhtml.j2")
    for placeholder in list(container.iterfind(".//figure[@data-figure]")):
        rendered = parse_html(template.render(figure=figures[placeholder.get("data-figure")]))[0]
        rendered.tail = placeholder.tail
        placeholder.getparent().replace(placeholder, rendered)
    _foreign_in_their_namespaces(container)
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


FOREIGN = {"svg": "http://www.w3.org/2000/svg", "math": "http://www.w3.org/1998/Math/MathML"}


def _foreign_in_their_namespaces(container) -> None:
    """Inline SVG and MathML of the author's raw HTML, each in its own namespace: parsed as HTML
    they came without it, and in an XHTML document an ``svg`` of no namespace is no SVG (EPUBCheck
    RSC-005, and nothing is drawn)."""
    for name, namespace in FOREIGN.items():
        for element in list(container.iter(name)):
            if any(ancestor.tag in FOREIGN for ancestor in element.iterancestors()):
                continue  # inside another: moved with it
            markup = etree.tostring(element, encoding="unicode", with_tail=False)
            markup = re.sub(r'\sxmlns="[^"]*"', "", markup, count=1)
            foreign = etree.fromstring(f'<{name} xmlns="{namespace}"' + markup[len(name) + 1:])
            foreign.tail = element.tail
            element.getparent().replace(element, foreign)


def _properties(content: bytes) -> tuple[str, ...]:
    """The manifest properties a document's content asks for (EPUB 3: inline SVG, MathML)."""
    return tuple(prop for prop, namespace in (("svg", FOREIGN["svg"]), ("mathml", FOREIGN["math"]))
                 if namespace.encode() in content)


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
    notes = []
    for note in chapter.notes:
        container = note.tree_copy()
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


def _starts_by_file(book: Book, starts: list[pagemap.PageStart]) -> dict[str, list[pagemap.PageStart]]:
    by_file: dict[str, list[pagemap.PageStart]] = {}
    for start in starts:
        by_file.setdefault(_region_file(book, start.region), []).append(start)
    return by_file


def _marked(content: bytes, starts: list[pagemap.PageStart] | None) -> bytes:
    """A document with the break marker of each printed page that begins in it."""
    if not starts:
        return content
    tree = etree.fromstring(content)
    pagemap.place_markers(tree, starts)
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>") + b"\n"


_HREF = re.compile(r'href="#([^"]+)"')


def _chapter_inputs(chapter: Chapter, links: dict[str, str], starts: list, meta) -> tuple[str, ...]:
    """Everything a chapter's document is made from: its own text (in which the reader already
    wrote the numbers and labels it cites), where each of its links into another document leads,
    the printed pages that begin in it, and the book's metadata."""
    notes = [(note.id, note.ref_id, note.number, note.html) for note in chapter.notes]
    figures = [(f.id, f.number, f.svg_name, f.png_name, repr(f.spec)) for f in chapter.figures]
    targets = sorted({target for text in [chapter.body_html, *(n.html for n in chapter.notes)]
                      for target in _HREF.findall(text)})
    return (chapter.slug, chapter.id, chapter.kind, str(chapter.number), chapter.title, chapter.title_html,
            chapter.body_html, repr(notes), repr(figures), repr([(t, links.get(t)) for t in targets]),
            repr(starts), repr(meta))


def _print_edition(meta) -> str:
    """The print edition the page numbers come from: its ISBN, else the book's identifier."""
    return isbn_urn(meta.isbn) if meta.isbn else meta.identifier


def isbn_urn(isbn: str) -> str:
    return f"urn:isbn:{isbn.replace('-', '').replace(' ', '')}"
