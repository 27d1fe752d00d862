"""Draw a :class:`ChartSpec` as SVG and 300 dpi PNG, with a cache.

Two SVGs: for print, the labels as text (the layout sets them in the book's chart face, which the
PDF embeds and its text keeps); for ebooks, the labels as outlines of that face (``outlined``): an
SVG shown by an ``img`` reads no font of the EPUB's, and a reading system's own face is wider.

``print_tones="gray"`` draws the print SVG in greys (a black-and-white interior: hues alone would
print as like greys); the ebooks, read in colour, keep the colour drawing. ``print_frame`` is the
room the print SVG is drawn for (:func:`herpress.charts.frame.print_frame` of the book's trim: the
narrowest text block, so the layout only ever enlarges it and its type stays at 7 pt or more); the
ebooks' images keep their own frame (:data:`~herpress.charts.frame.EBOOK`), whatever the trim.
The print SVG is cached under a name that says its frame and tones (``KEY.3.27x5.70in8.gray.svg``;
``KEY.svg`` and ``KEY.gray.svg`` drawn in the ebooks' frame): none is served for another, and the
ebooks' images (``KEY.outlined.svg``, ``KEY.png``) are shared, drawn once.

Importing this module is cheap: matplotlib is imported only when a chart
must really be drawn, so a build whose charts are all cached never loads it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from herpress.cache import write_atomically
from herpress.charts._style import TONES
from herpress.charts.frame import EBOOK, Frame
from herpress.charts.spec import ChartSpec
from herpress.errors import BookError
from herpress.forked import cores, detach_streams

PNG_DPI = 300
_registered: dict[str, str] = {}   # font file -> family name, across calls
_charmaps: dict[str, frozenset[int]] = {}   # font file -> the characters it has


@dataclass(frozen=True)
class ChartImages:
    svg: bytes  # labels as text: for print, in the print tones ("color" or "gray")
    png: bytes
    cached: bool   # True when all came from the cache and matplotlib was not used
    outlined: bytes = b""  # labels as outlines: for ebooks


def cache_key(spec: ChartSpec, fonts: Sequence[Path]) -> str:
    """Name of the cache files: the spec's digest, mixed with the fonts' contents
    when fonts are given (other fonts draw other pictures). The print SVG's frame and tones are in
    its file's name (:func:`_files`): the ebooks' images are the same for all."""
    if not fonts:
        return spec.digest()
    digest = hashlib.sha256(spec.digest().encode())
    for font in fonts:
        try:
            stat = Path(font).stat()
            digest.update(_font_digest(Path(font), stat.st_size, stat.st_mtime_ns))
        except OSError as exc:
            raise BookError(f"cannot read font for charts: {exc.strerror or exc}",
                            font) from None
    return digest.hexdigest()


@lru_cache(maxsize=64)
def _font_digest(font: Path, size: int, mtime_ns: int) -> bytes:
    """A font's contents digest, read once per process and change; a machine's font (the
    theme's fallback faces, MBs each) by its name, size and time only."""
    from herpress.styles import SYSTEM_FONTS

    if font.resolve().is_relative_to(SYSTEM_FONTS.resolve()):
        return hashlib.sha256(f"{font}\0{size}\0{mtime_ns}".encode()).digest()
    return hashlib.sha256(font.read_bytes()).digest()


def draw_chart(spec: ChartSpec, *, fonts: Sequence[Path], cache_dir: Path | None,
               print_tones: str = "color", print_frame: Frame = EBOOK) -> ChartImages:
    """SVG and PNG of ``spec`` in ``fonts`` (the first is the main family); the print SVG in
    ``print_tones`` ("color" or "gray") for ``print_frame``, the ebooks' images in colour for
    :data:`~herpress.charts.frame.EBOOK`.

    With a ``cache_dir``, images are looked up under a name derived from the
    spec and fonts (:func:`_files`), and stored there after drawing.
    """
    fonts = [Path(f) for f in fonts]
    _check_tones(print_tones)
    if cache_dir is None:
        svg, outlined, png = _render(spec, fonts, print_tones, True, print_frame)
        return ChartImages(svg=svg, png=png, cached=False, outlined=outlined)
    files = _files(Path(cache_dir), cache_key(spec, fonts), print_tones, print_frame)
    cached = _cached(files)
    if cached is not None:
        return cached
    # only a print SVG of its own drawing missing (grey, or another frame): it alone is drawn
    ebooks = None if _shared(print_tones, print_frame) else _read(files[1:])
    drawn = _render(spec, fonts, print_tones, ebooks is None, print_frame)
    files[0].parent.mkdir(parents=True, exist_ok=True)
    for file, image in zip(files, drawn):
        if image is not None:
            write_atomically(file, image)
    svg, outlined, png = drawn if ebooks is None else (drawn[0], *ebooks)
    return ChartImages(svg=svg, png=png, cached=False, outlined=outlined)


def _shared(print_tones: str, print_frame: Frame) -> bool:
    """Whether the print SVG comes from the ebooks' drawing (in colour, in their frame)."""
    return print_tones == "color" and print_frame == EBOOK


def _check_tones(print_tones: str) -> None:
    if print_tones not in TONES:
        raise ValueError(f"print_tones must be one of {', '.join(TONES)}, not {print_tones!r}")


def draw_charts(specs: Sequence[ChartSpec], *, fonts: Sequence[Path], cache_dir: Path | None,
                print_tones: str = "color", print_frame: Frame = EBOOK) -> Callable[[], list[ChartImages]]:
    """Draw ``specs`` like :func:`draw_chart`; the returned function gives their images.

    Charts the cache lacks are drawn in a forked process when the machine has a second core,
    so the caller goes on (reading, importing the layout engine) meanwhile; the function then
    waits for them and raises their errors. Otherwise everything is drawn before returning.
    """
    fonts = [Path(f) for f in fonts]
    _check_tones(print_tones)
    cached = [_cached(_files(Path(cache_dir), cache_key(spec, fonts), print_tones, print_frame))
              if cache_dir is not None else None for spec in specs]
    missing = [spec for spec, images in zip(specs, cached) if images is None]
    if not missing or cores() < 2:
        images = [found or draw_chart(spec, fonts=fonts, cache_dir=cache_dir, print_tones=print_tones,
                                      print_frame=print_frame)
                  for spec, found in zip(specs, cached)]
        done = lambda: images  # noqa: E731
        done.abandon = lambda interrupted=False: None
        return done
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_draw_in_worker,
                             args=(missing, fonts, cache_dir, print_tones, print_frame, sender, receiver), daemon=True)
    worker.start()
    sender.close()
    drawn: list[ChartImages] = []

    def result() -> list[ChartImages]:
        if not drawn:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                kind, payload = "error", RuntimeError(f"the process drawing the charts ended without a word "
                                                      f"(exit code {worker.exitcode})")
            finally:
                receiver.close()
                worker.join()
            if kind == "error":
                raise payload
            new = iter(payload)
            drawn.extend(found or next(new) for found in cached)
        return drawn

    def abandon(interrupted: bool = False) -> None:
        """The book will not be built (a problem in it, Ctrl-C): the drawing process is not left
        behind, writing into a cache folder its caller may be removing. It finishes the chart it
        is at and caches what it drew (a send to the closed pipe then ends it), or, interrupted,
        is ended now."""
        if drawn:  # read and joined
            return
        receiver.close()
        if interrupted:
            worker.terminate()
        worker.join()

    result.abandon = abandon
    return result


def _draw_in_worker(specs: list[ChartSpec], fonts: Sequence[Path], cache_dir: Path | None, print_tones: str,
                    print_frame: Frame, sender, receiver) -> None:
    receiver.close()  # the parent's end, copied at the fork: were it open here, a parent that closed
    # its own (abandon) would leave this process writing to a pipe nobody reads, for ever
    detach_streams()
    try:
        sender.send(("done", [draw_chart(spec, fonts=fonts, cache_dir=cache_dir, print_tones=print_tones,
                                         print_frame=print_frame) for spec in specs]))
    except BaseException as error:
        sender.send(("error", error if isinstance(error, BookError) else RuntimeError(f"{type(error).__name__}: {error}")))


def _files(cache_dir: Path, key: str, print_tones: str, print_frame: Frame = EBOOK) -> tuple[Path, Path, Path]:
    """The cache files of the print SVG, the outlined SVG and the PNG: the print SVG's name says its
    frame and tones (``KEY.svg`` in colour, ``KEY.gray.svg`` in grey, drawn in the ebooks' frame;
    ``KEY.3.27x5.70in8.svg``, ``KEY.3.27x5.70in8.gray.svg`` in another), the ebooks' are the same for all."""
    name = key if print_frame == EBOOK else f"{key}.{print_frame.tag()}"
    print_svg = f"{name}.svg" if print_tones == "color" else f"{name}.{print_tones}.svg"
    return cache_dir / print_svg, cache_dir / f"{key}.outlined.svg", cache_dir / f"{key}.png"


def _read(files: Sequence[Path]) -> list[bytes] | None:
    try:
        return [file.read_bytes() for file in files]
    except OSError:
        return None


def _cached(files: tuple[Path, Path, Path]) -> ChartImages | None:
    images = _read(files)
    if images is None:
        return None
    svg, outlined, png = images
    return ChartImages(svg=svg, png=png, cached=True, outlined=outlined)


def _families(fonts: Sequence[Path], text: str | None = None) -> list[str]:
    """Register the font files with matplotlib; their family names, the first's first, each once:
    the chart's text is set in the first and, glyph by glyph, in the next that has it.

    Given ``text`` (what the chart draws), only the families it needs: the first, then each
    fallback that has a character of it the families before lack. matplotlib looks every text up
    in every family named (``findfont``), and the theme's 40 fallback faces made 77,000 look-ups
    for the benchmark's three charts: drawn in 1.95 s, 1.25 s naming only the faces needed."""
    from matplotlib import font_manager

    if not fonts:
        return ["DejaVu Sans"]   # ships with matplotlib
    files: dict[str, list[str]] = {}  # family -> its font files
    for font in fonts:
        name = os.fspath(font.resolve())
        if name not in _registered:
            if not font.is_file():
                raise BookError("font file for charts not found", font)
            font_manager.fontManager.addfont(name)
            _registered[name] = font_manager.get_font(name).family_name
        files.setdefault(_registered[name], []).append(name)
    families = list(files)
    if text is None:
        return families
    wanted = {ord(char) for char in text if not char.isspace()}
    chosen = []
    for family in families:
        has = set().union(*(_characters(name) for name in files[family]))
        if not chosen or wanted & has:
            chosen.append(family)
        wanted -= has
    return chosen


def _characters(font_file: str) -> frozenset[int]:
    """The characters a font file has a glyph for (once per file and process)."""
    if font_file not in _charmaps:
        from matplotlib import font_manager

        _charmaps[font_file] = frozenset(font_manager.get_font(font_file).get_charmap())
    return _charmaps[font_file]


def _render(spec: ChartSpec, fonts: Sequence[Path], print_tones: str, ebooks: bool,
            print_frame: Frame = EBOOK) -> tuple[bytes, bytes | None, bytes | None]:
    """The print SVG in ``print_tones`` for ``print_frame``; with ``ebooks``, the outlined SVG and
    the PNG in colour for :data:`EBOOK` (else None). In colour in the ebooks' frame all three come
    from one drawing; else the print SVG has its own.

    The ebooks' drawing is saved as a text SVG first whatever the print SVG: each save lays the
    figure out again (constrained layout), shifting it by some 1e-5 pt, and the ebooks' images must
    come out byte for byte the same whichever edition drew them first."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from herpress.charts import _plots, _style
    from herpress.epub.raster import opaque  # the stores refuse an alpha channel (the Kindle edition's PNG)

    families = _families(fonts, spec.drawn_text())
    metadata = {"Date": None, "Title": spec.title, "Description": spec.description}

    def drawn(inks, frame):
        fig = Figure(figsize=_plots.figure_size(spec, frame), dpi=100)
        FigureCanvasAgg(fig)
        _plots.draw(fig, spec, inks, frame)
        return fig

    def saved(fig, **options) -> bytes:
        out = io.BytesIO()
        fig.savefig(out, **options)
        return out.getvalue()

    svg = outlined = png = None
    shared = _shared(print_tones, print_frame)
    if ebooks or shared:
        with matplotlib.rc_context(_style.rc(families, EBOOK.font)):
            colour = drawn(_style.COLOUR, EBOOK)
            svg = saved(colour, format="svg", metadata=metadata)
            if ebooks:
                with matplotlib.rc_context({"svg.fonttype": "path"}):
                    outlined = _paths_complete(saved(colour, format="svg", metadata=metadata))
                png = opaque(saved(colour, format="png", dpi=PNG_DPI, metadata={"Software": None}))  # RGBA even on white
    if not shared:
        with matplotlib.rc_context(_style.rc(families, print_frame.font)):
            svg = saved(drawn(_style.TONES[print_tones], print_frame), format="svg", metadata=metadata)
    return svg, outlined, png


_PATH_WITHOUT_D = re.compile(rb"<path(?![^>]*\sd=)([^>]*)/>")


def _paths_complete(svg: bytes) -> bytes:
    """matplotlib writes a glyph with no outline (a space) as ``<path id=… transform=…/>``; SVG 1.1,
    which EPUBCheck reads, requires ``d``: an empty one draws the same nothing."""
    return _PATH_WITHOUT_D.sub(rb'<path d=""\1/>', svg)
