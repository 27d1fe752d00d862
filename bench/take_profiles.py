"""Profiles kept with the benchmark's results: cProfile of a cold ``herpress pdf`` and of an EPUB
after a one-chapter edit, both of the parent process (forked helpers are not profiled).

    python bench/synth.py /tmp/book && python bench/take_profiles.py /tmp/book bench/results
"""

from __future__ import annotations

import cProfile
import io
import pstats
import shutil
import sys
import time
from pathlib import Path

from herpress.build import build


def take(book: Path, label: str, formats: tuple[str, ...], path: Path, restrict: str) -> None:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    build(book, formats)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(45)
    stats.print_stats(restrict, 40)
    path.write_text(f"{label}: {time.perf_counter() - start:.2f} s under cProfile "
                    "(this process only; forked helpers are not profiled)\n" + text.getvalue())


def main() -> None:
    book, out = Path(sys.argv[1]), Path(sys.argv[2])
    shutil.rmtree(book / "build", ignore_errors=True)
    take(book, "herpress pdf, cold", ("pdf",), out / "profile-pdf.txt", "herpress|pypdf|pdfium")
    build(book, ("epub",))
    chapter = sorted((book / "manuscript").glob("1*.md"))[0]
    chapter.write_text(chapter.read_text() + "\nOne more paragraph for the profile.\n")
    take(book, "herpress epub, one chapter edited", ("epub",), out / "profile-epub-one-chapter-edited.txt", "herpress")


if __name__ == "__main__":
    main()
