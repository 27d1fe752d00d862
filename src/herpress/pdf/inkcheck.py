"""Reading a print PDF's inks back, never trusting the conversion (:mod:`.inks`): every colour
operator of every page, form and pattern, every image's and shading's colour space, the most
total ink any colour or CMYK image asks for (:func:`read_inks`), what breaks the interior's rule
(:func:`ink_problems`), and total ink measured on a CMYK render by Ghostscript (:func:`rendered_ink`),
as the printer's own check measures it. Preflight runs them on every gray or CMYK interior."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BookError
from .contents import numeric, space_of, streams_of, things

COLOUR_OPERATORS = {"g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN"}


@dataclass
class Inks:
    """What a PDF paints with: for each colour space ("gray", "rgb", "cmyk", "cmy" — CMYK with
    cyan, magenta or yellow in it — or another space's name) the pages that use it; and the most
    total ink any CMYK (or gray) colour or image asks for, and on which page."""

    pages: dict[str, list[int]] = field(default_factory=dict)
    most_ink: float = 0.0
    most_ink_page: int = 0

    def used(self, space: str, page: int) -> None:
        found = self.pages.setdefault(space, [])
        if not found or found[-1] != page:
            found.append(page)

    def ink(self, total: float, page: int) -> None:
        if total > self.most_ink + 1e-6:
            self.most_ink, self.most_ink_page = total, page


def read_inks(path: Path, memo=None) -> Inks:
    """Every colour the PDF at ``path`` sets, by page: operators of every page's content and of
    every form and pattern it draws (a form drawn on many pages counts on each), the colour space
    of every image, shading and transparency group. ``memo`` (a :class:`.readback.PageMemo`) has
    what pages of the same content gave before."""
    import pikepdf

    from .readback import NOTHING_KEPT

    memo = memo or NOTHING_KEPT
    found = Inks()
    read: dict[tuple, tuple[list[str], float]] = {}  # each shared stream or image read once, for every page
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            kept = memo.get("inks", number - 1, _page_inks_from)
            if kept is None:
                on_page, seen = Inks(), set()
                for stream, resources in streams_of(page.obj, page.obj.get("/Resources"), seen):
                    _once(read, ("stream", stream.objgen), on_page, number,
                          lambda into, stream=stream, resources=resources: _read_stream(stream, resources, 0, into))
                for thing in things(page.obj.get("/Resources"), seen):
                    _once(read, ("thing", thing.objgen), on_page, number,
                          lambda into, thing=thing: _read_thing(thing, 0, into))
                kept = (list(on_page.pages), on_page.most_ink)
                memo.put("inks", number - 1, {"spaces": kept[0], "ink": kept[1]})
            spaces, ink = kept
            for space in spaces:
                found.used(space, number)
            found.ink(ink, number)
    memo.save("inks")
    return found


def _once(read: dict, key: tuple, found: Inks, page: int, reading) -> None:
    """What ``reading(into)`` finds, added to ``found`` on ``page``; read once for an object
    several pages draw (the Rust book's pages share forms: read on every page, 14.9 s)."""
    if key[1] == (0, 0) or key not in read:  # a direct object has no identity to be found by
        alone = Inks()
        reading(alone)
        read[key] = (list(alone.pages), alone.most_ink)
    spaces, ink = read[key]
    for space in spaces:
        found.used(space, page)
    found.ink(ink, page)


def _page_inks_from(value) -> tuple[list[str], float]:
    """A page's (colour spaces, most total ink) as :func:`read_inks` keeps them."""
    spaces = value["spaces"]
    if not isinstance(spaces, list) or not all(isinstance(space, str) for space in spaces):
        raise TypeError("not a list of colour spaces")
    return spaces, float(value["ink"])


def _read_stream(stream, resources, page: int, found: Inks) -> None:
    import pikepdf

    spaces = {"fill": "gray", "stroke": "gray"}
    for operands, operator in pikepdf.parse_content_stream(stream, " ".join(COLOUR_OPERATORS) + " BI"):
        name = str(operator)
        if name == "INLINE IMAGE":
            space = operands[0].obj.get("/ColorSpace", operands[0].obj.get("/CS")) if operands else None
            found.used(space_of(space, resources) if space is not None else "mask", page)
        elif name in ("g", "G"):
            found.used("gray", page)
            found.ink(1 - float(operands[0]), page)
        elif name in ("rg", "RG"):
            found.used("rgb", page)
        elif name in ("k", "K"):
            _cmyk(found, [float(v) for v in operands], page)
        elif name in ("cs", "CS"):
            space = space_of(operands[0], resources)
            spaces["fill" if name == "cs" else "stroke"] = space
            if space not in ("gray", "rgb", "cmyk"):
                found.used(space, page)
        elif name in ("sc", "scn", "SC", "SCN"):
            space = spaces["fill" if name.islower() else "stroke"]
            values = [float(v) for v in operands if isinstance(v, (int, float, pikepdf.Object)) and numeric(v)]
            if space == "cmyk" and len(values) == 4:
                _cmyk(found, values, page)
            elif space == "gray" and len(values) == 1:
                found.used("gray", page)
                found.ink(1 - values[0], page)
            elif space == "rgb":
                found.used("rgb", page)


def _cmyk(found: Inks, values: list[float], page: int) -> None:
    c, m, y, k = values
    found.used("cmy" if c > 0.001 or m > 0.001 or y > 0.001 else "cmyk", page)
    found.ink(c + m + y + k, page)


def _read_thing(thing, page: int, found: Inks) -> None:
    """An image, shading or transparency group's colour space (an image's total ink too)."""
    subtype = thing.get("/Subtype")
    if subtype == "/Image":
        if thing.get("/ImageMask", False):
            return  # a stencil: painted in the fill colour, read with the operators
        space = space_of(thing.get("/ColorSpace"), None)
        found.used(space, page)
        if space == "cmyk":
            _image_ink(thing, page, found)
    elif "/ShadingType" in thing:
        found.used(space_of(thing.get("/ColorSpace"), None), page)
    group = thing.get("/Group")
    if group is not None and "/CS" in group:
        found.used(space_of(group.get("/CS"), None), page)


def _image_ink(image, page: int, found: Inks) -> None:
    import numpy
    from pikepdf import PdfImage

    try:
        pixels = numpy.array(PdfImage(image).as_pil_image(), dtype=numpy.float32) / 255
    except Exception:  # a filter pikepdf cannot decode: counted as full ink, never passed unseen
        found.ink(4.0, page)
        return
    c, m, y = (pixels[..., i] for i in range(3))
    if (c > 0.002).any() or (m > 0.002).any() or (y > 0.002).any():
        found.used("cmy", page)
    found.ink(float(pixels.sum(axis=-1).max()), page)


def ink_problems(found: Inks, space: str, service: str, limit: float | None = None) -> list[str]:
    """What breaks the rule of ``space`` (``gray``: no RGB and no cyan, magenta or yellow ink
    anywhere; ``cmyk``: no RGB, and at most ``limit`` total ink), each with its first pages."""
    allowed = {"gray": {"gray", "cmyk", "pattern", "mask"},
               "cmyk": {"gray", "cmyk", "cmy", "pattern", "mask", "icc gray", "icc cmyk"}}[space]
    wanted = {"gray": "a black-and-white interior holds gray only",
              "cmyk": f"{service}'s colour PDF/X holds CMYK only"}[space]
    problems = []
    for kind, pages in sorted(found.pages.items()):
        if kind not in allowed:
            what = {"rgb": "RGB colour", "icc rgb": "RGB colour", "cmy": "cyan, magenta or yellow ink",
                    "icc gray": "an ICC-based gray (an embedded colour profile)",
                    "icc cmyk": "an ICC-based CMYK (an embedded colour profile)"}.get(kind, f"colour in {kind}")
            problems.append(f"{what} on {_pages(pages)}: {wanted}")
    if space == "cmyk" and limit and found.most_ink > limit + 0.005:
        problems.append(f"page {found.most_ink_page}: {found.most_ink * 100:.0f} % total ink, over {service}'s "
                        f"{limit * 100:.0f} %")
    return problems


def _pages(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:5])) + (f" and {len(pages) - 5} more" if len(pages) > 5 else "")
    return f"page{'s' * (len(pages) > 1)} {shown}"


def ghostscript_run(arguments: list[str]) -> bytes:
    """Run Ghostscript, safely (``-dSAFER``: it reads only what it is given), bound to this
    process (killed if herpress dies; :mod:`herpress.forked`), stopped if the build is; its
    temporary files in a folder of this process (:mod:`herpress.tempdirs`), removed however the
    run ends. Returns what it printed."""
    from .. import forked, tempdirs  # noqa: F401 -- forked: its at-fork binding, which _bound sets off

    program = shutil.which("gs")
    if program is None:
        raise BookError("Ghostscript is not installed, and the CMYK proof is rendered with it: run scripts/setup "
                        "(or install Debian's ghostscript)")
    scratch = tempdirs.folder()
    try:
        process = subprocess.Popen([program, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", *arguments],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env={**os.environ, "TMPDIR": str(scratch)}, preexec_fn=_bound)
        try:
            said, _ = process.communicate()
        except BaseException:  # Ctrl-C or SIGTERM: Ghostscript does not outlive the build
            process.kill()
            process.wait()
            raise
        if process.returncode != 0:
            lines = said.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"Ghostscript failed (exit {process.returncode}): " + " ".join(lines[-3:]))
        return said
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bound() -> None:
    """In the child, before Ghostscript starts: nothing to do here; passing a function makes
    Python run its at-fork handlers, among them :func:`herpress.forked._bind_to_parent`, which
    has the kernel kill the child when herpress dies (the binding outlives ``exec``)."""


def rendered_ink(path: Path, dpi: int = 30) -> list[float]:
    """Each page's most total ink on a CMYK render (Ghostscript's ``tiff32nc``, no anti-aliasing,
    the output intent's own profile), as a fraction: the proof the printer's check makes."""
    import numpy
    from PIL import Image

    from .. import tempdirs

    folder = tempdirs.folder()
    try:
        ghostscript_run(["-sDEVICE=tiff32nc", f"-r{dpi}", "-dUseFastColor=false",
                         f"-sOutputFile={folder}/page-%05d.tif", str(path)])
        return [float(numpy.asarray(Image.open(page), dtype=numpy.float32).sum(axis=-1).max() / 255)
                for page in sorted(folder.glob("page-*.tif"))]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
