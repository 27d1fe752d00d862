"""``herpress watch``: build, then build again each time the book changes, in one process.

Every ``herpress`` command first starts Python and imports typer, Python-Markdown, lxml, Jinja2
and ebooklib: ~0.11 s of the ~0.26 s an EPUB takes after a one-chapter edit of a 150,000-word
book. A process that stays up pays that once; each rebuild then costs what changed (the caches
of :mod:`herpress.cache` do the rest, as they do for one-off builds).

Changes are found by polling: the name, size and modification time of every file in
``manuscript/`` and ``styles/`` every :data:`INTERVAL` seconds (a few hundred ``stat`` calls for a
long book; no dependency, and it works on network and container mounts where file events do
not). A change is built once the files have stood still for one more interval, so an editor
that writes a file in steps is not caught halfway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .build import BuildResult, build
from .errors import BookError

INTERVAL = 0.05  # seconds between looks at the files
WATCHED = ("manuscript", "styles")


def snapshot(book_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, modification time) of every file a build reads from the book folder, by path."""
    seen = {}
    for name in WATCHED:
        for path in (book_dir / name).rglob("*"):
            if path.name.startswith(".") or path.name.endswith("~"):  # editor droppings, as cache.py skips them
                continue
            try:
                status = path.stat()
            except OSError:  # removed between the listing and the look
                continue
            if not path.is_dir():
                seen[str(path.relative_to(book_dir))] = (status.st_size, status.st_mtime_ns)
    return seen


def watch(book_dir: Path, formats: tuple[str, ...], *, profile: str | None = None,
          built: Callable[[BuildResult, float], None], failed: Callable[[BookError], None],
          keep_going: Callable[[], bool] = lambda: True, interval: float = INTERVAL) -> None:
    """Build ``formats`` now and after every change, until ``keep_going()`` is false (or Ctrl-C).

    ``built(result, seconds)`` hears of each build, ``failed(error)`` of each problem in the book;
    a problem ends nothing: the last good outputs stay, and the next change is built again.
    """
    last: dict | None = None
    while keep_going():
        current = snapshot(book_dir)
        if current == last:
            time.sleep(interval)
            continue
        if last is not None:  # a change: build once the files stand still
            time.sleep(interval)
            settled = snapshot(book_dir)
            if settled != current:
                continue
        last = current
        start = time.perf_counter()
        try:
            result = build(book_dir, formats, profile=profile)
        except BookError as error:
            failed(error)
            continue
        built(result, time.perf_counter() - start)
