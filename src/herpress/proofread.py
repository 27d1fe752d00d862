"""Every build reads its outputs back before they replace the last ones: nothing lost, nothing past the page.

Two checks, on the temporary files a build has just written (:func:`herpress.build.build`):

* the word gate (:mod:`herpress.wordgate`): per chapter, the words of the Book, of the EPUB
  and of the printed pages; a chapter a medium lost words of is an error, and the build
  replaces nothing;
* the page fit (:mod:`herpress.pdf.pagefit`): what crosses the text block's sides, a warning with
  the file and line it comes from (an error with ``--strict``), and what lies within the print
  profile's safety margin of the trim, an error as a printer's check would make it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import BookError, Problems
from .model import Book, BookWarning


@dataclass
class Proof:
    warnings: list[BookWarning] = field(default_factory=list)
    errors: list[BookError] = field(default_factory=list)
    counts: list = field(default_factory=list)  # wordgate.Count per chapter

    def raise_any(self) -> None:
        problems = Problems()
        for error in self.errors:
            problems.add(error)
        try:
            problems.raise_any()
        except BookError as error:
            error.word_counts = self.counts  # for check --build's table, even when the build fails
            raise


def proofread(book: Book, *, pdf: Path | None = None, printed=None, epub: Path | None = None,
              strict: bool = False, memo=None, pages=None) -> Proof:
    """Check the outputs just written (``printed``: the PDF writer's :class:`~herpress.pdf.interior.Printed`;
    ``memo``: a :class:`herpress.cache.BlobCache` of word counts, for what did not change;
    ``pages``: the PDF's :class:`~herpress.pdf.readback.PageMemo`, what its pages gave before)."""
    from .pdf import pagefit
    from . import wordgate

    proof = Proof()
    media = {}
    if pdf is not None and printed is not None:
        fit, words_of_pages = read_pdf(pdf, printed.geometry, printed.profile.safety, pages)
        for message, file, line in pagefit.messages(fit, book, printed.starts, printed.page_labels):
            (proof.errors.append(BookError(message, file, line)) if strict
             else proof.warnings.append(BookWarning(message, file, line)))
        proof.warnings += [BookWarning(message, file, line)
                           for message, file, line in pagefit.low_resolution(fit, book, printed.starts, printed.page_labels)]
        from .pdf.profiles import inks

        if inks(printed.profile, book.print_settings.interior) == "gray":
            proof.warnings += [BookWarning(message, file, line) for message, file, line in pagefit.colour_images(book)]
        for page, what in fit.unsafe:
            label = printed.page_labels[page] if page < len(printed.page_labels) and printed.page_labels[page] \
                else f"#{page + 1}"
            proof.errors.append(BookError(
                f"the {printed.profile.name} PDF has {what!r} within {printed.profile.safety} in of the trim "
                f"(page {label}), which {printed.profile.service} refuses"))
        media["PDF"] = wordgate.chapter_words(book, printed.starts, words_of_pages)
    if epub is not None:
        media["EPUB"] = wordgate.epub_words(epub, book, memo)
    if media:
        proof.counts = wordgate.compare(book, media, memo)
        proof.errors += [BookError(message, file, line) for message, file, line in wordgate.losses(book, proof.counts)]
    return proof


def read_pdf(pdf: Path, geometry, safety: float, memo=None):
    """One pass over the PDF's pages (a pdfium text page is most of the cost: ~3 ms a page): its
    :class:`~herpress.pdf.pagefit.Fit`, and each page's visible words (:func:`herpress.wordgate.visible_words`).
    ``memo`` (a :class:`~herpress.pdf.readback.PageMemo`): what pages of the same content, at the
    same side of the spread and with the same geometry, gave before; those are not opened."""
    import pypdfium2 as pdfium

    from .pdf import pagefit
    from .pdf.readback import NOTHING_KEPT
    from . import wordgate

    memo = memo or NOTHING_KEPT
    fit, pages = pagefit.Fit([], []), []
    document = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(document)):
            where = (repr(geometry), safety, index % 2)
            kept = memo.get("text", index, lambda value: (pagefit.fit_from(value["fit"], index),
                                                          _words_from(value["words"])), *where)
            if kept is not None:
                pagefit.add(fit, kept[0])
                pages.append(kept[1])
                continue
            page = document[index]
            text = page.get_textpage()
            found = pagefit.Fit([], [])
            pagefit.check_page(found, index, page, text, geometry, safety)
            pagefit.add(fit, found)
            pages.append(wordgate.visible_words(page, text, geometry))
            text.close()  # one page at a time: pdfium keeps what is not closed (~0.1 MiB a page)
            page.close()
            memo.put("text", index, {"fit": pagefit.fit_to(found), "words": dict(pages[-1])}, *where)
    finally:
        document.close()
    memo.save("text")
    return fit, pages


def _words_from(value):
    """A page's visible words as :func:`read_pdf` keeps them (a Counter)."""
    from collections import Counter

    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(n, int) for k, n in value.items()):
        raise TypeError("not a word count")
    return Counter(value)
