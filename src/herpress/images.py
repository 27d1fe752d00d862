"""Images the author places in chapters: read from the book folder only, checked, made assets.

``![A description](images/photo.jpg)`` — the path is relative to ``manuscript/``. Refused
with the file and line: a missing ``alt`` (``alt=""`` is allowed only with
``role="presentation"``), a remote, absolute or ``data:`` source, a path that leaves the book
folder (symlinks included), a missing or unreadable file, a format no reading system is
sure to show, and an SVG with a DOCTYPE, entities, scripts or external references.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from lxml import etree

from .errors import BookError
from .model import Asset

TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF87a": "image/gif",
         b"GIF89a": "image/gif"}
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
XLINK = "{http://www.w3.org/1999/xlink}href"


def collect(container, root: Path, manuscript: Path, shown: str, source: str) -> dict[str, Asset]:
    """Check every ``<img>`` of a chapter and return its images as assets keyed by their src."""
    assets: dict[str, Asset] = {}
    for img in container.iter("img"):
        src = (img.get("src") or "").strip()
        line = _line(source, src) if src else _line(source, "![")
        alt = img.get("alt")
        if alt is None or (not alt.strip() and img.get("role") not in ("presentation", "none")):
            raise BookError(f"image '{src}' has no alt text: describe it in ![…](…), or mark a purely "
                            "decorative image role=\"presentation\"", shown, line)
        if not src:
            raise BookError("image without a source", shown, line)
        if SCHEME.match(src) or src.startswith(("/", "\\")):
            raise BookError(f"image '{src}' must be a file inside manuscript/, given by a relative path "
                            "(herpress never fetches from the network)", shown, line)
        name = PurePosixPath(src).as_posix()
        if name not in assets:
            assets[name] = _read(root, manuscript / src, name, shown, line)
    return assets


def cover(root: Path, manuscript: Path, name: str) -> Asset:
    """The author's cover image named in book.toml: a JPEG or PNG inside the book folder."""
    shown = "manuscript/book.toml"
    line = _line((manuscript / "book.toml").read_text(encoding="utf-8-sig"), name) if name else None
    if SCHEME.match(name) or name.startswith(("/", "\\")):
        raise BookError(f"cover '{name}' must be a file inside manuscript/, given by a relative path", shown, line)
    asset = _read(root, manuscript / name, name, shown, line)
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
        check_svg(data, name, shown, line)
        media_type = "image/svg+xml"
    if media_type is None:
        raise BookError(f"image '{name}' is not PNG, JPEG, GIF or SVG", shown, line)
    return Asset(name=name, media_type=media_type, content=data)


def check_svg(data: bytes, name: str, shown: str, line: int | None) -> None:
    """Refuse SVG that could read files, reach the network or expand entities."""
    prolog = data.split(b"<svg", 1)[0]  # a DOCTYPE and its entities can only come before the root
    if re.search(rb"<!DOCTYPE|<!ENTITY", prolog, re.IGNORECASE):
        raise BookError(f"SVG '{name}' has a DOCTYPE or entity declarations: not allowed", shown, line)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
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


def _line(source: str, needle: str) -> int | None:
    position = source.find(needle)
    return source.count("\n", 0, position) + 1 if position >= 0 else None
