"""The print PDF: the Book as one HTML document, laid out by WeasyPrint with ``print.css``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import styles
from ..config import TRIMS
from ..model import Book
from ..xhtml import inner_xhtml, parse_html, parse_xhtml

# Inside (gutter side) and outside margins in inches, by trim.
MARGINS = {"5x8": (0.75, 0.55), "5.5x8.5": (0.78, 0.58), "6x9": (0.8, 0.6)}


@dataclass
class PrintLayout:
    """What the layout tells the rest of herpress: how many pages and where things fell."""

    document: object  # weasyprint.Document
    page_labels: list[str]  # the folio printed on each page ("", "iii", "1", …)

    @property
    def page_count(self) -> int:
        return len(self.document.pages)


def print_html(book: Book) -> str:
    """The whole book as one HTML document, ready for the print stylesheet."""
    env = styles.templates(book.style_dirs)
    figure_template = env.get_template("print/figure.html.j2")
    bodies = {}
    for chapter in book.chapters:
        container = parse_xhtml(chapter.body_html)
        _footnotes_inline(container, {note.id: note for note in chapter.notes})
        figures = {figure.label: figure for figure in chapter.figures}
        for placeholder in list(container.iterfind(".//figure[@data-figure]")):
            rendered = parse_html(figure_template.render(figure=figures[placeholder.get("data-figure")]))[0]
            rendered.tail = placeholder.tail
            placeholder.getparent().replace(placeholder, rendered)
        bodies[chapter.slug] = inner_xhtml(container)
    return env.get_template("print/book.html.j2").render(
        meta=book.metadata, chapters=book.chapters, bodies=bodies, glossary=book.glossary, index=book.index
    )


def stylesheets(book: Book, font_config):
    from weasyprint import CSS

    from ..fetcher import BookFetcher

    width, height = TRIMS[book.print_settings.trim]
    inside, outside = MARGINS[book.print_settings.trim]
    geometry = styles.templates(book.style_dirs).get_template("print/page-geometry.css.j2").render(
        width=width, height=height, inside=inside, outside=outside
    )
    fetcher = BookFetcher(book)
    main = styles.find(book.style_dirs, "print.css")
    return [
        CSS(filename=str(main), font_config=font_config, url_fetcher=fetcher),
        CSS(string=geometry, font_config=font_config),
    ]


def layout(book: Book) -> PrintLayout:
    """Lay the book out once; the result can be written and inspected."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from ..fetcher import BookFetcher, RefusedURL, refused_as_book_error

    font_config = FontConfiguration()
    html = HTML(string=print_html(book), base_url=str(book.root / "manuscript") + "/", url_fetcher=BookFetcher(book))
    try:
        document = html.render(stylesheets=stylesheets(book, font_config), font_config=font_config)
    except RefusedURL as error:
        raise refused_as_book_error(error) from None
    return PrintLayout(document=document, page_labels=[])


def write_pdf(book: Book, target: Path) -> PrintLayout:
    result = layout(book)
    result.document.write_pdf(target)
    return result


def _footnotes_inline(container, notes: dict) -> None:
    """Each note call becomes the note itself, floated to the foot of its page by the CSS."""
    for call in list(container.iterfind(".//a[@class='noteref']")):
        note = notes[call.get("href")[1:]]
        body = parse_xhtml(note.html)
        span = parse_xhtml(f'<span class="footnote" id="{note.id}"></span>')[0]
        span.text = body.text
        for block in body:
            if block.tag == "p":  # a footnote is inline in print: paragraphs become spans
                block.tag = "span"
                block.set("class", "footnote-para")
            span.append(block)
        span.tail = call.tail
        call.getparent().replace(call, span)
