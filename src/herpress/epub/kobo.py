"""Kobo's "kepub" form of an EPUB document: a Kobo reader highlights, keeps the reading position
and counts reading stats only in text it can name by a ``koboSpan`` id (it has no use for EPUB
CFIs), and lays out pages through two wrapper divs.

:func:`kobo_document` writes what Kobo's own kepubs, kepubify and calibre's KoboTouch driver
write: the body's content inside ``div#book-columns > div#book-inner``, and every piece of text
in a ``<span class="koboSpan" id="kobo.P.S">``. P counts the blocks that hold text (p, a heading,
li, td, figcaption, a footnote's aside…; a new one each time the text moves to another block), S
the pieces within one. A text node is cut after each sentence — ``.``, ``!``, ``?`` or ``…``, any
closing quotes or brackets, then ASCII whitespace, which stays with the sentence — so a sentence
running across an ``<em>`` or an ``<a>`` is one span per text node, as in kepubify. An image gets
a span (and a P) of its own, as kepubify gives it, except in a ``picture``, which must hold it.

Left as they are, as kepubify leaves them: script, style, pre (code blocks; inline ``code`` is
spanned like any text), audio, video and everything not XHTML (SVG, MathML). Also left: ``nav``
(the navigation document passes through here and its lists are held to EPUB's nav rules),
page-break markers, textarea/option/template (their content is text only), text where no span may
stand (directly in ul, ol, dl, table, tr…: whitespace in a valid document), whitespace-only text,
and whatever already is in a koboSpan — so a second pass gives the same bytes.
"""

from __future__ import annotations

import re

from lxml import etree

from .documents import Document, Publication
from .output import write as write_epub

SPAN_CLASS = "koboSpan"

_X = "{http://www.w3.org/1999/xhtml}"
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_SPACE = " \t\n\r\f"  # XML's whitespace: a no-break space is text, and never ends a sentence
_SENTENCE_END = re.compile(r"[.!?…]+['\"’”»)\]]*[ \t\n\r\f]+")
_KOBO_ID = re.compile(r"kobo\.(\d+)\.\d+")
_SKIPPED = frozenset({"script", "style", "pre", "audio", "video", "nav", "textarea", "option", "template"})
_NO_SPAN = frozenset({"ul", "ol", "menu", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "select",
                      "optgroup", "datalist", "picture", "hgroup"})
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "img",
                     "ins", "kbd", "label", "mark", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp", "small", "span",
                     "strong", "sub", "sup", "time", "u", "var", "wbr"})
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def kobo_document(xhtml: bytes) -> bytes:
    """The kepub form of one XHTML document of the book (chapters, notes and the nav alike)."""
    root = etree.fromstring(xhtml, _PARSER)
    body = root.find(f"{_X}body")
    if body is not None:
        _wrap_body(body)
        used = [int(match[1]) for value in root.xpath("//@id") if (match := _KOBO_ID.fullmatch(value))]
        _Spanner(max(used, default=0)).walk(body)
    return etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


def _sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end; the pieces join back to ``text``."""
    cuts = [0, *(match.end() for match in _SENTENCE_END.finditer(text))]
    if cuts[-1] != len(text):
        cuts.append(len(text))
    return [text[start:end] for start, end in zip(cuts, cuts[1:])]


def _wrap_body(body) -> None:
    if body.find(f"{_X}div[@id='book-columns']/{_X}div[@id='book-inner']") is not None:
        return
    children, text = list(body), body.text
    body.text = None
    inner = etree.SubElement(etree.SubElement(body, f"{_X}div", id="book-columns"), f"{_X}div", id="book-inner")
    inner.text = text
    inner.extend(children)


class _Spanner:
    """Puts the text under an element into numbered spans, in document order."""

    def __init__(self, paragraph: int):
        self.paragraph, self.segment, self.block = paragraph, 0, None

    def walk(self, element) -> None:
        children = list(element)  # before the text's spans go in
        self._text(element, None)
        for child in children:
            node = child
            if isinstance(child.tag, str) and not _left_alone(child):
                if _name(child) == "img":
                    node = self._image(element, child)
                else:
                    self.walk(child)
            self._text(element, node)

    def _text(self, parent, after) -> None:
        """Wrap ``parent``'s text (``after`` None) or the text after its child ``after``."""
        text = parent.text if after is None else after.tail
        if not text or not text.strip(_SPACE) or _name(parent) in _NO_SPAN:
            return
        block = parent
        while _name(block) in _INLINE and block.getparent() is not None:
            block = block.getparent()
        if block is not self.block:
            self.paragraph, self.segment, self.block = self.paragraph + 1, 0, block
        if after is None:
            parent.text, index = None, 0
        else:
            after.tail, index = None, parent.index(after) + 1
        for n, piece in enumerate(_sentences(text)):
            parent.insert(index + n, self._span(parent, piece))

    def _image(self, parent, image):
        if _name(parent) == "picture":
            return image
        self.paragraph, self.segment, self.block = self.paragraph + 1, 0, None
        span = self._span(parent, None)
        span.tail, image.tail = image.tail, None
        parent.replace(image, span)
        span.append(image)
        return span

    def _span(self, parent, text: str | None):
        self.segment += 1
        span = parent.makeelement(f"{_X}span", {"class": SPAN_CLASS, "id": f"kobo.{self.paragraph}.{self.segment}"})
        span.text = text
        return span


def _left_alone(element) -> bool:
    if not element.tag.startswith(_X) or _name(element) in _SKIPPED:
        return True
    if _name(element) == "span" and SPAN_CLASS in (element.get("class") or "").split():
        return True
    return ("pagebreak" in (element.get(_EPUB_TYPE) or "").split()
            or element.get("role") == "doc-pagebreak")


def _name(element) -> str:
    return etree.QName(element).localname


def edition(publication: Publication) -> Publication:
    """The kepub: every document in Kobo's form (the cover is already an ``img`` in its own
    document, and the cover image marked ``cover-image``, as Kobo's store asks)."""
    documents = tuple(Document(d.name, d.title, kobo_document(d.content), d.properties) for d in publication.documents)
    return publication.changed(documents=documents)


def write(job, target) -> None:
    write_epub(job, target, edition, "kobo")
