"""A :class:`~herpress.epub.documents.Publication` packed: the OPF's metadata, manifest and spine
written by ebooklib, then zipped byte-stable by :mod:`herpress.epub.ocf` (each file deflated once
per content, ``mimetype`` first and stored).

ebooklib writes the package uncompressed here; its entries are read back, the OPF finished with
what ebooklib cannot write (``xml:lang`` on the package, the creator's and title's refinements),
and the edition's own files outside the package (``META-INF/…``) added.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ebooklib import epub
from lxml import etree

from . import ocf
from ..clock import source_date
from .documents import Publication, isbn_urn

OPF_NS = "http://www.idpf.org/2007/opf"


def build_time() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; never before 1980 (zip)."""
    moment = source_date() or dt.datetime.now(dt.timezone.utc)
    return max(moment.replace(microsecond=0), dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc))


def pack(publication: Publication, target: Path, deflate_cache: Path | None = None) -> None:
    """Write ``publication`` to ``target``. ``deflate_cache``: a folder keeping each file's deflated
    bytes between builds (:mod:`herpress.epub.ocf`)."""
    meta = publication.book.metadata
    package = epub.EpubBook()
    package.set_identifier(meta.identifier)
    package.title = meta.title  # the NCX's title; the dc:title elements are the OPF's, below
    package.add_metadata("DC", "title", meta.title, {"id": "title"})
    if meta.subtitle:
        package.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
    package.set_language(meta.language)
    package.add_metadata("DC", "creator", meta.creator, {"id": "creator"})
    if meta.isbn and meta.identifier != isbn_urn(meta.isbn):
        package.add_metadata("DC", "identifier", isbn_urn(meta.isbn), {"id": "isbn"})
    package.add_metadata("DC", "publisher", meta.publisher)
    for name in ("date", "rights", "description"):
        if getattr(meta, name):
            package.add_metadata("DC", name, getattr(meta, name))
    for subject in meta.subjects:
        package.add_metadata("DC", "subject", subject)
    for prop, value in publication.meta:
        package.add_metadata(None, "meta", value, {"property": prop})
    package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # EPUB 2 readers, Kindle

    items = {}
    for document in publication.documents:
        item = epub.EpubItem(uid=document.name.removesuffix(".xhtml").replace("/", "-"), file_name=document.name,
                             media_type="application/xhtml+xml", content=document.content)
        item.properties = list(document.properties)
        package.add_item(item)
        items[document.name] = item
    for resource in publication.resources:
        kind = epub.EpubImage if resource.media_type.startswith("image/") else epub.EpubItem
        item = kind(uid=resource.uid, file_name=resource.name, media_type=resource.media_type, content=resource.data)
        item.properties = list(resource.properties)
        package.add_item(item)
    package.spine = [items[d.name] for d in publication.documents]
    package.toc = [epub.Link(href, title, uid) for href, title, uid in publication.toc]
    package.add_item(epub.EpubNcx())

    moment = build_time()
    packed = io.BytesIO()  # uncompressed: the container below deflates each file once
    epub.write_epub(packed, package, {"epub3_pages": False, "mtime": moment.replace(tzinfo=None),
                                      "raise_exceptions": True, "compresslevel": 0})
    entries = [(name, _finish_opf(data, publication) if name.endswith(".opf") else data)
               for name, data in ocf.read_entries(packed.getvalue())]
    ocf.write_ocf(target, entries + list(publication.extra), moment, cache=deflate_cache)


def file_as(name: str) -> str:
    """How a creator sorts: "Jonze, Spike" for "Spike Jonze"; a one-word name (a company) as it is."""
    words = name.split()
    return f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name


def _finish_opf(opf: bytes, publication: Publication) -> bytes:
    """What ebooklib cannot write: ``xml:lang`` on the package, and the refinements a store reads
    (the creator's role and sort name, which title is the subtitle, the series), as unprefixed
    ``<meta>`` elements at the end of the metadata."""
    meta = publication.book.metadata
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", meta.language)
    refinements = [("title", "title-type", "main", {})]
    if meta.subtitle:
        refinements.append(("subtitle", "title-type", "subtitle", {}))
    refinements += [("creator", "role", "aut", {"scheme": "marc:relators"}),
                    ("creator", "file-as", meta.creator_sort or file_as(meta.creator), {})]
    if meta.series:
        refinements.append((None, "belongs-to-collection", meta.series, {"id": "series"}))
        refinements.append(("series", "collection-type", "series", {}))
        if meta.series_position:
            refinements.append(("series", "group-position", str(meta.series_position), {}))
    if meta.isbn and meta.identifier != isbn_urn(meta.isbn):
        refinements.append(("isbn", "identifier-type", "15", {"scheme": "onix:codelist5"}))  # 15: ISBN-13
    lines = []
    for target, prop, value, attributes in refinements:
        attributes = {"property": prop, **({"refines": f"#{target}"} if target else {}), **attributes}
        lines.append("<meta " + " ".join(f"{name}={quoteattr(v)}" for name, v in attributes.items())
                     + f">{escape(value)}</meta>")
    text = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    end = text.rindex(b"</metadata>")  # written in the package's default namespace, as ebooklib's are
    return text[:end] + "".join(f"  {line}\n  " for line in lines).encode() + text[end:]
