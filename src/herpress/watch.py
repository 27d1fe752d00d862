"""``herpress watch``: build, then build again each time the book changes.

Every ``herpress`` command first starts Python and imports typer, Python-Markdown, lxml, Jinja2
and ebooklib: ~0.11 s of the ~0.26 s an EPUB takes after a one-chapter edit of a 150,000-word
book. A process that stays up pays that once; each rebuild then costs what changed (the caches
of :mod:`herpress.cache` do the rest, as they do for one-off builds).

Changes are found by polling: the name, size and modification time of every file in
``manuscript/`` and ``styles/`` every :data:`INTERVAL` seconds (a few hundred ``stat`` calls for a
long book; no dependency, and it works on network and container mounts where file events do
not). A change is built once the files have stood still for one more interval, so an editor
that writes a file in steps is not caught halfway.

Each build runs in a child forked from the watching process: it starts with the imports done,
and whatever it leaves behind leaves with it. (WeasyPrint's C libraries keep ~2 MiB per PDF
layout that Python cannot free; a day's rebuilds in one process would add up.)
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path

from .build import BuildResult, build
from .forked import in_child

INTERVAL = 0.05  # seconds between looks at the files
WATCHED = ("manuscript", "styles")


def snapshot(book_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, modification time) of every file a build reads from the book folder, by path: the
    folder the book's source reads (``manuscript/``, an mdBook's ``src/``…), the files it names
    outside it (included listings, the source's own book.toml), and ``styles/``."""
    from .sources import open_book

    seen = {}
    try:
        source = open_book(book_dir)
        folders, files = [source.base, book_dir / "styles"], source.inputs()
    except Exception:  # a broken book.toml or SUMMARY is the build's to report: watch what is there
        folders, files = [book_dir / name for name in WATCHED], []
    from .sources import book_files

    root = book_dir.resolve()
    for folder in folders:  # new files too: a chapter added, an image dropped in
        files = [*files, *book_files(folder.resolve())]
    for path in files:
        try:
            status = path.stat()
        except OSError:  # removed between the listing and the look
            continue
        if path.name.startswith(".") or path.name.endswith("~") or stat.S_ISDIR(status.st_mode):
            continue  # editor droppings, as cache.py skips them
        seen[str(path.resolve().relative_to(root))] = (status.st_size, status.st_mtime_ns)
    return seen


def watch(book_dir: Path, formats: tuple[str, ...] | None, *, profile: str | None = None,
          built: Callable[[BuildResult, float], None], failed: Callable[[Exception], None],
          then: tuple[tuple[str, ...], ...] = ()) -> None:
    """Build ``formats`` (None: what ``herpress build`` makes, as book.toml says at each build)
    now and after every change, until Ctrl-C (KeyboardInterrupt). ``then``: more builds, each of
    the formats it names, run after that one in the same child, in order, each heard of as the
    first is; a failure skips those after it (``herpress preview`` builds the EPUB, then the PDF).

    ``built(result, seconds)`` hears of each build, ``failed(error)`` of each that failed (a
    :class:`BookError`, or another exception: a bug); a failure ends nothing: the last good
    outputs stay, and the next change is built again. Both are called in the building process.
    A folder that is not a book is refused at once (:class:`BookError`), not watched.
    """
    import jinja2  # noqa: F401  (templates of both media)

    from . import reader  # noqa: F401  (Python-Markdown, lxml)
    from .build import default_formats
    from .outputs import warm
    from .sources import open_book

    source = open_book(book_dir)
    for stage in (formats, *then):
        warm(stage or default_formats(source))  # each forked build starts with the imports done
    last: dict | None = None
    while True:
        current = snapshot(book_dir)
        if current == last:
            time.sleep(INTERVAL)
            continue
        if last is not None:  # a change: build once the files stand still
            time.sleep(INTERVAL)
            settled = snapshot(book_dir)
            if settled != current:
                continue
        last = current
        in_child(_build_once, book_dir, (formats, *then), profile, built, failed)


def _build_once(book_dir: Path, stages: tuple, profile: str | None, built, failed) -> None:
    for formats in stages:
        start = time.perf_counter()
        try:
            result = build(book_dir, formats, profile=profile)
        except Exception as error:
            failed(error)
            return
        built(result, time.perf_counter() - start)
