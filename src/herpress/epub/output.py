"""The EPUB and its store editions as formats of :mod:`herpress.outputs`.

One build renders the book's :class:`~herpress.epub.documents.Publication` once; each edition
(:mod:`.kindle`, :mod:`.kobo`, :mod:`.apple`) makes a changed copy of it, and each is packed on
its own (:mod:`.package`). The universal EPUB is the publication as rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .. import cache
from .documents import Publication, render
from .package import pack

NO_PAGE_NUMBERS = "no print page numbers: run 'herpress build' to include them"

Edition = Callable[[Publication], Publication]


def write(job, target: Path, edition: Edition | None = None, name: str = "epub") -> None:
    """Write the book's EPUB (changed by ``edition``) to ``target``, with the print edition's
    page numbers when this build laid it out or the last layout is of the same content."""
    publication = job.shared("epub", lambda: _publication(job))
    deflated = cache.cache_dir(job.out) / "deflate"  # each edition its own: each keeps only what it used
    pack(edition(publication) if edition else publication, target,
         deflate_cache=deflated if name == "epub" else deflated / name)
    notices = [NO_PAGE_NUMBERS] if job.starts is None else []
    job.notices += notices
    job.facts[name] = {"notices": notices, "layout_key": job.layout_key}


def _publication(job) -> Publication:
    if job.starts is None and job.layout_key:
        job.starts = cache.load_page_map(job.out, job.layout_key)
    book = job.book
    drawn = cached_cover(book, job.out, job.inputs) if book.cover is None and job.inputs is not None else None
    memo = cache.BlobCache(cache.cache_dir(job.out) / "documents", cache.digest_of(job.inputs.code, job.inputs.styles)) \
        if job.inputs is not None else None
    publication = render(book, job.starts or [], drawn, memo)
    if memo is not None:
        memo.keep_only_used()
    return publication


def write_epub(book, target: Path, print_layout=None, starts: list | None = None,
               drawn_cover: bytes | None = None, deflate_cache: Path | None = None,
               edition: Edition | None = None) -> None:
    """Write the book's EPUB outside a build (tests, scripts): with ``print_layout``
    (:func:`herpress.pdf.interior.layout` of the same book) or its ``starts``, it carries the
    print edition's page numbers."""
    from .. import pagemap

    if starts is None and print_layout is not None:
        starts = pagemap.page_starts(print_layout, book)
    publication = render(book, starts or [], drawn_cover)
    pack(edition(publication) if edition else publication, target, deflate_cache=deflate_cache)


def cached_cover(book, out: Path, inputs) -> bytes:
    """The typographic EPUB cover (:func:`herpress.epub.cover_image.typographic`), drawn once per
    metadata, fonts and herpress version: matplotlib is not even imported when it is cached."""
    path = cache.cache_dir(out) / "cover" / f"{cache.digest_of(inputs.code, inputs.styles, repr(book.metadata))}.png"
    data = cache.read_png(path)
    if data is None:  # absent, or damaged: drawn again
        from .cover_image import typographic
        from .raster import opaque

        data = opaque(typographic(book))  # kept opaque: no build converts it again
        cache.write_atomically(path, data)
    return data
