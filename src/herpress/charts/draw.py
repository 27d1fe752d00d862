"""Draw a :class:`ChartSpec` as SVG and 300 dpi PNG, with a cache.

Two SVGs: for print, the labels as text (the layout sets them in the book's chart face, which the
PDF embeds and its text keeps); for ebooks, the labels as outlines of that face (``outlined``): an
SVG shown by an ``img`` reads no font of the EPUB's, and a reading system's own face is wider.

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
from herpress.charts.spec import ChartSpec
from herpress.errors import BookError
from herpress.forked import cores, detach_streams

PNG_DPI = 300
_registered: dict[str, str] = {}   # font file -> family name, across calls


@dataclass(frozen=True)
class ChartImages:
    svg: bytes  # labels as text: for print
    png: bytes
    cached: bool   # True when all came from the cache and matplotlib was not used
    outlined: bytes = b""  # labels as outlines: for ebooks


def cache_key(spec: ChartSpec, fonts: Sequence[Path]) -> str:
    """Name of the cache files: the spec's digest, mixed with the fonts' contents
    when fonts are given (other fonts draw other pictures)."""
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


def draw_chart(spec: ChartSpec, *, fonts: Sequence[Path], cache_dir: Path | None) -> ChartImages:
    """SVG and PNG of ``spec`` in ``fonts`` (the first is the main family).

    With a ``cache_dir``, images are looked up under a name derived from the
    spec and fonts, and stored there after drawing.
    """
    fonts = [Path(f) for f in fonts]
    if cache_dir is None:
        svg, outlined, png = _render(spec, fonts)
        return ChartImages(svg=svg, png=png, cached=False, outlined=outlined)
    cache_dir = Path(cache_dir)
    key = cache_key(spec, fonts)
    cached = _cached(cache_dir, key)
    if cached is not None:
        return cached
    svg, outlined, png = _render(spec, fonts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(cache_dir / f"{key}.svg", svg)
    write_atomically(cache_dir / f"{key}.outlined.svg", outlined)
    write_atomically(cache_dir / f"{key}.png", png)
    return ChartImages(svg=svg, png=png, cached=False, outlined=outlined)


def draw_charts(specs: Sequence[ChartSpec], *, fonts: Sequence[Path],
                cache_dir: Path | None) -> Callable[[], list[ChartImages]]:
    """Draw ``specs`` like :func:`draw_chart`; the returned function gives their images.

    Charts the cache lacks are drawn in a forked process when the machine has a second core,
    so the caller goes on (reading, importing the layout engine) meanwhile; the function then
    waits for them and raises their errors. Otherwise everything is drawn before returning.
    """
    fonts = [Path(f) for f in fonts]
    cached = [_cached(Path(cache_dir), cache_key(spec, fonts)) if cache_dir is not None else None for spec in specs]
    missing = [spec for spec, images in zip(specs, cached) if images is None]
    if not missing or cores() < 2:
        images = [found or draw_chart(spec, fonts=fonts, cache_dir=cache_dir) for spec, found in zip(specs, cached)]
        done = lambda: images  # noqa: E731
        done.abandon = lambda interrupted=False: None
        return done
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_draw_in_worker, args=(missing, fonts, cache_dir, sender, receiver), daemon=True)
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


def _draw_in_worker(specs: list[ChartSpec], fonts: Sequence[Path], cache_dir: Path | None, sender, receiver) -> None:
    receiver.close()  # the parent's end, copied at the fork: were it open here, a parent that closed
    # its own (abandon) would leave this process writing to a pipe nobody reads, for ever
    detach_streams()
    try:
        sender.send(("done", [draw_chart(spec, fonts=fonts, cache_dir=cache_dir) for spec in specs]))
    except BaseException as error:
        sender.send(("error", error if isinstance(error, BookError) else RuntimeError(f"{type(error).__name__}: {error}")))


def _cached(cache_dir: Path, key: str) -> ChartImages | None:
    try:
        return ChartImages(svg=(cache_dir / f"{key}.svg").read_bytes(), png=(cache_dir / f"{key}.png").read_bytes(),
                           cached=True, outlined=(cache_dir / f"{key}.outlined.svg").read_bytes())
    except OSError:
        return None


def _families(fonts: Sequence[Path]) -> list[str]:
    """Register the font files with matplotlib; their family names, the first's first, each once:
    the chart's text is set in the first and, glyph by glyph, in the next that has it."""
    from matplotlib import font_manager

    if not fonts:
        return ["DejaVu Sans"]   # ships with matplotlib
    for font in fonts:
        name = os.fspath(font.resolve())
        if name not in _registered:
            if not font.is_file():
                raise BookError("font file for charts not found", font)
            font_manager.fontManager.addfont(name)
            _registered[name] = font_manager.get_font(name).family_name
    return list(dict.fromkeys(_registered[os.fspath(font.resolve())] for font in fonts))


def _render(spec: ChartSpec, fonts: Sequence[Path]) -> tuple[bytes, bytes, bytes]:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from herpress.charts import _plots, _style
    from herpress.epub.raster import opaque  # the stores refuse an alpha channel (the Kindle edition's PNG)

    families = _families(fonts)
    with matplotlib.rc_context(_style.rc(families)):
        fig = Figure(figsize=_plots.figure_size(spec), dpi=100)
        FigureCanvasAgg(fig)
        _plots.draw(fig, spec)
        svg, outlined, png = io.BytesIO(), io.BytesIO(), io.BytesIO()
        metadata = {"Date": None, "Title": spec.title, "Description": spec.description}
        fig.savefig(svg, format="svg", metadata=metadata)
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            fig.savefig(outlined, format="svg", metadata=metadata)
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return svg.getvalue(), _paths_complete(outlined.getvalue()), opaque(png.getvalue())  # written RGBA even on a white face


_PATH_WITHOUT_D = re.compile(rb"<path(?![^>]*\sd=)([^>]*)/>")


def _paths_complete(svg: bytes) -> bytes:
    """matplotlib writes a glyph with no outline (a space) as ``<path id=… transform=…/>``; SVG 1.1,
    which EPUBCheck reads, requires ``d``: an empty one draws the same nothing."""
    return _PATH_WITHOUT_D.sub(rb'<path d=""\1/>', svg)
