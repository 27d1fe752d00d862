"""The print interior's inks: its colours turned into what the press prints, then read back.

WeasyPrint converts no colours: it writes each as the stylesheets and SVGs give it, RGB (or
DeviceCMYK where ``print-cmyk.css`` says so). A black-and-white interior must hold gray only
(IngramSpark: "grayscale only", and no ICC profile, with which black text can print as grey
dots); IngramSpark's colour PDF/X must hold no RGB and at most 240 % total ink. So where
:func:`herpress.pdf.profiles.inks` says ``gray`` or ``cmyk``, :func:`convert` rewrites every
colour of the laid-out PDF where it is set — the operators of each page, form (the charts) and
tiling pattern (their hatches), each image, shading and transparency group — and nothing else:
the fonts, text and structure WeasyPrint wrote stay as they are.

* **Gray:** a colour becomes the gray of the same lightness (sRGB's luminance, encoded again with
  sRGB's curve: a neutral stays the very tone it was; the charts' gray scheme is chosen in CIE L*,
  :mod:`herpress.charts._style`). CMYK goes to gray the same way through its RGB look.
* **CMYK:** a neutral colour (black text, gray rules) becomes DeviceGray, which a CMYK press prints
  in black ink alone (text at 100 % K, never a rich black of four inks); any other colour and every
  image goes through littleCMS (Pillow's ``ImageCms``) from sRGB to the output intent's profile
  (``styles/color/default_cmyk.icc``), relative colorimetric; then each is capped at the printer's
  total ink (:func:`capped`).

Ghostscript's ``pdfwrite`` was tried first and dropped: it re-encodes every font, and version 10.0
(Debian 12's) writes the ligatures' ``/ToUnicode`` wrong ("After" read back as "A昀琀er"), so the
word gate refused every chapter. Ghostscript still renders the CMYK proof on which total ink is
measured (:func:`herpress.pdf.inkcheck.rendered_ink`). Nothing is trusted: :mod:`.inkcheck` reads
every colour back and names each page that breaks the rule; preflight stops the build on any.
"""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache
from pathlib import Path

from ..errors import BookError
from .contents import numeric, space_of, streams_of, things

#: A registered characterization (ICC's registry) a PDF/X output intent may name without embedding
#: a profile: what a black-and-white PDF/X interior carries, since IngramSpark wants no ICC profile in it.
GRAY_CONDITION = "CGATS TR 001"
NEUTRAL = 1 / 512  # an RGB colour whose channels differ by less than this is a gray


def convert(path: Path, book, profile, space: str | None = None) -> None:
    """Rewrite the colours of the PDF at ``path`` in ``space`` (by default the one its interior
    ends in, :func:`herpress.pdf.profiles.inks`), capped at ``profile.total_ink``; nothing when
    that is RGB. ``book`` gives the interior setting and the colour profile."""
    from .profiles import inks

    space = space or inks(profile, book.print_settings.interior)
    if space == "rgb":
        return
    converted = path.with_name(f".{path.name}.inks.{os.getpid()}.tmp")
    try:
        recolour(path, converted, Inking(space, _output_profile(book) if space == "cmyk" else None,
                                         profile.total_ink), profile)
        os.replace(converted, path)
    finally:
        converted.unlink(missing_ok=True)


def _output_profile(book) -> Path:
    from .. import styles

    return styles.find(book.style_dirs, "color/default_cmyk.icc")


class Inking:
    """How one colour, or one image's pixels, becomes the target space's."""

    def __init__(self, space: str, icc: Path | None = None, total_ink: float | None = None):
        self.space, self.icc, self.total_ink = space, icc, total_ink
        self._colours: dict[tuple, tuple] = {}

    def colour(self, values: tuple[float, ...], source: str) -> tuple[float, ...]:
        """``values`` in ``source`` ("gray", "rgb" or "cmyk") as the operands of the target's
        operator: one gray, or a gray (a neutral, even in a CMYK file) or four CMYK values."""
        key = (source, values)
        if key not in self._colours:
            self._colours[key] = self._convert(values, source)
        return self._colours[key]

    def _convert(self, values, source):
        if source == "gray":
            return values
        if source == "cmyk":
            if self.space == "cmyk":
                return capped(*values, self.total_ink) if self.total_ink else values
            values = tuple((1 - c) * (1 - values[3]) for c in values[:3])  # its RGB look
        r, g, b = values
        if self.space == "gray" or max(values) - min(values) < NEUTRAL:
            return (round(gray_of(r, g, b), 4),)
        import numpy

        cmyk = self.pixels(numpy.array([[[round(v * 255) for v in values]]], dtype=numpy.uint8), "rgb")[0, 0]
        return tuple(round(float(v) / 255, 4) for v in cmyk)

    def pixels(self, array, source: str):
        """An image's pixels (H×W×N, uint8, in ``source``) in the target space (H×W×1 or ×4)."""
        import numpy

        if source == "cmyk" and self.space == "gray":
            array = ((255 - array[..., :3].astype(numpy.float32)) * (255 - array[..., 3:].astype(numpy.float32))
                     / 255).round().astype(numpy.uint8)
            source = "rgb"
        if source == "gray" or (source == "cmyk" and self.space == "cmyk"):
            out = array
        elif self.space == "gray":
            out = gray_pixels(array)
        else:
            from PIL import Image, ImageCms

            image = ImageCms.applyTransform(Image.fromarray(array, "RGB"), _transform(str(self.icc)))
            out = numpy.asarray(image)
        if self.space == "cmyk" and out.shape[-1] == 4 and self.total_ink:
            out = capped_pixels(out, self.total_ink)
        return out


@lru_cache(maxsize=4)
def _transform(icc: str):
    from PIL import ImageCms

    return ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(icc), "RGB", "CMYK",
                                   renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)


def _linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _encoded(v: float) -> float:
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def gray_of(r: float, g: float, b: float) -> float:
    """The gray (0 black … 1 white) as light as the sRGB colour: its luminance, in sRGB's curve."""
    return _encoded(0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b))


ROWS = 256  # an image is converted this many rows at a time: a 4000 × 3000 photograph whole took ~0.5 GB a worker


def gray_pixels(array):
    """:func:`gray_of` of every pixel (H×W×3, uint8) as H×W×1 uint8, a band of rows at a time in
    float32 through lookup tables, so that memory stays a few times the image's own bytes."""
    import numpy

    linear = numpy.array([_linear(v / 255) for v in range(256)], dtype=numpy.float32)
    encode = numpy.array([round(_encoded(v / 4095) * 255) for v in range(4096)], dtype=numpy.uint8)
    out = numpy.empty(array.shape[:2] + (1,), dtype=numpy.uint8)
    for top in range(0, array.shape[0], ROWS):
        band = array[top:top + ROWS]
        y = linear[band[..., 0]] * 0.2126 + linear[band[..., 1]] * 0.7152 + linear[band[..., 2]] * 0.0722
        out[top:top + ROWS, :, 0] = encode[numpy.rint(y * 4095).astype(numpy.int16).clip(0, 4095)]
    return out


def capped_pixels(array, limit: float):
    """Every CMYK pixel (H×W×4, uint8) capped as :func:`capped` caps a colour, a band of rows at a time."""
    import numpy

    out = array.copy()
    for top in range(0, array.shape[0], ROWS):
        pixels = array[top:top + ROWS].astype(numpy.float32) / 255
        cmy, k = pixels[..., :3], pixels[..., 3:]
        over = pixels.sum(axis=-1, keepdims=True) > limit + 1e-3
        if not over.any():
            continue
        scale = numpy.where(over, numpy.clip(limit - k, 0, None) / numpy.maximum(cmy.sum(axis=-1, keepdims=True), 1e-6),
                            1.0)
        pixels[..., :3] = cmy * scale
        out[top:top + ROWS] = numpy.floor(pixels * 255).clip(0, 255).astype(numpy.uint8)
    return out


def recolour(source: Path, target: Path, inking: Inking, profile) -> None:
    """Write ``source`` to ``target`` with every colour in ``inking``'s space, and the output
    intent that space wants (for a gray PDF/X a registered condition and no profile)."""
    import pikepdf

    with pikepdf.open(source) as pdf:
        seen: set = set()
        for page in pdf.pages:
            for stream, resources in streams_of(page.obj, page.obj.get("/Resources"), seen):
                _recolour_stream(stream, resources, inking)
        for thing in _every_thing(pdf):
            _recolour_thing(pdf, thing, inking)
        _groups_in(pdf, inking.space)
        pdfx = bool(profile.pdf_variant and profile.pdf_variant.startswith("pdf/x"))
        if inking.space == "gray" and "/OutputIntents" in pdf.Root:
            del pdf.Root["/OutputIntents"]
        if inking.space == "gray" and pdfx:
            pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
                OutputConditionIdentifier=pikepdf.String(GRAY_CONDITION),
                RegistryName=pikepdf.String("http://www.color.org"),
                Info=pikepdf.String("Black-and-white interior: DeviceGray only, no ICC profile")))])
        pdf.save(target, object_stream_mode=pikepdf.ObjectStreamMode.preserve, fix_metadata_version=False,
                 deterministic_id=True)


def _operand(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


SETTERS = {"g": ("gray", "fill"), "G": ("gray", "stroke"), "rg": ("rgb", "fill"), "RG": ("rgb", "stroke"),
           "k": ("cmyk", "fill"), "K": ("cmyk", "stroke")}


#: a device colour operator; its operands are read back from just before it
_DEVICE_SETTER = re.compile(rb"(?<=\s)(rg|RG|k|K)(?=[\s\[\]<>/%]|$)")
_NUMBER = re.compile(rb"-?(?:\d+\.?\d*|\.\d+)$")
_OPERANDS = {n: re.compile(rb"(?<!\S)" + rb"\s+".join([rb"(\S+)"] * n) + rb"\s+$") for n in (3, 4)}
#: what only a parse can follow (colour spaces, inline images, literal strings): where any of these
#: bytes is in a stream, it is parsed (a name that holds them only costs the parse)
_NEEDS_PARSE = (b"cs", b"CS", b"sc", b"SC", b"BI", b"(")


def _recolour_stream(stream, resources, inking: Inking) -> None:
    """Each colour the stream sets, in the target space. A stream that sets colours only by the
    device operators (``r g b rg``, ``c m y k k``), and holds no literal string or inline image —
    WeasyPrint's pages of text — is rewritten in place, operand by operand (on the 431-page
    benchmark book, 1.5 s for a parse and an unparse of every stream before, ~0.2 s so); any other
    is parsed and written again."""
    import pikepdf

    data = stream.read_bytes()
    if not any(mark in data for mark in _NEEDS_PARSE):
        pieces, last = [], 0
        for match in _DEVICE_SETTER.finditer(data):
            count = 3 if match[1] in (b"rg", b"RG") else 4
            window = max(last, match.start() - 16 * count)
            found = _OPERANDS[count].search(data, window, match.start())
            operands = found.groups() if found else ()
            if len(operands) < count or not all(_NUMBER.match(v) for v in operands):
                break  # not what it seemed: the parse below reads it properly
            start = found.start(1)
            new = inking.colour(tuple(float(v) for v in operands), "rgb" if count == 3 else "cmyk")
            setter = {1: b"g", 4: b"k"}[len(new)]
            pieces += [data[last:start], b" ".join(_operand(v) for v in new), b" ",
                       setter if match[1].islower() else setter.upper()]
            last = match.end()
        else:
            if pieces:
                stream.write(b"".join(pieces) + data[last:])
            return
    operations = pikepdf.parse_content_stream(stream)
    out, changed = [], False
    spaces = {"fill": "gray", "stroke": "gray"}
    for operands, operator in operations:
        name = str(operator)
        if name in ("cs", "CS"):
            side = "fill" if name == "cs" else "stroke"
            spaces[side] = space_of(operands[0], resources).replace("icc ", "")
            if spaces[side] in ("gray", "rgb", "cmyk"):  # the colours that follow get device operators; a
                out.append(pikepdf.ContentStreamInstruction([0], pikepdf.Operator(  # new space starts black
                    "g" if side == "fill" else "G")))
                changed = True
                continue
        elif name in SETTERS or (name in ("sc", "scn", "SC", "SCN")
                                 and spaces["fill" if name.islower() else "stroke"] in ("gray", "rgb", "cmyk")
                                 and all(numeric(v) for v in operands)):
            source, side = SETTERS.get(name) or (spaces["fill" if name.islower() else "stroke"],
                                                 "fill" if name.islower() else "stroke")
            values = inking.colour(tuple(float(v) for v in operands), source)
            setter = {1: "g", 4: "k"}[len(values)]
            out.append(pikepdf.ContentStreamInstruction(list(values), pikepdf.Operator(
                setter if side == "fill" else setter.upper())))
            changed = True
            continue
        out.append(pikepdf.ContentStreamInstruction(operands, operator))
    if changed:
        stream.write(pikepdf.unparse_content_stream(out))


def _recolour_thing(pdf, thing, inking: Inking) -> None:
    """An image's pixels, a shading's colours (two-stop functions) in the target space."""
    import pikepdf

    if thing.get("/Subtype") == "/Image" and not thing.get("/ImageMask", False):
        _recolour_image(pdf, thing, inking)
    elif "/ShadingType" in thing:
        source = space_of(thing.get("/ColorSpace"), None).replace("icc ", "")
        if source not in ("gray", "rgb", "cmyk"):
            return
        functions = thing.get("/Function")
        for function in (functions if isinstance(functions, pikepdf.Array) else [functions]):
            for part in [function, *(function.get("/Functions") or [])] if function is not None else []:
                for key in ("/C0", "/C1"):
                    if key in part:
                        values = inking.colour(tuple(float(v) for v in part[key]), source)
                        part[key] = pikepdf.Array(list(_as_target(values, inking)))
        thing.ColorSpace = pikepdf.Name("/DeviceGray" if inking.space == "gray" else "/DeviceCMYK")


def _as_target(values, inking):
    """A gray in a CMYK shading or image is written as CMYK with black only."""
    if inking.space == "cmyk" and len(values) == 1:
        return (0.0, 0.0, 0.0, round(1 - values[0], 4))
    return values


def _recolour_image(pdf, image, inking: Inking) -> None:
    import numpy
    import pikepdf
    from pikepdf import PdfImage

    source = space_of(image.get("/ColorSpace"), None).replace("icc ", "")
    mask = image.get("/SMask")
    flatten = isinstance(mask, pikepdf.Stream) and mask.get("/Width") == image.get("/Width") \
        and mask.get("/Height") == image.get("/Height")
    if not flatten and (source == "gray" or (source == "cmyk" and inking.space == "cmyk" and not inking.total_ink)):
        return
    try:
        picture = PdfImage(image).as_pil_image()
        alpha = PdfImage(mask).as_pil_image().convert("L") if flatten else None
    except Exception as error:  # noqa: BLE001 -- an image pikepdf cannot decode is left, and the read-back names it
        raise BookError(f"cannot convert an image of the print interior to {inking.space}: {error}") from None
    if picture.mode not in ("RGB", "CMYK", "L"):
        picture = picture.convert("RGB")
    array = numpy.asarray(picture)
    if array.ndim == 2:
        array = array[..., None]
    kind = {1: "gray", 3: "rgb", 4: "cmyk"}[array.shape[-1]]
    if alpha is not None:  # KDP and PDF/X-1a want no transparency: the image is set on the white page
        array = _on_white(array, numpy.asarray(alpha), kind == "cmyk")
        del image["/SMask"]
    out = inking.pixels(array, kind)
    if out.shape[-1] == 1 and inking.space == "cmyk":
        out = numpy.concatenate([numpy.zeros(out.shape[:-1] + (3,), numpy.uint8), 255 - out], axis=-1)
    was_jpeg = "/DCTDecode" in str(image.get("/Filter"))
    if was_jpeg and out.shape[-1] == 1:  # a photograph stays a JPEG (as Flate a gray one is ~3 × the bytes)
        import io

        from PIL import Image

        encoded = io.BytesIO()
        Image.fromarray(out[..., 0], "L").save(encoded, "JPEG", quality=92)
        image.write(encoded.getvalue(), filter=pikepdf.Name.DCTDecode)
    else:
        import zlib

        image.write(zlib.compress(numpy.ascontiguousarray(out).tobytes(), 6), filter=pikepdf.Name.FlateDecode)
    image.ColorSpace = pikepdf.Name("/DeviceGray" if out.shape[-1] == 1 else "/DeviceCMYK")
    image.BitsPerComponent = 8
    for key in ("/DecodeParms", "/Decode", "/Intent"):
        if key in image:
            del image[key]


def _on_white(array, alpha, inks_subtract: bool):
    """An image's pixels (H×W×N uint8) composited over white by its soft mask (H×W uint8), a band
    of rows at a time: white is 255 in gray and RGB, no ink (0) in CMYK."""
    import numpy

    out = numpy.empty_like(array)
    for top in range(0, array.shape[0], ROWS):
        a = alpha[top:top + ROWS, :, None].astype(numpy.float32) / 255
        band = array[top:top + ROWS].astype(numpy.float32)
        out[top:top + ROWS] = numpy.rint(band * a if inks_subtract else band * a + 255 * (1 - a)).astype(numpy.uint8)
    return out


def _every_thing(pdf):
    """Images and shadings reached from any page, form or pattern, each once."""
    seen: set = set()
    for page in pdf.pages:
        for thing in things(page.obj.get("/Resources"), seen):
            yield thing


def _groups_in(pdf, space: str) -> None:
    """WeasyPrint draws each SVG (a chart) in forms marked as transparency groups, with a blending
    space of its own that ``pdfwrite`` keeps as it was (DeviceCMYK in a gray file). Where nothing
    in the file is transparent (no opacity, soft mask or blend mode: herpress's charts have none)
    a group paints what its form would without it, so the marks go — PDF/X-1a and KDP want no
    transparency; else each group blends in the file's own space."""
    import pikepdf

    groups, transparent = [], False
    for thing in pdf.objects:
        if not isinstance(thing, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        if "/Group" in thing and thing.get("/Subtype") == "/Form":
            groups.append(thing)
        if any(float(thing.get(key, 1)) < 1 for key in ("/ca", "/CA") if numeric(thing.get(key, 1))) \
                or str(thing.get("/BM", "/Normal")) not in ("/Normal", "/Compatible") \
                or ("/SMask" in thing and str(thing.SMask) != "/None"):
            transparent = True
    for form in groups:
        if transparent:
            form.Group.CS = pikepdf.Name("/DeviceGray" if space == "gray" else "/DeviceCMYK")
        else:
            del form["/Group"]


# --- total ink ---------------------------------------------------------------------------------

def capped(c: float, m: float, y: float, k: float, limit: float) -> tuple[float, float, float, float]:
    """The colour with its cyan, magenta and yellow scaled down together until the four add up to
    ``limit``; black is kept (text and rules stay 100 % K). What a press's ink limiting does: a
    rich dark (75/68/67/90, 300 %) becomes 54/49/48/90 at 240 %."""
    total = c + m + y + k
    if total <= limit + 1e-6 or c + m + y <= 0:
        return c, m, y, k
    scale = max(0.0, limit - k) / (c + m + y)
    return tuple(math.floor(v * scale * 10000) / 10000 for v in (c, m, y)) + (k,)
