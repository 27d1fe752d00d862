"""PDFs written apart, joined into one: the print book's parts (:mod:`herpress.pdf.parts`).

The first PDF's document-level objects are kept (metadata, the PDF/X output intent). Each part
embeds its own subset of each face, all named alike (WeasyPrint names a subset after the face):
the subsets of a face are merged into one (:mod:`.subsets`) — its glyphs, widths (``/W``),
text mapping (``/ToUnicode``) and glyph set (``/CIDSet``, PDF/X-1a) — and every part draws with
it, so that the book embeds each face once. Where they cannot be merged safely, each keeps a name
of its own, as PDF requires of different subsets (ISO 32000-1, 9.6.4).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pypdf.generic import ArrayObject, FloatObject, IndirectObject, NameObject, NumberObject

from .preflight import font_slots
from . import subsets


def join(parts: list[Path], target: Path, over: list[tuple[Path, int]] = (), fonts=None) -> None:
    """The pages of ``parts``, in order, written to ``target``; ``over``: PDFs whose pages are
    drawn over the joined pages, each from the given page on (the chapters' folios); ``fonts``
    (a :class:`herpress.cache.BlobCache`): the merged fonts of the last join, by their subsets."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=str(parts[0]))
    for part in parts[1:]:
        for page in PdfReader(str(part)).pages:
            writer.add_page(page)
    for path, first in over:
        for number, page in enumerate(PdfReader(str(path)).pages, first):
            _share_colour_spaces(page, writer.pages[number])
            writer.pages[number].merge_page(page)
            writer.pages[number].compress_content_streams()  # merge_page leaves them uncompressed: 3.4 × the file
    merge_subsets(writer, fonts)
    _drop_unreachable(writer)  # the subsets merged away
    with open(target, "wb") as out:
        writer.write(out)


def _share_colour_spaces(page, under) -> None:
    """Let ``page`` draw with the colour spaces of the page it is drawn over, where they bear the
    same names (both laid out with the same stylesheets): merged as they are, every folio page
    brought its own copy of the CMYK profile (PDF/X-1a: 7.2 MB for a 2.4 MB book)."""
    mine = page["/Resources"].get("/ColorSpace")
    theirs = under["/Resources"].get("/ColorSpace")
    if mine is not None and theirs is not None and set(mine.get_object()) <= set(theirs.get_object()):
        del page["/Resources"][NameObject("/ColorSpace")]


def merge_subsets(writer, cache=None) -> None:
    """One font per face for all of ``writer``'s pages where its subsets merge; else one name each.
    ``cache`` (a :class:`herpress.cache.BlobCache`) has the fonts merged before, by their subsets."""
    slots = list(font_slots(writer.pages))
    faces: dict[str, dict[int, object]] = {}  # name -> {id of a font dictionary: its reference}
    for fonts, key in slots:
        font = fonts[key]  # pypdf resolves the reference; raw_get keeps it
        if _program(font) is not None:
            faces.setdefault(str(font.get("/BaseFont", "")), {}).setdefault(id(font), fonts.raw_get(key))
    taken = set(faces)
    for name, users in faces.items():
        references = list(users.values())
        fonts = [reference.get_object() for reference in references]
        if len(fonts) < 2:
            continue
        if _merge(fonts, cache):
            for slot, key in slots:
                if str(slot[key].get("/BaseFont", "")) == name:
                    slot[NameObject(key)] = references[0]
            continue
        renamed: dict[int, str] = {id(_program(fonts[0])): name}  # fonts drawing with one program keep one name
        for font in fonts[1:]:
            program = id(_program(font))
            if program not in renamed:
                renamed[program] = _free_name(name, taken)
            if renamed[program] != name:
                _rename(font, renamed[program])


def _drop_unreachable(writer) -> None:
    """Leave out of ``writer`` every object its document no longer reaches. (pypdf's own
    ``remove_unreferenced`` drops one link of a chain of orphans per pass, and hashes every object.)"""
    reached: set[int] = set()
    frontier = [writer.root_object.indirect_reference, getattr(writer, "_info_obj", None)]
    while frontier:
        obj = frontier.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in reached or obj.pdf is not writer:
                continue
            reached.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, dict):  # dict's own values: pypdf's resolve the references
            frontier.extend(dict.values(obj))
        elif isinstance(obj, list):
            frontier.extend(list.__iter__(obj))
    for index in range(len(writer._objects)):
        if index + 1 not in reached:
            writer._objects[index] = None


def _descendant(font):
    return font["/DescendantFonts"][0].get_object()


def _program(font):
    """The font program (``/FontFile2`` or ``/FontFile3`` stream) a composite font draws with."""
    try:
        descriptor = _descendant(font)["/FontDescriptor"].get_object()
    except (KeyError, IndexError, TypeError):
        return None
    for key in ("/FontFile2", "/FontFile3"):
        if key in descriptor:
            return descriptor[key].get_object()
    return None


def _merge(fonts: list, cache=None) -> bool:
    """Make ``fonts[0]`` the font every one of ``fonts`` draws with: True when that is sure."""
    if any(str(font.get("/Encoding")) != "/Identity-H" or str(_descendant(font).get("/CIDToGIDMap", "/Identity"))
           != "/Identity" for font in fonts):
        return False
    maps = [_to_unicode(font) for font in fonts]
    if any(found is None for found in maps):
        return False
    programs: dict[int, tuple[object, set[int]]] = {}  # each distinct program, with the glyphs drawn with it
    for font in fonts:
        program = _program(font)
        programs.setdefault(id(program), (program, set()))[1].update(_widths(_descendant(font).get("/W")))
    merged = _merged([program.get_data() for program, _ in programs.values()],
                     [drawn for _, drawn in programs.values()], cache) if len(programs) > 1 else None
    if len(programs) > 1 and merged is None:
        return False
    keeper, descendant = fonts[0], _descendant(fonts[0])
    descriptor = descendant["/FontDescriptor"].get_object()
    if merged is not None:
        stream = _program(keeper)
        stream.set_data(merged)
        if "/Length1" in stream:
            stream[NameObject("/Length1")] = NumberObject(len(merged))
    widths: dict[int, float] = {}
    text: dict[int, str] = {}
    for font, found in zip(fonts, maps):
        widths.update(_widths(_descendant(font).get("/W")))
        text.update(found)
    descendant[NameObject("/W")] = _w_array(widths)
    keeper["/ToUnicode"].get_object().set_data(_cmap(text))
    boxes = [[float(v) for v in _descendant(font)["/FontDescriptor"]["/FontBBox"]] for font in fonts]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    descriptor[NameObject("/FontBBox")] = ArrayObject(_number(v) for v in box)
    if "/CIDSet" in descriptor:  # PDF/X-1a (PDF 1.3): the glyph ids the font holds, one bit each
        descriptor["/CIDSet"].get_object().set_data(_cid_set(widths))
    return True


def _merged(programs: list[bytes], used: list[set[int]], cache) -> bytes | None:
    """:func:`.subsets.merge`, or what it gave the last join for the same subsets (an edit that
    draws no new glyph joins with the same fonts: ~0.8 s of a one-chapter edit's join, fontTools
    reading and writing each face's subsets)."""
    key = cache.key("merged", *(hashlib.sha256(p).hexdigest() for p in programs),
                    repr([sorted(u) for u in used])) if cache is not None else None
    kept = cache.get(key) if key is not None else None
    if kept is not None:
        return kept or None  # b"": they did not merge
    merged = subsets.merge(programs, used)
    if key is not None:
        cache.put(key, merged or b"")
    return merged


def _number(value: float):
    return NumberObject(int(value)) if float(value).is_integer() else FloatObject(value)


def _widths(array) -> dict[int, float]:
    """A ``/W`` array (``c [w1 w2 …]`` and ``c_first c_last w``) as glyph id → width."""
    widths: dict[int, float] = {}
    items = list(array.get_object()) if array is not None else []
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1].get_object()
        if isinstance(following, list):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        else:
            for glyph in range(first, int(following) + 1):
                widths[glyph] = float(items[index + 2])
            index += 3
    return widths


def _w_array(widths: dict[int, float]):
    """Glyph id → width as a ``/W`` array, a run of consecutive ids per entry."""
    array, run = ArrayObject(), None
    for glyph in sorted(widths):
        width = widths[glyph]
        value = _number(width)
        if run is None or glyph - 1 not in widths:
            run = ArrayObject()
            array += [NumberObject(glyph), run]
        run.append(value)
    return array


BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def _to_unicode(font) -> dict[int, str] | None:
    """The font's ``/ToUnicode`` map (glyph id → text), or None when it is not all ``bfchar``."""
    if "/ToUnicode" not in font:
        return None
    data = font["/ToUnicode"].get_object().get_data()
    if b"beginbfrange" in data:
        return None
    found = {}
    for block in BFCHAR.findall(data):
        for glyph, text in PAIR.findall(block):
            found[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
    return found


def _cmap(mapping: dict[int, str]) -> bytes:
    """A ToUnicode CMap (ISO 32000-1, 9.10.3) of ``mapping``, in ``bfchar`` blocks of 100."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        block = items[start:start + 100]
        lines.append(f"{len(block)} beginbfchar".encode())
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode() for glyph, text in block]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(widths: dict[int, float]) -> bytes:
    bits = bytearray((max(widths, default=0) // 8) + 1)
    for glyph in widths:
        bits[glyph // 8] |= 0x80 >> (glyph % 8)
    return bytes(bits)


def _free_name(name: str, taken: set[str]) -> str:
    """``name`` with a tag (the six letters before "+") not in ``taken``; added to ``taken``."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{name}/{salt}".encode()).digest()
        new = "/" + "".join(chr(65 + b % 26) for b in digest[:6]) + name[7:]
        if new not in taken:
            taken.add(new)
            return new
        salt += 1


def _rename(font, new: str) -> None:
    font[NameObject("/BaseFont")] = NameObject(new)
    for descendant in font.get("/DescendantFonts") or []:
        descendant = descendant.get_object()
        descendant[NameObject("/BaseFont")] = NameObject(new)
        if "/FontDescriptor" in descendant:
            descendant["/FontDescriptor"].get_object()[NameObject("/FontName")] = NameObject(new)
    if "/FontDescriptor" in font:
        font["/FontDescriptor"].get_object()[NameObject("/FontName")] = NameObject(new)
