"""One function per command: read the book once, hand it to the writers, move outputs into place.

Each output is written to a temporary file beside it, named with the process's id, and all of a
build's outputs are renamed into place together once every one is complete (:class:`Staged`): a
failed or interrupted build leaves the previous outputs as they were, all of them. One build of a
book runs at a time (:func:`book_lock`): a second waits for the first, saying so, instead of
writing the same files.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from . import cache, tempdirs
from .errors import BookError
from .proofread import proofread

if TYPE_CHECKING:
    from .model import Book

Report = Callable[[str], None]  # a step's name as it begins ("Reading the manuscript"), or a Progress within it


@dataclass
class BuildResult:
    book: Book | None  # None when nothing had to be built (``up_to_date``)
    outputs: dict[str, Path] = field(default_factory=dict)
    page_count: int | None = None
    warnings: list[str] = field(default_factory=list)  # from preflight: acceptable, worth reading
    up_to_date: bool = False  # every output was there, built from the same inputs: nothing was done
    book_warnings: list[str] = field(default_factory=list)  # the manuscript's, repeated on a no-op build
    notices: list[str] = field(default_factory=list)  # one-line remarks for stderr
    word_counts: list = field(default_factory=list)  # wordgate.Count per chapter, for check --build


def output_dir(book_dir: Path) -> Path:
    from .paths import output_folder  # BOOK_DIR/build; refused when it leads outside the book
    return output_folder(book_dir)


def read_book(book_dir: Path, profile: str | None = None, report: Report = lambda message: None,
              source=None) -> "Book":
    """Read the manuscript through the chapter and chart caches; ``profile`` overrides book.toml's."""
    from .reader import load_book
    from .sources import open_book

    out = output_dir(book_dir)
    report("Reading the manuscript")
    source = source or open_book(book_dir)
    if profile:  # before the reading: the charts are drawn for the profile's inks (gray or colour)
        from .pdf.profiles import get

        source.config.print.profile = get(profile).name
    book = load_book(book_dir, cache_dir=out / ".cache" / "charts",
                     chapter_cache=cache.ChapterCache.for_book(source.base, cache.cache_dir(out) / "chapters"),
                     source=source)
    return book


def build(book_dir: Path, formats: tuple[str, ...] | None = None, *, outputs: dict[str, Path] | None = None,
          profile: str | None = None, report: Report = lambda message: None, strict: bool = False,
          html: Path | None = None, source=None) -> BuildResult:
    """Build the book in ``book_dir`` into the given formats (names of :data:`herpress.outputs.FORMATS`;
    by default the print PDF, the EPUB and the store editions book.toml lists); return where each
    went (:func:`_build`). ``html``: a folder to write the print edition's HTML, CSS and files
    into, as laid out (:mod:`herpress.pdf.print_html`). No temporary folder outlives it
    (:mod:`herpress.tempdirs`)."""
    from .sources import open_book

    source = source or open_book(book_dir)  # a folder that is not a book is refused before anything is made in it
    with book_lock(output_dir(book_dir)), tempdirs.cleaned():
        return _build(book_dir, source, formats or default_formats(source), outputs=outputs,
                      profile=profile, report=report, strict=strict, html=html)


def epub(book_dir: Path, formats: tuple[str, ...] | None = None, *, output: Path | None = None,
         report: Report = lambda message: None) -> BuildResult:
    """``herpress epub``: the EPUB and the store editions of ``[ebook] stores``, or the editions
    named (``--for``); ``output``: where the one edition goes."""
    from . import outputs as registry
    from .sources import open_book

    source = open_book(book_dir)
    formats = tuple(formats or ebook_formats(source))
    for name in formats:
        if registry.get(name).medium != "ebook":
            raise BookError(f"'{name}' is not an ebook edition (one of epub, {', '.join(registry.STORES)}): use one of "
                          "them with --for")
    return build(book_dir, formats, outputs={formats[0]: output} if output else None, report=report, source=source)


def default_formats(source) -> tuple[str, ...]:
    """What ``herpress build`` makes: the print PDF, then what ``herpress epub`` makes."""
    return ("pdf", *ebook_formats(source))


def ebook_formats(source) -> tuple[str, ...]:
    """What ``herpress epub`` makes: the EPUB and the store editions of ``[ebook] stores``."""
    return ("epub", *source.config.ebook.stores)


def _build(book_dir: Path, source, formats: tuple[str, ...], *, outputs: dict[str, Path] | None,
           profile: str | None, report: Report, strict: bool = False, html: Path | None = None) -> BuildResult:
    """Build the book in ``book_dir`` into the given formats; return where each went.

    Nothing is done when the last build made every output from the same inputs and the
    outputs are unchanged (``result.up_to_date``). ``herpress build`` gives the ebooks the print
    edition's page numbers; an ebook built alone takes them from the last layout when it is of
    the same content, and otherwise goes without (``result.notices`` says so).
    """
    from . import outputs as registry

    chosen = registry.ordered(formats)
    out = output_dir(book_dir)
    inputs = cache.Inputs.of(book_dir, source.inputs())
    if inputs is not None:
        named = {fmt: cache.relative(path, out.parent) for fmt, path in (outputs or {}).items() if path}
        keys = {f.name: inputs.output_key(f.name, profile, named.get(f.name, "")) for f in chosen}
        previous = cache.up_to_date(out, keys) if html is None else None  # the folder is made from a layout
        if previous is not None and _pages_to_be_had(out, chosen, previous):
            previous = None  # an ebook without page numbers, and now they can be had
        if previous is not None:
            report("Up to date")
            first = next(iter(previous.values()))
            return BuildResult(None, {fmt: Path(r["path"]) for fmt, r in previous.items()},
                               page_count=previous.get("pdf", {}).get("pages"), up_to_date=True,
                               warnings=[w for r in previous.values() for w in r.get("warnings", [])],
                               book_warnings=first.get("book_warnings", []),
                               notices=list(dict.fromkeys(n for r in previous.values() for n in r.get("notices", []))))
    sweep(out)
    book = read_book(book_dir, profile, report, source)
    result = BuildResult(book)
    targets = {f.name: (outputs or {}).get(f.name) or out / f.file_name(book) for f in chosen}
    job = registry.Job(book, out, inputs, layout_key=inputs.layout_key(book.print_settings.profile) if inputs else None,
                       report=report)
    with staged(out) as stage:
        for fmt in chosen:
            report(f"Writing the {fmt.name} ({fmt.summary})")
            fmt.write(job, stage.temporary(targets[fmt.name]))
        result.page_count = job.printed.page_count if job.printed is not None else None
        result.warnings, result.notices = job.warnings, list(dict.fromkeys(job.notices))
        report("Reading the outputs back")  # nothing lost, nothing past the page (proofread.py)
        printing = [f.name for f in chosen if f.medium == "print"]
        reading = [f.name for f in chosen if f.medium == "ebook"]
        words = cache.BlobCache(cache.cache_dir(out) / "words", inputs.code) if inputs is not None else None
        proof = proofread(book, pdf=stage.files.get(targets[printing[0]]) if printing else None, printed=job.printed,
                          epub=stage.files.get(targets[reading[0]]) if reading else None, strict=strict, memo=words,
                          pages=job.readback)
        book.warnings += proof.warnings
        result.word_counts = proof.counts
        if words is not None and words.hits:
            report(registry.Progress("Reading the outputs back", summary=f"{words.hits} word counts taken from the cache"))
        proof.raise_any()
        with stage.committing():  # the outputs are replaced, all together: no interrupt from here on
            result.outputs.update(targets)
            if inputs is not None:
                _record(out, result, keys, job.facts)
                words.keep_only_used()
                if job.readback is not None:
                    job.readback.keep_only_used()
    if html is not None and job.printed is not None:
        from .pdf.print_html import write_print_html

        result.outputs["html"] = write_print_html(book, job.printed, html)
    return result


def _pages_to_be_had(out: Path, chosen, previous: dict) -> bool:
    """An ebook of the last build went without the print page numbers, and this build can give
    them: it lays the print edition out, or the last layout is of the same content."""
    for fmt in chosen:
        record = previous.get(fmt.name, {})
        if fmt.medium == "ebook" and record.get("notices"):
            if any(f.medium == "print" for f in chosen) or cache.load_page_map(out, record["layout_key"]) is not None:
                return True
    return False


def _record(out: Path, result: BuildResult, keys: dict[str, str], facts: dict[str, dict]) -> None:
    """Note what was built, for the next build to find it up to date; a record that cannot be
    written only costs that build."""
    book_warnings = [str(w) for w in result.book.warnings]
    try:
        for fmt, path in result.outputs.items():
            cache.record_output(out, fmt, keys[fmt], path, book_warnings=book_warnings, **facts.get(fmt, {}))
    except OSError:
        pass


def cover(book_dir: Path, *, profile: str | None = None, paper: str | None = None, binding: str | None = None,
          output: Path | None = None, report: Report = lambda message: None) -> BuildResult:
    """The full-wrap cover (the paperback's, or the hardcover's case), its spine sized from the
    interior's real page count."""
    from .sources import open_book

    open_book(book_dir)
    with book_lock(output_dir(book_dir)), tempdirs.cleaned():
        return _cover(book_dir, profile=profile, paper=paper, binding=binding, output=output, report=report)


def _cover(book_dir: Path, *, profile: str | None, paper: str | None, binding: str | None, output: Path | None,
           report: Report) -> BuildResult:
    from .pdf.cover import hardcover, write_cover
    from .pdf.interior import layout
    from .pdf.profiles import get

    out = output_dir(book_dir)
    book = read_book(book_dir, profile, report)
    if paper:
        book.print_settings.paper = paper
    if binding:
        book.print_settings.binding = binding
    if book.print_settings.binding == "hardcover":  # its trim, before the interior is laid out
        hardcover(book.print_settings.trim, get(book.print_settings.profile))
    report("Laying out the interior to count its pages")
    pages = layout(book).page_count
    result = BuildResult(book, page_count=pages)
    target = output or out / f"{book.slug}-cover.pdf"
    report("Laying out the cover")
    with atomic(target) as temporary:
        result.warnings += write_cover(book, temporary, pages)
    result.outputs["cover"] = target
    return result


def proof(book_dir: Path, *, profile: str | None = None, report: Report = lambda message: None) -> BuildResult:
    """Build the print PDF, then render its spreads as PNGs into BOOK_DIR/build/proof/."""
    from .pdf.proof import render_spreads

    result = build(book_dir, ("pdf",), profile=profile, report=report)
    report("Rendering spreads")
    spreads = render_spreads(result.outputs["pdf"], output_dir(book_dir) / "proof")
    result.outputs["proof"] = spreads[0].parent if spreads else output_dir(book_dir) / "proof"
    return result


@contextmanager
def atomic(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` only on success."""
    with staged(target.parent) as stage:
        temporary = stage.temporary(target)
        yield temporary
        with stage.committing():
            pass


_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


class Staged:
    """A build's outputs, each written to a temporary file beside it (``.<name>.<random>.<pid>.part``)
    and renamed into place, all of them, by :meth:`committing` — or none, which ``staged``'s end
    removes."""

    def __init__(self, out: Path):
        self.out = out
        self.files: dict[Path, Path] = {}  # target -> its temporary file

    def temporary(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        cache.sweep_stale(target.parent, ".part", prefix=f".{target.name}.")  # a killed build's
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{os.getpid()}.part", dir=target.parent)
        os.close(handle)
        self.files[target] = Path(name)
        return Path(name)

    @contextmanager
    def committing(self) -> Iterator[None]:
        """Put every output in place, then run the block (what records them), with Ctrl-C and
        SIGTERM held back: the build is done once the first is renamed, and says so. A rename that
        fails (the disk gone) is an error that says which outputs were replaced and which were not."""
        with _uninterrupted():
            for temporary in self.files.values():
                os.chmod(temporary, 0o644)
            done: list[Path] = []
            for target, temporary in self.files.items():
                try:
                    os.replace(temporary, target)
                except OSError as error:
                    kept = [t for t in self.files if t not in done]
                    replaced = f"{', '.join(map(str, done))} replaced, " if done else ""
                    raise BookError(f"could not be put in place ({error.strerror or error}): {replaced}"
                                    f"{', '.join(map(str, kept))} unchanged; build again once the folder can "
                                    "be written",
                                    target) from None
                done.append(target)
            yield

    def discard(self) -> None:
        for temporary in self.files.values():
            temporary.unlink(missing_ok=True)


@contextmanager
def staged(out: Path) -> Iterator[Staged]:
    """The outputs of one build (:class:`Staged`); a disk that fills up while they are written is
    said to be full, with nothing replaced."""
    stage = Staged(out)
    try:
        yield stage
    except OSError as error:
        if error.errno not in _NO_ROOM:
            raise
        raise BookError(f"cannot write the outputs ({error.strerror}): nothing was replaced; free some space and "
                        "build again", out) from None
    finally:
        stage.discard()


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for the block (a few renames). One that came is dropped: the
    block finished what it was asked to, and 'interrupted; earlier outputs are unchanged' would
    no longer be true."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = {sig: signal.signal(sig, lambda number, frame: held.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def sweep(out: Path) -> None:
    """Remove what builds that were killed left in ``build/``: their temporary outputs, and the
    cache files they were writing (:func:`herpress.cache.sweep_stale`)."""
    cache.sweep_stale(out, ".part")
    for folder in ("", "chapters", "pagemap", "cover", "charts", "words", "documents", "parts", "pages", "fonts"):
        cache.sweep_stale(cache.cache_dir(out) / folder, ".tmp")


@contextmanager
def book_lock(out: Path) -> Iterator[None]:
    """Hold the book's lock (``build/.cache/lock``, ``flock``) for the block: a second build or
    watch of the book waits for the first, printing one line, instead of racing it for the same
    files. The file is never written (a no-op build writes nothing). A folder where no lock can be
    made or taken (read-only, no locks) is built unlocked."""
    path = cache.cache_dir(out) / "lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        handle = None
    try:
        if handle is not None:
            _lock(handle, out)
        yield
    finally:
        if handle is not None:
            os.close(handle)  # releases the lock (once the helpers it forked, which share it, are gone)


def _lock(handle: int, out: Path) -> None:
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"herpress: another herpress is building {out.parent}; waiting for it to finish",
              file=sys.stderr, flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError:  # a file system without locks
        pass
