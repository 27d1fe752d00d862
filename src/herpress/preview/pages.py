"""The print view's pages: the PDF herpress just built, each page drawn as a PNG when it is asked for.

A page is drawn by pdfium (pypdfium2, as ``herpress proof`` draws its spreads), cropped to its
TrimBox, at :data:`DPI` — enough to read the text and judge the type — only when the page first
scrolls near the screen, and kept under the PDF's version (the first hex digits of its SHA-256),
so a rebuild that leaves a page as it was costs a lookup, not a drawing, and a page of the last
version asked for while the new one arrives is still there (:class:`Shelf` keeps two).

Where each chapter begins is read, not guessed: the page map of the layout that made the PDF
(:mod:`herpress.pagemap`, the same one that places the EPUB's page-break markers) names the first
page of each region (``chapter:<slug>``, the glossary, the index…), and the folio printed on each
page follows from the folios of the pages the map names.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections import OrderedDict
from pathlib import Path

DPI = 110  # a 6 × 9 in page is 660 × 990 pixels
KEPT_IMAGES = 400  # pages drawn and kept, of every version held
_LOCK = threading.Lock()  # pdfium is not thread-safe: one page is drawn at a time
_ROMAN = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50), ("xl", 40),
          ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))


class PrintEdition:
    """One print PDF: its pages, their size, the folio printed on each and where each region begins."""

    def __init__(self, path: Path, starts: list[dict] | None):
        import pypdfium2 as pdfium

        data = path.read_bytes()
        self.path = path
        self.version = hashlib.sha256(data).hexdigest()[:16]
        with _LOCK:
            self.document = pdfium.PdfDocument(data)
            self.count = len(self.document)
            first = self.document[0] if self.count else None
            trim = first.get_trimbox() if first is not None else (0, 0, 432, 648)
        self.size = (round(trim[2] - trim[0], 2), round(trim[3] - trim[1], 2))  # points
        starts = [start for start in starts or () if 0 <= start.get("page", -1) < self.count]
        self.regions: dict[str, int] = {}
        for start in sorted(starts, key=lambda s: s["page"]):
            self.regions.setdefault(start["region"], start["page"])
        self.folios = folios(starts, self.count)
        self.closed = False

    def render(self, index: int) -> bytes | None:
        """Page ``index`` (from 0) as a PNG, cropped to the trim; None once the edition is closed."""
        with _LOCK:
            if self.closed:
                return None
            page = self.document[index]
            media, trim = page.get_mediabox(), page.get_trimbox()
            crop = (trim[0] - media[0], trim[1] - media[1], media[2] - trim[2], media[3] - trim[3])
            image = page.render(scale=DPI / 72, crop=crop).to_pil().convert("RGB")
            page.close()
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=1)
        return out.getvalue()

    def close(self) -> None:
        with _LOCK:
            if not self.closed:
                self.closed = True
                self.document.close()

    def summary(self, chapters: dict[str, int]) -> dict:
        from ..pdf.proof import spreads

        return {"version": self.version, "count": self.count, "size": self.size, "folios": self.folios,
                "spreads": spreads(self.count), "chapters": chapters}


def folios(starts: list[dict], count: int) -> list[str]:
    """The folio of each page: the page map's where it names the page, else counted on from the
    last page it names before (arabic or roman, as that one is); "" before the first."""
    labels = [""] * count
    named = {start["page"]: start["label"] for start in starts if start.get("label")}
    last = None
    for index in range(count):
        if index in named:
            last = (index, named[index])
            labels[index] = named[index]
        elif last is not None:
            labels[index] = _count_on(last[1], index - last[0])
    return labels


def _count_on(label: str, steps: int) -> str:
    if label.isdigit():
        return str(int(label) + steps)
    if re.fullmatch(r"[ivxlcdm]+", label):
        return _roman(_from_roman(label) + steps)
    return ""


def _from_roman(text: str) -> int:
    value, rest = 0, text
    for letters, number in _ROMAN:
        while rest.startswith(letters):
            value, rest = value + number, rest[len(letters):]
    return value


def _roman(number: int) -> str:
    text = ""
    for letters, value in _ROMAN:
        while number >= value:
            text, number = text + letters, number - value
    return text


class Shelf:
    """The print editions a page may still ask for (the newest and the one before), and the pages
    drawn of them."""

    def __init__(self):
        self.editions: OrderedDict[str, PrintEdition] = OrderedDict()
        self.images: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self.lock = threading.Lock()

    @property
    def current(self) -> PrintEdition | None:
        return next(reversed(self.editions.values()), None)

    def add(self, edition: PrintEdition) -> None:
        with self.lock:
            self.editions.pop(edition.version, None)
            self.editions[edition.version] = edition
            while len(self.editions) > 2:
                _, old = self.editions.popitem(last=False)
                old.close()
                for key in [key for key in self.images if key[0] == old.version]:
                    del self.images[key]

    def image(self, version: str, index: int) -> bytes | None:
        """Page ``index`` of that version as a PNG; None when neither is held or it has no such page."""
        with self.lock:
            edition = self.editions.get(version)
            kept = self.images.get((version, index))
        if edition is None or not 0 <= index < edition.count:
            return None
        if kept is None:
            kept = edition.render(index)
            if kept is None:
                return None
            with self.lock:
                self.images[(version, index)] = kept
                while len(self.images) > KEPT_IMAGES:
                    self.images.popitem(last=False)
        return kept
