"""Images as the stores take them: opaque, within their size limits, and SVG made raster.

KDP and Kobo refuse images with transparency and take none over 5 MB; an alpha channel that is
opaque everywhere (what matplotlib writes) is still an alpha channel to their checks. Every
edition's PNGs go through :func:`opaque`; the Kindle edition's SVGs through :func:`rasterise`.
"""

from __future__ import annotations

import io
import re

from lxml import etree

MAX_BYTES = 5 * 2**20  # KDP and Kobo: images up to 5 MB
MAX_SIDE = 2560  # pixels: a Kindle Scribe's long side; more only costs the reader's download
SVG_SCALE = 2  # an author's SVG rasterised at twice its CSS size (192 dpi), within MAX_SIDE


def needs_change(data: bytes) -> bool:
    """Whether an image may be transparent (an alpha channel, a transparent colour) or is over the
    limits, read from its header: Pillow (~0.15 s to import) is loaded only for an image to change.
    A PNG without alpha, tRNS and within the limits, or a JPEG within them, needs nothing."""
    if len(data) > MAX_BYTES:
        return True
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height, colour = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"), data[25]
        return colour in (4, 6) or b"tRNS" in data[: data.find(b"IDAT")] or max(width, height) > MAX_SIDE
    return not data.startswith(b"\xff\xd8")  # a GIF, a WebP: looked at with Pillow


def opaque(data: bytes) -> bytes:
    """An image (PNG, GIF, JPEG…) without transparency — flattened onto white, in its own format —
    and within the stores' size limits; one that needs neither comes back as it was. A GIF keeps
    its first frame only."""
    if not needs_change(data):
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        kind = image.format
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        if not has_alpha and max(image.size) <= MAX_SIDE and len(data) <= MAX_BYTES:
            return data
        image = image.convert("RGBA") if has_alpha else image.convert("RGB")
        if has_alpha:
            plate = Image.new("RGB", image.size, "white")
            plate.paste(image, mask=image.getchannel("A"))
            image = plate
        if max(image.size) > MAX_SIDE:
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
        while True:
            out = io.BytesIO()
            if kind == "GIF":
                image.convert("P", palette=Image.ADAPTIVE).save(out, format="GIF", optimize=True)
            elif kind == "JPEG":
                image.save(out, format="JPEG", quality=90)
            elif kind == "WEBP":
                image.save(out, format="WEBP", lossless=True)
            else:
                image.save(out, format="PNG", optimize=True)
            if out.tell() <= MAX_BYTES or max(image.size) < 400:
                return out.getvalue()
            image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)


_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px|pt|in|cm|mm)?\s*$")
_PX = {"px": 1, None: 1, "pt": 96 / 72, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4}


def svg_size(svg: bytes) -> tuple[float, float]:
    """The SVG's CSS size in px: its width and height, else its viewBox, else 300×150 (HTML's default)."""
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    lengths = [_LENGTH.match(root.get(name) or "") for name in ("width", "height")]
    if all(lengths):
        return tuple(float(m.group(1)) * _PX[m.group(2)] for m in lengths)
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        width, height = float(box[2]), float(box[3])
        if lengths[0]:
            scale = float(lengths[0].group(1)) * _PX[lengths[0].group(2)] / width
            return width * scale, height * scale
        return width, height
    return 300.0, 150.0


def rasterise(svgs: list[bytes], book=None) -> list[bytes]:
    """SVGs of the author's as opaque PNGs, drawn by WeasyPrint's SVG renderer with the print
    edition's fonts when ``book`` is given (a diagram's "Times,serif" is set as the print edition
    sets it: the machine's serif face may be wider than the one its boxes were measured with).
    All in one layout, a page each (named pages of their own sizes): the fonts are set up once,
    not per image (the Rust book's 20 diagrams: 4.6 s one at a time, 2.2 s so and without PNG
    optimisation). Nothing but the SVGs is
    read: they come checked by :func:`herpress.references.svg_problem`."""
    import base64

    import pypdfium2
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    if not svgs:
        return []
    sizes = [svg_size(svg) for svg in svgs]
    rules, pages = [], []
    for n, (svg, (width, height)) in enumerate(zip(svgs, sizes)):
        rules.append(f"@page p{n} {{ size: {width:.2f}px {height:.2f}px; margin: 0 }} "
                     f".p{n} {{ page: p{n}; break-before: page; width: {width:.2f}px; height: {height:.2f}px }}")
        pages.append(f'<img class="p{n}" src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}">')
    html = f"<style>body {{ margin: 0 }} img {{ display: block }} {' '.join(rules)}</style>{''.join(pages)}"
    options = {}
    if book is not None:
        from ..pdf.print_fonts import font_configuration, font_faces

        options["font_config"] = font_configuration(book)
        # the text faces too: no print.css declares them here
        options["stylesheets"] = [font_faces(book, options["font_config"], ("text", "code", "charts", "fallback"))]
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"], fail_on_errors=True)).write_pdf(
        **options)
    document = pypdfium2.PdfDocument(pdf)
    drawn = []
    try:
        for page, (width, height) in zip(document, sizes):
            scale = min(SVG_SCALE, MAX_SIDE / max(width, height, 1))
            image = page.render(scale=scale * 96 / 72, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
            out = io.BytesIO()
            image.save(out, format="PNG")  # optimize=True tripled the time (2.7 of 3.8 s for 20 SVGs)
            drawn.append(out.getvalue())
    finally:
        document.close()
    if len(drawn) != len(svgs):  # a page per SVG, or the layout did not do what it was asked
        raise RuntimeError(f"{len(svgs)} SVGs drawn on {len(drawn)} pages")
    return drawn
