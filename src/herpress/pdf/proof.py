"""Proof spreads: the print PDF as PNG images of facing pages, for an author to look at.

Page 1 is a recto and stands alone on the right; then 2–3, 4–5, … side by side, as the
bound book opens. Each page is cropped to its TrimBox (what the reader will see) and
rendered with pdfium (pypdfium2), so nothing outside Python is needed.
"""

from __future__ import annotations

from pathlib import Path

GAP = 4  # pixels between the two pages of a spread (the spine)


def spreads(page_count: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indices of each spread: (None, 0), (1, 2), (3, 4), …"""
    pairs: list[tuple[int | None, int | None]] = [(None, 0)] if page_count else []
    for left in range(1, page_count, 2):
        pairs.append((left, left + 1 if left + 1 < page_count else None))
    return pairs


def render_spreads(pdf: Path, folder: Path, dpi: float = 60) -> list[Path]:
    """Write ``spread-NN.png`` into ``folder`` (old spreads are removed); return the paths."""
    import pypdfium2 as pdfium
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("spread-*.png"):
        old.unlink()
    document = pdfium.PdfDocument(str(pdf))
    try:
        images = [_render(document[index], dpi) for index in range(len(document))]
    finally:
        document.close()
    written = []
    for number, (left, right) in enumerate(spreads(len(images)), 1):
        sample = images[right if right is not None else left]
        width, height = sample.size
        sheet = Image.new("RGB", (2 * width + GAP, height), (128, 128, 128))
        for index, x in ((left, 0), (right, width + GAP)):
            if index is not None:
                sheet.paste(images[index], (x, 0))
        path = folder / f"spread-{number:02d}.png"
        sheet.save(path)
        written.append(path)
    return written


def _render(page, dpi: float):
    media = page.get_mediabox()
    trim = page.get_trimbox()
    crop = (trim[0] - media[0], trim[1] - media[1], media[2] - trim[2], media[3] - trim[3])
    return page.render(scale=dpi / 72, crop=crop).to_pil().convert("RGB")
