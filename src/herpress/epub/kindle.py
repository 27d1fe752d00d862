"""The Kindle edition, for KDP's EPUB upload: every image a flat, opaque raster.

KDP's converter drops SVG (Enhanced Typesetting does not support it, and text inside it is
lost) and refuses images with transparency, so this edition holds no SVG at all: each chart is
its PNG (drawn with the SVG, from the same data), each SVG of the author's — a file or inline —
is rasterised by WeasyPrint's own SVG renderer (the print edition's) and pypdfium2, all in one
layout, every image is flattened onto white without an alpha channel, and none is larger than
KDP takes (:mod:`herpress.epub.raster`). The notes are already in the markup Kindle pops up: an ``aside`` of
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
    charts = {figure.svg_name: figure.png_name for figure in book.figures}
    svgs = [r for r in publication.resources if r.media_type == "image/svg+xml" and r.name not in charts]
    trees = {d.name: etree.fromstring(d.content) for d in publication.documents if _holds_svg(d)}
    inline = [(name, svg) for name, tree in trees.items() for svg in _outermost_svgs(tree)]
    drawn = iter(rasterise([r.data for r in svgs] + [etree.tostring(svg) for _, svg in inline], book))
    rasters = dict(charts)  # SVG in the package → its PNG
    resources = []
    for resource in publication.resources:
        if resource.media_type != "image/svg+xml":
            resources.append(resource)
            continue
        png = charts.get(resource.name) or str(PurePosixPath(resource.name).with_suffix(".png"))
        data = book.assets[png].data if resource.name in charts else next(drawn)
        rasters[resource.name] = png
        resources.append(Resource(resource.uid, png, "image/png", opaque(data), resource.properties))
    for n, (document, svg) in enumerate(inline):  # each inline SVG an img of its PNG
        name = f"images/{PurePosixPath(document).stem}-svg-{n + 1}.png"
        resources.append(Resource(f"{PurePosixPath(document).stem}-svg-{n + 1}", name, "image/png", next(drawn)))
        title = svg.find(f"{{{SVG_NS}}}title")
        alt = svg.get("aria-label") or (title.text if title is not None else "") or ""
        image = etree.Element(f"{{{XHTML_NS}}}img", src=posixpath.relpath(name, str(PurePosixPath(document).parent)),
                              alt=alt.strip())
        image.tail = svg.tail
        svg.getparent().replace(svg, image)
    documents = tuple(_without_svg(d, trees[d.name], rasters) if d.name in trees else d for d in publication.documents)
    return publication.changed(documents=documents, resources=tuple(resources))


def write(job, target) -> None:
    write_epub(job, target, edition, "kindle")


def _holds_svg(document: Document) -> bool:
    return any(mark in document.content for mark in (b"<picture", b".svg", SVG_NS.encode()))


def _outermost_svgs(tree) -> list:
    return [svg for svg in tree.iter(f"{{{SVG_NS}}}svg")
            if not any(a.tag == f"{{{SVG_NS}}}svg" for a in svg.iterancestors())]


def _without_svg(document: Document, tree, rasters: dict[str, str]) -> Document:
    """The document (its inline SVGs already replaced in ``tree``) with each ``<picture>`` reduced
    to its ``<img>``, and each image of an SVG pointing at its raster."""
    for picture in list(tree.iter(f"{{{XHTML_NS}}}picture")):
        image = picture.find(f"{{{XHTML_NS}}}img")
        if image is not None:
            image.tail = picture.tail
            picture.getparent().replace(picture, image)
    base = PurePosixPath(document.name).parent
    for image in tree.iter(f"{{{XHTML_NS}}}img"):
        name = posixpath.normpath(posixpath.join(str(base), image.get("src", "")))
        if name in rasters:
            image.set("src", posixpath.relpath(rasters[name], str(base)))
    content = etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>") + b"\n"
    return Document(document.name, document.title, content, tuple(p for p in document.properties if p != "svg"))
