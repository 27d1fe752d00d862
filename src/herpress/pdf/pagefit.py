"""Nothing past the page: what a finished print PDF draws outside its text block or near the trim.

WeasyPrint lays an unbreakable word, a wide image or a table past the text block's edge without
a word; the printer then trims what crossed the page edge, and what stopped short of it sits in
the margin. After every layout the PDF is read back with pdfium:

* **overflows** — text or an image reaching more than :data:`TOLERANCE` past the left or right
  edge of the text block (inside and outside margins alternate with the page's side), each
  said as ``file:line: … overflows the page by N pt``, the line found from the overflowing
  words in the chapter's files;
* **the safety margin** — text or an image within the print profile's safety distance of the
  trim (``Profile.safety``: KDP's 0.25 in, IngramSpark's and Lulu's 0.5 in), which a printer's
  check refuses: running heads and folios included.

Only the strips outside the text block are read (``get_text_bounded``), and a page's
characters one by one only where a strip holds any; with the word count (both read each page's
text once, :func:`herpress.proofread.read_pdf`) 751 pages take 2.1 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TOLERANCE = 2.5  # points: a line that ends in a URL's "/" overhangs by 1–2 pt (22 lines of the Rust book's 751 pages); invisible
INCH = 72.0


@dataclass
class Overflow:
    page: int  # index in the PDF
    amount: float  # points past the text block
    text: str  # the line it is on (or "an image")


@dataclass
class Placed:
    """A raster image as printed: its pixels and its resolution at the size it is printed."""

    page: int
    pixels: tuple[int, int]
    ppi: float


@dataclass
class Fit:
    overflows: list[Overflow]
    unsafe: list[tuple[int, str]]  # (page index, what is within the safety margin)
    images: list[Placed] = field(default_factory=list)


def add(fit: Fit, more: Fit) -> None:
    """Add to ``fit`` what ``more`` (a page's) found."""
    fit.overflows += more.overflows
    fit.unsafe += more.unsafe
    fit.images += more.images


def fit_to(fit: Fit) -> dict:
    """What one page's :func:`check_page` found, as JSON, without the page's index (kept by
    :mod:`.readback`; :func:`fit_from` reads it back)."""
    return {"overflows": [[o.amount, o.text] for o in fit.overflows], "unsafe": [what for _, what in fit.unsafe],
            "images": [[*p.pixels, p.ppi] for p in fit.images]}


def fit_from(value: dict, index: int) -> Fit:
    """:func:`fit_to`'s JSON as page ``index``'s Fit (TypeError or ValueError on another shape)."""
    return Fit(overflows=[Overflow(index, float(amount), _text(text)) for amount, text in value["overflows"]],
               unsafe=[(index, _text(what)) for what in value["unsafe"]],
               images=[Placed(index, (int(wide), int(high)), float(ppi)) for wide, high, ppi in value["images"]])


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def check_page(fit: Fit, index: int, page, text, geometry, safety: float) -> None:
    """Add to ``fit`` what page ``index`` (its ``text``: a pdfium text page) draws out of place."""
    import pypdfium2.raw as raw

    media_left, media_bottom, media_right, media_top = page.get_mediabox()
    left, bottom, right, top = page.get_trimbox()
    recto = index % 2 == 0  # the first page of a book is a right-hand page
    inner_left = left + (geometry.inside if recto else geometry.outside) * INCH
    inner_right = right - (geometry.outside if recto else geometry.inside) * INCH
    block_bottom, block_top = bottom + geometry.bottom * INCH, top - geometry.top * INCH
    strips = [(media_left, inner_left - TOLERANCE), (inner_right + TOLERANCE, media_right)]
    if any(text.get_text_bounded(left=a, right=b, bottom=block_bottom, top=block_top).strip() for a, b in strips):
        fit.overflows += _text_overflows(index, text, inner_left, inner_right, block_bottom, block_top)
    reach = safety * INCH
    if reach > 0:
        bands = [(left, right, bottom, bottom + reach), (left, right, top - reach, top),
                 (left, left + reach, bottom, top), (right - reach, right, bottom, top)]
        near = " ".join(t for t in (text.get_text_bounded(left=a, right=b, bottom=c, top=d).strip()
                                    for a, b, c, d in bands) if t)
        if near:
            fit.unsafe.append((index, near[:60]))
    for image in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        x0, y0, x1, y1 = image.get_bounds()
        wide, high = image.get_px_size()
        if x1 > x0 and y1 > y0:
            fit.images.append(Placed(index, (wide, high), min(wide / ((x1 - x0) / INCH), high / ((y1 - y0) / INCH))))
        past = max(inner_left - x0, x1 - inner_right)
        if past > TOLERANCE:
            fit.overflows.append(Overflow(index, past, "an image"))
        if reach > 0 and (x0 < left + reach or x1 > right - reach or y0 < bottom + reach or y1 > top - reach):
            fit.unsafe.append((index, "an image"))


def _text_overflows(index: int, text, inner_left: float, inner_right: float, block_bottom: float,
                    block_top: float) -> list[Overflow]:
    """Each line of ``text`` (a page's) that crosses a side of the text block, and by how much."""
    lines: dict[int, list[float]] = {}
    for n in range(text.count_chars()):
        x0, y0, x1, y1 = text.get_charbox(n)
        if x1 <= x0 or y1 < block_bottom or y0 > block_top:
            continue
        past = max(inner_left - x0, x1 - inner_right)
        if past > TOLERANCE:
            key = round((y0 + y1) / 2)
            lines.setdefault(key, [y0, y1, 0.0])
            entry = lines[key]
            entry[0], entry[1], entry[2] = min(entry[0], y0), max(entry[1], y1), max(entry[2], past)
    found = []
    for y0, y1, past in lines.values():
        line = text.get_text_bounded(bottom=y0 + 0.5, top=y1 - 0.5).strip()
        found.append(Overflow(index, past, " ".join(line.split())))
    return found


def messages(fit: Fit, book, starts, labels: list[str]) -> list[tuple[str, str | None, int | None]]:
    """(message, file, line) for each overflow, its file and line found from its words."""
    chapters = {f"chapter:{chapter.slug}": chapter for chapter in book.chapters}
    region_of = page_regions(starts, len(labels))
    said = []
    for overflow in fit.overflows:
        page = labels[overflow.page] if overflow.page < len(labels) and labels[overflow.page] else \
            f"#{overflow.page + 1}"
        chapter = chapters.get(region_of[overflow.page]) if overflow.page < len(region_of) else None
        what = f"'{overflow.text[:50]}'" if overflow.text != "an image" else "an image"
        file, line = _locate(book, chapter, overflow.text) if chapter else (None, None)
        said.append((f"{what} overflows the page by {overflow.amount:.0f} pt (page {page})", file, line))
    return said


MIN_PPI = 300  # what printers ask of a photograph at its printed size


def low_resolution(fit: Fit, book, starts, labels: list[str]) -> list[tuple[str, str | None, int | None]]:
    """(message, file, line) for each of the author's images printed under :data:`MIN_PPI`, named
    by its file: the image of its chapter with the same pixel size (charts are vector, never here)."""
    chapters = {f"chapter:{chapter.slug}": chapter for chapter in book.chapters}
    region_of = page_regions(starts, len(labels))
    sizes = _pixel_sizes(book)
    said, seen = [], set()
    for placed in fit.images:
        if placed.ppi >= MIN_PPI - 1:
            continue
        chapter = chapters.get(region_of[placed.page]) if placed.page < len(region_of) else None
        names = [name for name, size in sizes.items() if size == placed.pixels]
        used = [name for name in names if chapter is not None and f'src="{name}"' in chapter.body_html] or names
        name = used[0] if used else "an image"
        if (name, round(placed.ppi)) in seen:
            continue
        seen.add((name, round(placed.ppi)))
        page = labels[placed.page] if placed.page < len(labels) and labels[placed.page] else f"#{placed.page + 1}"
        file, line = _locate(book, chapter, name) if chapter and used else (None, None)
        said.append((f"{name} is printed at {placed.ppi:.0f} ppi (page {page}); printers want {MIN_PPI}: "
                     f"a larger image, or a smaller width", file, line))
    return said


def colour_images(book) -> list[tuple[str, str | None, int | None]]:
    """(message, file, line) for each of the author's images in colour, which a black-and-white
    interior prints in gray (:mod:`herpress.pdf.inks`): hues of one lightness merge there, and the
    author should see the gray proof. An image counts as colour when some pixel's channels differ
    by more than 8 of 255 (a scan of a gray photograph differs by a few)."""
    import io

    import numpy
    from PIL import Image

    said = []
    for name, asset in _raster_assets(book):
        try:
            with Image.open(io.BytesIO(asset.data)) as image:
                image.thumbnail((256, 256))
                pixels = numpy.asarray(image.convert("RGB"), dtype=numpy.int16)
        except Exception:  # noqa: BLE001 - images.py has checked the book's images already
            continue
        if int((pixels.max(axis=-1) - pixels.min(axis=-1)).max()) <= 8:
            continue
        chapter = next((c for c in book.chapters if f'src="{name}"' in c.body_html), None)
        file, line = _locate(book, chapter, name) if chapter else (None, None)
        said.append((f"{name} is in colour: the black-and-white interior prints it in gray (look at it in the gray "
                     "proof, or set [print] interior = \"color\")", file, line))
    return said


def _raster_assets(book):
    for name, asset in book.assets.items():
        if asset.media_type in ("image/png", "image/jpeg", "image/gif") and not name.startswith("images/fig-") \
                and not callable(asset.content):
            yield name, asset


def _pixel_sizes(book) -> dict[str, tuple[int, int]]:
    """The pixel size of each of the book's raster images (its header read, not its pixels)."""
    import io

    from PIL import Image

    sizes = {}
    for name, asset in _raster_assets(book):
        try:
            with Image.open(io.BytesIO(asset.data)) as image:
                sizes[name] = image.size
        except Exception:  # noqa: BLE001 - images.py has checked the book's images already
            continue
    return sizes


def page_regions(starts, pages: int) -> list[str]:
    """The region each of ``pages`` pages prints ("chapter:<slug>", "glossary", …), from the page starts."""
    region, by_page, n = "", [], 0
    ordered = sorted(starts, key=lambda start: start.page)
    for index in range(pages):
        while n < len(ordered) and ordered[n].page <= index:
            region = ordered[n].region
            n += 1
        by_page.append(region)
    return by_page


def _locate(book, chapter, line_text: str) -> tuple[str | None, int | None]:
    """The file and line of the chapter holding the longest words of ``line_text`` (or the file
    name it is)."""
    from ..sources import written_at

    if chapter is None:
        return None, None
    if " " not in line_text and "." in line_text:  # a file name: as written, or its last part
        candidates = [line_text, line_text.rsplit("/", 1)[-1]]
    else:
        words = {w.strip(".,;:()[]{}\"'`") for w in line_text.split()}
        candidates = [w for w in sorted(words, key=len, reverse=True) if len(w) >= 4][:3]
    file, line = written_at(book.root, chapter.files or [chapter.source], candidates)
    return (file, line) if file else (str(chapter.source), None)
