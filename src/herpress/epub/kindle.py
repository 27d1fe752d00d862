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


def edition(publication: Publication) -> Publication:
    book = publication.book
    rasters = {figure.svg_name: figure.png_name for figure in book.figures}
    resources = []
    for resource in publication.resources:
        if resource.media_type == "image/svg+xml":
            png = rasters.get(resource.name) or str(PurePosixPath(resource.name).with_suffix(".png"))
            data = book.assets[png].data if resource.name in rasters else rasterise(resource.data)
            rasters[resource.name] = png
            resources.append(Resource(resource.uid, png, "image/png", opaque(data), resource.properties))
        else:
            resources.append(resource)
    documents = tuple(_without_svg(document, rasters) for document in publication.documents)
    return publication.changed(documents=documents, resources=tuple(resources))


def write(job, target) -> None:
    write_epub(job, target, edition, "kindle")


def _without_svg(document: Document, rasters: dict[str, str]) -> Document:
    """The document with each ``<picture>`` reduced to its ``<img>``, and each image of an SVG
    pointing at its raster."""
    if b"<picture" not in document.content and b".svg" not in document.content:
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
    content = etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>") + b"\n"
    return Document(document.name, document.title, content, document.properties)
