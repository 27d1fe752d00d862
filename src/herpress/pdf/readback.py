"""A finished PDF's pages read back once per content: what preflight (:mod:`.legibility`,
:mod:`.inkcheck`) and the proofreading (:mod:`herpress.proofread`: page fit, visible words) found
on a page is kept under a digest of everything that page draws, and a later build whose page
draws the same is told it again instead of reading the page.

Reading every page back was ~1.5 s of the 4.9 s a one-chapter edit of the 431-page benchmark
book took (pikepdf parsing each content stream for type, lines and inks; pdfium making a text
page of each for the page fit and the word gate). An edit lays out one chapter again, and the
pages of the others are byte for byte what they were (the join is deterministic: see
:mod:`.subsets`): a typo corrected changes one page's digest of 431.

A page's digest covers its dictionary (boxes, resources) and every object it reaches — content
streams, forms, patterns, images, fonts with their programs, widths and text maps — hashed once
each, by value, not by object number; its links are left out (they reach other pages), and so is
its place in the page tree. Type, lines and inks are read from the content alone and a font's
name (:mod:`.legibility` reads no glyph): for them a font is its name and kind only
(:data:`BY_NAME`), so that a glyph new to the book, which changes the merged font every page of
its face draws with, does not have every page read again for them — only for the text pdfium
extracts, which the font's program, widths and text map make. What a page is read back for also depends on where it lies (a recto's
inside margin is on its left) and on the page geometry: those are part of the key too
(:meth:`PageMemo.key`), and herpress's code is the cache's salt. The pages of each kind are kept
as one JSON entry, sealed (:class:`herpress.cache.BlobCache`): a damaged one is every page read
again, and a page's value not of the shape its reader expects is that page read again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

_LEFT_OUT = frozenset(("/Parent", "/Annots", "/B", "/StructParents", "/Thumb", "/PieceInfo"))
_FONT_NAMED = ("/Type", "/Subtype", "/BaseFont", "/Name")  # a font as BY_NAME kinds see it (not Type 3)
BY_NAME = frozenset(("marks", "inks"))  # the kinds read from the content and the fonts' names alone


def page_digests(path: Path, fonts_by_name: bool = False) -> list[str]:
    """One digest per page of the PDF at ``path``; ``fonts_by_name``: each font hashed as its
    name and kind, not its program, widths and text map."""
    return both_digests(path)[fonts_by_name]


def both_digests(path: Path) -> tuple[list[str], list[str]]:
    """Each page's digest of everything it draws, and with its fonts by name (:data:`BY_NAME`):
    both made in one walk of the PDF (the Rust book's 748 pages: 0.21–0.27 s, where a walk for
    each took 0.56 s of its typo edit)."""
    import pikepdf

    with pikepdf.open(str(path)) as pdf:
        hashed: dict[tuple[int, int], tuple[bytes, bytes] | None] = {}
        digests = [_digest(page.obj, hashed) for page in pdf.pages]
    return [whole.hex() for whole, _ in digests], [named.hex() for _, named in digests]


def _digest(obj, hashed: dict) -> tuple[bytes, bytes]:
    """The digests of a dictionary or stream and all it reaches — whole, and with fonts by name;
    shared objects hashed once."""
    import pikepdf

    ref = obj.objgen
    if ref != (0, 0):
        if ref in hashed:
            return hashed[ref] or (b"cycle", b"cycle")
        hashed[ref] = None  # being hashed: a reference back to it is hashed as a mark
    whole, named = hashlib.sha256(b"<<"), hashlib.sha256(b"<<")
    font = obj.get("/Type") == "/Font" and obj.get("/Subtype") != "/Type3"
    for key in sorted(obj.keys()):
        if key in _LEFT_OUT:
            continue
        mine, by_name = _value(obj[key], hashed)
        whole.update(key.encode() + mine)
        if not font or key in _FONT_NAMED:
            named.update(key.encode() + by_name)
    if isinstance(obj, pikepdf.Stream):
        data = b"stream" + hashlib.sha256(obj.read_raw_bytes()).digest()
        whole.update(data)
        named.update(data)
    found = whole.digest(), named.digest()
    if ref != (0, 0):
        hashed[ref] = found
    return found


def _value(value, hashed: dict) -> tuple[bytes, bytes]:
    """A value's bytes to hash, whole and with fonts by name."""
    import pikepdf

    if isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
        if value.get("/Type") == "/Page":  # another page (a destination): named, never followed
            return b"page", b"page"
        mine, by_name = _digest(value, hashed)
        return b"R" + mine, b"R" + by_name
    if isinstance(value, pikepdf.Array):
        items = [_value(item, hashed) for item in value]
        return (b"[" + b"".join(m for m, _ in items) + b"]", b"[" + b"".join(n for _, n in items) + b"]")
    plain = (value.unparse() if isinstance(value, pikepdf.Object) else repr(value).encode()) + b" "
    return plain, plain


class PageMemo:
    """What was read back from each page of one PDF, by what the page draws: for each kind, one
    cache entry holding every page's (read once when first asked, written by :meth:`save` when
    the reader is done: 3 files, not one a page — ~1,300 for 431 pages cost ~0.2 s to write and
    ~0.1 s to read). ``cache`` (a :class:`herpress.cache.BlobCache`) None: nothing kept, every page
    read (``herpress check`` of any PDF, a build without a cache folder)."""

    def __init__(self, path: Path, cache=None):
        self.path, self.cache = path, cache
        self._digests: tuple[list[str], list[str]] | None = None  # whole, fonts by name
        self._found: dict[str, dict] = {}  # kind -> page key -> value, as the last build kept them
        self._now: dict[str, dict] = {}  # kind -> page key -> value, this PDF's
        self.read: dict[str, int] = {}  # pages read, by kind, in this build (tests read it)
        self.kept: dict[str, int] = {}  # pages whose reading was found

    def key(self, kind: str, index: int, *also) -> str | None:
        """Page ``index``'s key among ``kind``'s: its digest, and what else its reading depends on."""
        if self._digests is None:
            self._digests = both_digests(self.path)
        digests = self._digests[kind in BY_NAME]
        return " ".join([digests[index], *map(str, also)]) if index < len(digests) else None

    def _entry(self, kind: str) -> str:
        return self.cache.key("readback", kind)

    def _kept(self, kind: str) -> dict:
        if kind not in self._found:
            data = self.cache.get(self._entry(kind))
            try:
                found = json.loads(data) if data is not None else {}
            except ValueError:
                found = {}
            self._found[kind] = found if isinstance(found, dict) else {}
        return self._found[kind]

    def get(self, kind: str, index: int, decode, *also):
        """What reading page ``index`` for ``kind`` gave, decoded by ``decode`` (which raises
        KeyError, TypeError or ValueError on a value not of its shape); None to read it."""
        if self.cache is None:
            return None
        key = self.key(kind, index, *also)
        raw = None if key is None else self._now.get(kind, {}).get(key, self._kept(kind).get(key))  # alike pages once
        if raw is not None:
            try:
                value = decode(raw)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError):
                value = None
            if value is not None:
                self._now.setdefault(kind, {})[key] = raw
                self.kept[kind] = self.kept.get(kind, 0) + 1
                return value
        self.read[kind] = self.read.get(kind, 0) + 1
        return None

    def put(self, kind: str, index: int, value, *also) -> None:
        """Keep ``value`` (JSON-able) as what page ``index`` gave for ``kind``."""
        if self.cache is None:
            return
        key = self.key(kind, index, *also)
        if key is not None:
            self._now.setdefault(kind, {})[key] = value

    def save(self, kind: str) -> None:
        """Write what this PDF's pages gave for ``kind`` (the reader is done with it)."""
        if self.cache is not None:
            self.cache.put(self._entry(kind), json.dumps(self._now.get(kind, {}), ensure_ascii=False,
                                                          sort_keys=True).encode())

    def keep_only_used(self) -> None:
        if self.cache is not None:
            self.cache.keep_only_used()


NOTHING_KEPT = PageMemo(Path())  # for readers called without a memo
