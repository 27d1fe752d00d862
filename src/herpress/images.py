"""Images the author places in chapters: read from the book folder only, checked, made assets.

``![A description](images/photo.jpg)`` — the path is relative to ``manuscript/``. Refused
with the file and line: a missing ``alt`` (``alt=""`` is allowed only with
``role="presentation"``), a remote, absolute or ``data:`` source, a path that leaves the book
folder (symlinks included), a missing or unreadable file, a format no reading system is
sure to show, a raster image Pillow cannot decode — damaged, truncated (a PNG's chunks are checked
to its end, a JPEG decoded at an eighth of its size), or larger than :data:`MAX_PIXELS` (a
decompression bomb: a few hundred KB that decode to gigabytes, which WeasyPrint would leave out of
the PDF without a word) — and an SVG with entity declarations, an internal DTD subset, entity
references, scripts, external references, or CSS (``<style>``, ``style=""``, ``fill="url(…)"``)
that imports or refers to anything but its own elements. A bare DOCTYPE (``<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
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

MAX_PIXELS = 89_478_485  # Pillow's own limit (~9,460 × 9,460): a 600 dpi double spread is ~39 million
MAX_IMAGE_BYTES = 64 * 2**20
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
                raise BookError("image without a source: give its file, ![what it shows](images/name.png)", shown, line)
            if SCHEME.match(src) or src.startswith(("/", "\\")):
                raise BookError(f"image '{src}' must be a file inside the book folder, given by a relative path "
                                "(herpress never fetches from the network): copy it into manuscript/", shown, line)
            path = Path(os.path.normpath(here / unquote(src)))
            if not path.exists() and (base / unquote(src)).exists():  # pandoc's way: from the project folder
                path = Path(os.path.normpath(base / unquote(src)))
            if not path.is_relative_to(root):
                raise BookError(f"image '{src}' lies outside the book folder: copy it into manuscript/", shown, line)
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
        raise BookError(f"cover '{name}' must be a file inside the book folder, given by a relative path: copy it into "
                        "manuscript/", shown, line)
    asset = _read(root, base / name, name, shown, line)
    if asset.media_type not in ("image/jpeg", "image/png"):
        raise BookError(f"cover '{name}' must be a JPEG or PNG (stores accept no other cover format): convert it", shown, line)
    return asset


def _read(root: Path, path: Path, name: str, shown: str, line: int | None) -> Asset:
    from .paths import NotRegular, TooLarge, read_regular

    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise BookError(f"image '{name}' lies outside the book folder: copy it into manuscript/", shown, line)
    try:
        data = read_regular(resolved, MAX_IMAGE_BYTES)
    except FileNotFoundError:
        raise BookError(f"image '{name}' not found (looked for {path.relative_to(root) if path.is_relative_to(root) else path}): "
                        "put the file there, or correct the path", shown, line)
    except NotRegular as error:
        raise BookError(f"image '{name}' is not a regular file (a {error.kind}): put the file itself there", shown, line)
    except TooLarge as error:
        raise BookError(f"image '{name}' is {error.size / 2**20:.0f} MB; herpress reads images of up to "
                        f"{MAX_IMAGE_BYTES // 2**20} MB: make it smaller", shown, line)
    except OSError as error:
        raise BookError(f"image '{name}' cannot be read: {error.strerror}; check its permissions", shown, line)
    media_type = next((kind for magic, kind in TYPES.items() if data.startswith(magic)), None)
    if media_type is None and name.lower().endswith(".svg"):
        data = check_svg(data, name, shown, line)
        media_type = "image/svg+xml"
    if media_type is None:
        raise BookError(f"image '{name}' is not PNG, JPEG, GIF or SVG: convert it to one of them", shown, line)
    problem = raster_problem(data, media_type) if media_type != "image/svg+xml" else None
    if problem:
        raise BookError(f"image '{name}' {problem}", shown, line)
    return Asset(name=name, media_type=media_type, content=data)


def raster_problem(data: bytes, media_type: str) -> str | None:
    """Why a PNG, JPEG or GIF cannot go into the book, or None: its size read from its header, a
    PNG's chunks and their checksums read to IEND, a JPEG's segments walked to its end (the print
    edition carries a JPEG's bytes as they are, so they are not decoded), a GIF's first frame
    decoded. Pillow's own limit, :data:`MAX_PIXELS`, is where a decompression bomb begins."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if media_type == "image/png":
                    image.verify()  # a truncated or damaged file fails
                elif media_type == "image/jpeg":
                    if not _jpeg_complete(data):
                        return "is truncated (its data stops before the end-of-image marker): export it again"
                else:
                    image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        pixels = re.search(r"\((\d+) pixels\)", str(error))
        size = f"is {int(pixels[1]) / 1e6:,.0f} million pixels" if pixels else "is too large"
        return (f"{size}; herpress takes images of up to {MAX_PIXELS / 1e6:.0f} million pixels (a double spread at "
                "600 dpi is ~40 million), larger ones being how decompression bombs look: scale it down")
    except Exception as error:  # Pillow raises what the bytes make it raise
        detail = str(error) or type(error).__name__
        return f"cannot be decoded ({detail}): the file is damaged or truncated; export it again"
    return None


_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")  # in entropy-coded data: FF 00 is a byte, FF D0–D7 restarts


def _jpeg_complete(data: bytes) -> bool:
    """The JPEG's marker segments, and the scans' data between them, run to its EOI marker."""
    position, end = 2, len(data)
    while position + 2 <= end:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0xD9:  # EOI
            return True
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
        else:
            if position + 4 > end:
                return False
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
            if marker == 0xDA:  # start of scan: its data runs to the next marker
                found = _NEXT_MARKER.search(data, position)
                if found is None:
                    return False
                position = found.start()
    return False


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
    from .references import svg_problem

    outside = list(tree.itersiblings(preceding=True)) + list(tree.itersiblings())
    if any(isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet"
           for node in outside + list(tree.iter(etree.PI))):
        raise BookError(f"SVG '{name}' links a stylesheet (<?xml-stylesheet?>): not allowed", shown, line)
    for element in tree.iter():
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignObject"):
            raise BookError(f"SVG '{name}' contains <{tag}>: not allowed", shown, line)
        css = [("<style>", "".join(element.itertext()))] if tag == "style" else []
        css += [(f"its {etree.QName(key).localname} attribute", value) for key, value in element.attrib.items()
                if etree.QName(key).localname == "style" or "url" in value.lower() or "\\" in value]
        for where, text in css:
            refused = svg_problem(text)
            if refused:
                raise BookError(f"SVG '{name}' has {refused} in {where}: CSS in an SVG may refer only to the SVG's "
                                "own elements (url(#id))", shown, line)
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
