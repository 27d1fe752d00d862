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


def check(container, shown: str, source: str) -> None:
    """Raise :class:`BookError` at the first element or attribute that has no place in a book."""
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in FORBIDDEN:
            raise BookError(f"<{tag}> is not allowed in a book: no {FORBIDDEN[tag]}", shown, _line(source, f"<{tag}"))
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                raise BookError(f"event attribute '{name}' on <{tag}> is not allowed in a book", shown,
                                _line(source, name + "="))
            if lowered == "href" and value.strip().lower().startswith("javascript:"):
                raise BookError(f"javascript: link on <{tag}> is not allowed", shown, _line(source, "javascript:"))
            if lowered == "style" and URL_IN_STYLE.search(value):
                raise BookError(f"url() in a style attribute on <{tag}> is not allowed: put styles in styles/",
                                shown, _line(source, "url("))
            if lowered in FETCHED and tag != "img" and _remote(value):
                raise BookError(f"<{tag} {name}=\"{value}\"> would be fetched from outside the book", shown,
                                _line(source, value))


def _remote(value: str) -> bool:
    return bool(SCHEME.match(value)) or value.strip().startswith(("/", "\\"))


def _line(source: str, needle: str) -> int | None:
    position = source.lower().find(needle.lower())
    return source.count("\n", 0, position) + 1 if position >= 0 else None
