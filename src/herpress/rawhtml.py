"""Raw HTML an author may type into Markdown, and what has no place in a book.

Refused, with the file and line: scripts, frames, forms and embedded objects; ``<style>``
and ``<link>``/``<meta>``/``<base>`` (styles belong in ``styles/``); event attributes
(``onclick``…); ``javascript:`` URLs; and remote or absolute sources for anything that
would be fetched (``src``, ``srcset``, ``poster``, ``data``, ``url(…)`` in a style attribute).
Links to the web (``<a href="https://…">``) are fine: nothing follows them at build time.
"""

from __future__ import annotations

import re

from .errors import BookError

FORBIDDEN = {
    "script": "scripts", "noscript": "scripts", "iframe": "frames", "frame": "frames", "frameset": "frames",
    "object": "embedded objects", "embed": "embedded objects", "applet": "embedded objects",
    "form": "forms", "input": "forms", "button": "forms", "select": "forms", "textarea": "forms",
    "style": "style elements (put styles in styles/)", "link": "link elements", "meta": "meta elements",
    "base": "base elements", "audio": "audio", "video": "video", "canvas": "canvas",
}
FETCHED = ("src", "srcset", "poster", "data", "background")
URL_IN_STYLE = re.compile(r"url\s*\(", re.IGNORECASE)
SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


# What a chapter may hold in an EPUB 3 content document (HTML's flow and phrasing elements).
ALLOWED = set("""a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup data dd del
details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr i img ins kbd li main mark
nav ol p picture pre q rp rt ruby s samp section small source span strong sub summary sup table tbody td tfoot th
thead time tr u ul var wbr svg math""".split())


# The attributes an author's markup may carry into the book (HTML's, for the elements above), and
# those Python-Markdown and herpress's extensions write; data-* and aria-* too.
ATTRIBUTES = set("""id class title lang dir hidden role style href hreflang rel type src alt width height colspan
rowspan headers scope abbr start reversed value span cite datetime open""".split())
XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _tidy_attributes(element, source: str, seen: set, notes: list) -> None:
    """pandoc's ``{-}`` becomes the class ``unnumbered``; an attribute no ebook knows (GitBook's
    ``{% … %}`` read as attributes, ``<h1 ->``) is left out, said once per name. Event attributes
    stay for :func:`check` to refuse."""
    for name in ("width", "height"):
        if name in element.attrib:
            _size(element, name, source, notes)
    for name in list(element.attrib):
        lowered = name.lower()
        if lowered in ATTRIBUTES or lowered.startswith(("data-", "aria-", "on", "epub:", "xml:")) \
                and XML_NAME.match(lowered.replace(":", "")):
            continue
        del element.attrib[name]
        if name in ("-", "."):  # {-} and {.-}: pandoc's short way to say unnumbered
            element.set("class", " ".join([*(element.get("class") or "").split(), "unnumbered"]))
        elif name not in seen:
            seen.add(name)
            notes.append((f"attribute '{name}' on <{element.tag}> means nothing in a book: left out",
                          _line(source, name)))


def _size(element, name: str, source: str, notes: list) -> None:
    """A ``width``/``height`` as pandoc's attributes give it (``{width=550px}``, ``{width=50%}``)
    made what HTML takes: a whole number of pixels stays an attribute, another length becomes the
    style it means; what is no length is left out, said."""
    value = element.get(name, "").strip()
    if re.fullmatch(r"\d+", value):
        return
    if match := re.fullmatch(r"(\d+)(?:\.\d*)?\s*px", value):
        element.set(name, match[1])
        return
    del element.attrib[name]
    if re.fullmatch(r"\d+(?:\.\d+)?\s*(?:%|in|cm|mm|pt|em)", value):
        style = (element.get("style") or "").strip().rstrip(";")
        element.set("style", (style + "; " if style else "") + f"{name}: {value.replace(' ', '')}")
    else:
        notes.append((f"{name}=\"{value}\" on <{element.tag}> is not a length: left out", _line(source, value)))


def tidy(container, source: str) -> list[tuple[str, int | None]]:
    """Take out what prints nothing and what no reading system knows, before anything reads the
    chapter: comments and processing instructions, ``[TOC]`` markers (the book has its own
    contents), and elements outside :data:`ALLOWED` (their content stays). Returns the warnings,
    one per element name, with the line of its first use."""
    from lxml import etree

    from .xhtml import drop, unwrap

    for node in list(container.iter(etree.Comment, etree.ProcessingInstruction)):
        drop(node)
    for toc in container.xpath(".//div[@class='toc']"):
        drop(toc)
    notes, seen = [], set()
    for element in list(container.iter()):
        if element is container or not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if not any(isinstance(a.tag, str) and a.tag.lower() in ("svg", "math") for a in element.iterancestors()):
            _tidy_attributes(element, source, seen, notes)
        if tag in ALLOWED or tag in FORBIDDEN or element.getparent() is None:
            continue
        if any(isinstance(a.tag, str) and a.tag.lower() in ("svg", "math") for a in element.iterancestors()):
            continue
        if tag not in seen:
            seen.add(tag)
            notes.append((f"<{tag}> is not an element an ebook may hold: its content is kept, the tag left out",
                          _line(source, f"<{tag}")))
        unwrap(element)
    return notes


def check(container, shown: str, source: str) -> None:
    """Raise :class:`BookError` at the first element or attribute that has no place in a book."""
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in FORBIDDEN:
            raise BookError(f"<{tag}> is not allowed in a book: no {FORBIDDEN[tag]}; remove it", shown, _line(source, f"<{tag}"))
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                raise BookError(f"event attribute '{name}' on <{tag}> is not allowed in a book: remove it", shown,
                                _line(source, name + "="))
            if lowered == "href" and value.strip().lower().startswith("javascript:"):
                raise BookError(f"javascript: link on <{tag}> is not allowed: remove it", shown, _line(source, "javascript:"))
            if lowered == "style" and URL_IN_STYLE.search(value):
                raise BookError(f"url() in a style attribute on <{tag}> is not allowed: put styles in styles/",
                                shown, _line(source, "url("))
            if lowered in FETCHED and tag != "img" and _remote(value):
                raise BookError(f"<{tag} {name}=\"{value}\"> would be fetched from outside the book: copy the file into it",
                                shown,
                                _line(source, value))


def _remote(value: str) -> bool:
    return bool(SCHEME.match(value)) or value.strip().startswith(("/", "\\"))


def _line(source: str, needle: str) -> int | None:
    position = source.lower().find(needle.lower())
    return source.count("\n", 0, position) + 1 if position >= 0 else None
