"""Images the author places in chapters: read from the book folder only, checked, made assets.

``![A description](images/photo.jpg)`` — the path is relative to ``manuscript/``. Refused
with the file and line: a missing ``alt`` (``alt=""`` is allowed only with
``role="presentation"``), a remote, absolute or ``data:`` source, a path that leaves the book
folder (symlinks included), a missing or unreadable file, a format no reading system is
sure to show, and an SVG with entity declarations, an internal DTD subset, entity references,
scripts or external references. A bare DOCTYPE (``<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
"…svg11.dtd">``, as graphviz and Illustrator write) is harmless: the DTD is never loaded, and
the DOCTYPE is left out of the bytes the book carries.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote
from pathlib import Path

from lxml import etree

from .errors import BookError, BookErrors
from .model import Asset

TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF87a": "image/gif",
         b"GIF89a": "image/gif"}
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
XLINK = "{http://www.w3.org/1999/xlink}href"
SVG_NS = "http://www.w3.org/2000/svg"
_LITERAL = rb"""(?:"[^"]*"|'[^']*')"""
# a DOCTYPE naming an external DTD at most: no internal subset ([ … ]), so nothing declared in the file
BARE_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[A-Za-z_:][\w.:-]*(?:\s+(?:PUBLIC\s+" + _LITERAL + rb"\s+" + _LITERAL
                          + rb"|SYSTEM\s+" + _LITERAL + rb"))?\s*>\s*", re.IGNORECASE)


def collect(container, root: Path, base: Path, here: Path, shown: str, source: str) -> dict[str, Asset]:
    """Check every ``<img>`` of a chapter and return its images as assets keyed by their name.

    ``src`` is relative to ``here`` (the chapter file's folder), or else to ``base`` (where pandoc,
    run in the project folder, finds it); the name, and the ``src`` the
    writers see, is the path under ``base`` (the book's manuscript folder). Every bad image of
    the chapter is reported, not only the first."""
    assets: dict[str, Asset] = {}
    problems = []
    for img in container.iter("img"):
        src = (img.get("src") or "").strip()
        line = _line(source, src) if src else _line(source, "![")
        try:
            alt = img.get("alt")
            if alt is None or (not alt.strip() and img.get("role") not in ("presentation", "none")):
                raise BookError(f"image '{src}' has no alt text: describe it in ![…](…), or mark a purely "
                                "decorative image role=\"presentation\"", shown, line)
            if not src:
                raise BookError("image without a source", shown, line)
            if SCHEME.match(src) or src.startswith(("/", "\\")):
                raise BookError(f"image '{src}' must be a file inside the book folder, given by a relative path "
                                "(herpress never fetches from the network)", shown, line)
            path = Path(os.path.normpath(here / unquote(src)))
            if not path.exists() and (base / unquote(src)).exists():  # pandoc's way: from the project folder
                path = Path(os.path.normpath(base / unquote(src)))
            if not path.is_relative_to(root):
                raise BookError(f"image '{src}' lies outside the book folder", shown, line)
            name = path.relative_to(base).as_posix() if path.is_relative_to(base) else \
                "book/" + path.relative_to(root).as_posix()
            img.set("src", name)
            if name not in assets:
                assets[name] = _read(root, path, name, shown, line)
        except BookError as error:
            problems.append(error)
    if problems:
        raise problems[0] if len(problems) == 1 else BookErrors(problems)
    return assets


def cover(root: Path, base: Path, name: str, config_file: str = "manuscript/book.toml") -> Asset:
    """The author's cover image named in the metadata: a JPEG or PNG inside the book folder."""
    shown = config_file or None
    try:
        line = _line((root / config_file).read_text(encoding="utf-8-sig"), name) if config_file and name else None
    except OSError:
        line = None
    if SCHEME.match(name) or name.startswith(("/", "\\")):
        raise BookError(f"cover '{name}' must be a file inside the book folder, given by a relative path", shown, line)
    asset = _read(root, base / name, name, shown, line)
    if asset.media_type not in ("image/jpeg", "image/png"):
        raise BookError(f"cover '{name}' must be a JPEG or PNG (stores accept no other cover format)", shown, line)
    return asset


def _read(root: Path, path: Path, name: str, shown: str, line: int | None) -> Asset:
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise BookError(f"image '{name}' lies outside the book folder", shown, line)
    try:
        data = resolved.read_bytes()
    except FileNotFoundError:
        raise BookError(f"image '{name}' not found (looked for {path.relative_to(root) if path.is_relative_to(root) else path})",
                        shown, line)
    except OSError as error:
        raise BookError(f"image '{name}' cannot be read: {error.strerror}", shown, line)
    media_type = next((kind for magic, kind in TYPES.items() if data.startswith(magic)), None)
    if media_type is None and name.lower().endswith(".svg"):
        data = check_svg(data, name, shown, line)
        media_type = "image/svg+xml"
    if media_type is None:
        raise BookError(f"image '{name}' is not PNG, JPEG, GIF or SVG", shown, line)
    return Asset(name=name, media_type=media_type, content=data)


def check_svg(data: bytes, name: str, shown: str, line: int | None) -> bytes:
    """Refuse SVG that could read files, reach the network or expand entities; return the bytes
    to carry: ``data`` without its DOCTYPE (a bare one is allowed, and nothing needs it)."""
    bare = [BARE_DOCTYPE.match(data, found.start()) for found in re.finditer(rb"<!DOCTYPE", data, re.IGNORECASE)]
    if re.search(rb"<!ENTITY", data, re.IGNORECASE) or not all(bare):
        raise BookError(f"SVG '{name}' declares entities or has an internal DTD subset ([…] in its DOCTYPE): "
                        "not allowed", shown, line)
    for found in reversed(bare):
        data = data[:found.start()] + data[found.end():]
    # parsed without its DOCTYPE, as it will be read: an entity only a DTD could define is an error
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        entity = re.search(r"Entity '([^']*)' not defined", str(error))
        if entity:
            raise BookError(f"SVG '{name}' uses the entity &{entity.group(1)};, which only a DTD defines: not allowed",
                            shown, line)
        raise BookError(f"SVG '{name}' is not well-formed XML: {error}", shown, line)
    for element in tree.iter():
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignObject"):
            raise BookError(f"SVG '{name}' contains <{tag}>: not allowed", shown, line)
        for attribute in ("href", XLINK):
            reference = element.get(attribute)
            if reference and not reference.startswith("#"):
                raise BookError(f"SVG '{name}' refers to '{reference}': only references inside the SVG are allowed",
                                shown, line)
        if any(key.lower().startswith("on") for key in element.attrib):
            raise BookError(f"SVG '{name}' has event attributes: not allowed", shown, line)
    links = [a for a in tree.iter(f"{{{SVG_NS}}}a") if a.get(XLINK) is not None]
    if links:
        # an image is never interactive, and EPUBCheck takes an <a xlink:href="#…"> in an SVG image for a
        # link to a document outside the spine (RSC-011): the link goes, its content stays
        for link in links:
            del link.attrib[XLINK]
        data = etree.tostring(tree.getroottree(), xml_declaration=True, encoding="utf-8")
    return data


def _line(source: str, needle: str) -> int | None:
    position = source.find(needle)
    return source.count("\n", 0, position) + 1 if position >= 0 else None
