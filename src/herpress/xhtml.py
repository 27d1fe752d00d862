"""Small helpers for the XHTML fragments the Book model carries."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

ID_ATTRIBUTE = re.compile(r'\sid="([^"]+)"')


def parse_html(markup: str) -> etree._Element:
    """Parse HTML as Python-Markdown writes it (and authors type it) into a ``<div>``."""
    return lxml_html.fragment_fromstring(markup or "", create_parent="div")


def parse_xhtml(markup: str) -> etree._Element:
    """Parse a model fragment (well-formed, namespace-free) into a ``<div>``."""
    return etree.fromstring(f"<div>{markup}</div>")


def inner_xhtml(container: etree._Element) -> str:
    """Serialize what is inside ``container`` as XHTML."""
    text = _escape(container.text or "")
    return text + "".join(etree.tostring(child, method="xml", encoding="unicode", with_tail=True) for child in container)


_VOID = "area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr"
_SELF_CLOSED = re.compile(rf"<(?!(?:{_VOID})[\s/>])([A-Za-z][\w.:-]*)(\s[^<>]*?)?\s*/>")


def html_readable(markup: str) -> str:
    """XHTML as an HTML parser must read it (WeasyPrint's): an element HTML does not know as void,
    written self-closed (``<span class="ix" id="ix-a-1"/>``, an index mark; ``<a id="x"/>``), opened
    there and never closed — every later mark of its paragraph nested in it, and a paragraph of
    1,200 marks 1,200 deep (a RecursionError in WeasyPrint's style code). Each is written open and
    closed (``<span …></span>``), which XHTML reads the same."""
    return _SELF_CLOSED.sub(r"<\1\2></\1>", markup)


def plain_text(element: etree._Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def ids_in(markup: str) -> list[str]:
    return ID_ATTRIBUTE.findall(markup)


def drop(element) -> None:
    """Remove an element (or comment), keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def detach(element) -> None:
    """Take an element out of the tree (to put it elsewhere), leaving the text after it in place."""
    parent, previous, tail = element.getparent(), element.getprevious(), element.tail
    element.tail = None
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def unwrap(element) -> None:
    """Replace an element by its content (text and children), keeping the text after it."""
    parent, children, previous = element.getparent(), list(element), element.getprevious()
    if element.text:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.text
        else:
            parent.text = (parent.text or "") + element.text
    tail, index = element.tail, parent.index(element)
    for n, child in enumerate(children):
        parent.insert(index + 1 + n, child)
    parent.remove(element)
    if tail:
        last = children[-1] if children else previous
        if last is not None:
            last.tail = (last.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
