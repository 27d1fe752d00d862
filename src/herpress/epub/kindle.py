"""The Kindle edition, for KDP's EPUB upload: every image a flat, opaque raster.

KDP's converter drops SVG (Enhanced Typesetting does not support it, and text inside it is
lost) and refuses images with transparency, so this edition holds no SVG at all: each chart is
its PNG (drawn with the SVG, from the same data), each SVG of the author's is rasterised by
WeasyPrint's own SVG renderer (the print edition's) and pypdfium2, every PNG is flattened onto
white without an alpha channel, and none is larger than KDP takes (:mod:`herpress.epub.raster`). The notes are already in the markup Kindle pops up: an ``aside`` of
``epub:type="footnote"`` whose backlink opens it (``../shared/REFERENCE.md`` §3).
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath

from lxml import etree

from .documents import Document, Publication, Resource
from .output import write as write_epub
from .raster import opaque, rasterise

XHTML_NS = "http://www.w3.org/1999/xhtml"
SVG_NS = "http://www.w3.org/2000/svg"


def edition(publication: Publication) -> Publication:
    book = publication.book
    rasters = {figure.svg_name: figure.png_name for figure in book.figures}
    resources = []
    for resource in publication.resources:
        if resource.media_type == "image/svg+xml":
            png = rasters.get(resource.name) or str(PurePosixPath(resource.name).with_suffix(".png"))
            data = book.assets[png].data if resource.name in rasters else rasterise(resource.data, book)
            rasters[resource.name] = png
            resources.append(Resource(resource.uid, png, "image/png", opaque(data), resource.properties))
        else:
            resources.append(resource)
    documents = tuple(_without_svg(document, rasters, resources, book) for document in publication.documents)
    return publication.changed(documents=documents, resources=tuple(resources))


def write(job, target) -> None:
    write_epub(job, target, edition, "kindle")


def _without_svg(document: Document, rasters: dict[str, str], resources: list[Resource], book) -> Document:
    """The document with each ``<picture>`` reduced to its ``<img>``, each image of an SVG pointing
    at its raster, and each inline SVG of the author's raw HTML drawn as a PNG (added to
    ``resources``) in an ``img`` that says what its ``aria-label`` or ``title`` said."""
    if b"<picture" not in document.content and b".svg" not in document.content and SVG_NS.encode() not in document.content:
        return document
    tree = etree.fromstring(document.content)
    for picture in list(tree.iter(f"{{{XHTML_NS}}}picture")):
        image = picture.find(f"{{{XHTML_NS}}}img")
        if image is not None:
            image.tail = picture.tail
            picture.getparent().replace(picture, image)
    base = PurePosixPath(document.name).parent
    for image in tree.iter(f"{{{XHTML_NS}}}img"):
        src = image.get("src", "")
        name = posixpath.normpath(posixpath.join(str(base), src))
        if name in rasters:
            image.set("src", posixpath.relpath(rasters[name], str(base)))
    for n, svg in enumerate(list(tree.iter(f"{{{SVG_NS}}}svg"))):
        if svg.getparent() is None or any(a.tag == f"{{{SVG_NS}}}svg" for a in svg.iterancestors()):
            continue
        name = f"images/{PurePosixPath(document.name).stem}-svg-{n + 1}.png"
        resources.append(Resource(f"{PurePosixPath(document.name).stem}-svg-{n + 1}", name, "image/png",
                                  rasterise(etree.tostring(svg), book)))
        title = svg.find(f"{{{SVG_NS}}}title")
        alt = svg.get("aria-label") or (title.text if title is not None else "") or ""
        image = etree.Element(f"{{{XHTML_NS}}}img", src=posixpath.relpath(name, str(base)), alt=alt.strip())
        image.tail = svg.tail
        svg.getparent().replace(svg, image)
    content = etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>") + b"\n"
    return Document(document.name, document.title, content, tuple(p for p in document.properties if p != "svg"))
