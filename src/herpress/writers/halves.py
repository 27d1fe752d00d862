"""The print PDF finished on two cores.

WeasyPrint lays a document out on one core. Once the whole book is laid out and its gutter band
holds, what is left is local to pages: laying out again the chapters whose footnotes went astray
(:mod:`.relief` keeps each on its own pages), the glossary and index with merged page ranges
(:mod:`.backmatter`), the page starts for the EPUB (:mod:`herpress.pagemap`), and drawing and
writing the pages. So the book is cut at a chapter opening into two halves of about equal work;
a forked process finishes the second half while this one finishes the first, and each writes its
pages to a PDF of its own. The only thing a half needs from the other is where the first half's
glossary and index marks fell, for the back matter's page numbers: the first half sends them.

The two PDFs are joined with pypdf, the first's document-level objects kept (metadata, PDF/X
output intent). Each half embeds its own subsets of the fonts; the second half's are renamed so
that no two different subsets share a name. When a chapter's relief would not be exact,
:func:`finish` writes nothing and returns ``None`` (the caller lays the whole book out again).

Only where the profile writes no links, bookmarks or tags (the print profiles): a join would
cut links between the halves and the structure tree. And only up to :data:`MAX_PAGES`: the two
processes share the layout until one of them touches it, and writing touches most of it, so two
processes hold up to 1.5 times the memory of one.
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from ..forked import cores, detach_streams
from ..model import Book
from ..preflight import fonts_in
from ..profiles import Profile
from .pdf import Draft, Printed, PrintLayout, misplaced_notes, page_labels, write_layout

MAX_PAGES = 600  # beyond, what the second process copies of the layout takes a ~1,000-page book past 600 MiB
RELIEF_COST = 2.0  # a page laid out again costs this many more pages written (measured: ~30 ms against ~15)


def can_split(book: Book, profile: Profile) -> bool:
    tagged = profile.annotations or profile.bookmarks or (profile.pdf_variant or "").startswith("pdf/ua")
    return cores() >= 2 and not tagged and len(book.chapters) >= 2


def finish(book: Book, draft: Draft, target: Path) -> Printed | None:
    """Relieve, lay out the back matter, write ``target`` and find the page starts, on two cores."""
    import multiprocessing

    from .backmatter import first_pages

    if len(draft.document.pages) > MAX_PAGES:
        return _in_one_process(book, draft, target)
    anchors = first_pages(draft.document)
    cut = _cut(book, draft, anchors)
    owner = {chapter.slug: anchors.get(f"section-{chapter.slug}", 0) for chapter in book.chapters}
    first = [slug for slug in draft.relieve if owner[slug] < cut]
    second = [slug for slug in draft.relieve if owner[slug] >= cut]
    context = multiprocessing.get_context("fork")
    # Pipes, not queues: a queue's feeder thread waits at exit until the other side has read all,
    # and a child blocked there outlived its parent. Each process closes the ends it does not use,
    # so a write to a process that is gone fails, and a read from one ends.
    inbox, to_child = context.Pipe(duplex=False)
    from_child, answer = context.Pipe(duplex=False)
    parts = [_temporary(target, n) for n in (1, 2)]
    child = context.Process(target=_second_half, args=(book, draft, cut, second, parts[1], inbox, answer),
                            daemon=True)
    sender = None
    gc.freeze()  # the layout is read, not collected, from now on: neither process scans (and copies) it
    try:
        child.start()
        inbox.close()
        answer.close()
        document = _relieve(book, draft, first)
        marks = None if document is None else {a: p for a, p in first_pages(document).items() if p < cut}
        sender = threading.Thread(target=_send, args=(to_child, marks), daemon=True)
        sender.start()  # the marks may outgrow the pipe's buffer, and the child reads them only when it needs them
        mine = _write_half(book, draft, document, 0, cut, parts[0]) if document is not None else None
        kind, theirs = _answer(child, from_child)
        if kind == "error":
            raise theirs
        if mine is None or kind == "refused":
            return None
        _join(parts[0], parts[1], target)
    finally:
        gc.unfreeze()
        if child.pid is not None:  # started
            if child.is_alive():
                child.terminate()
            child.join()
        if sender is not None:
            sender.join()  # done, or failed: the child, the only reader, is gone
        for end in (inbox, to_child, from_child, answer):
            end.close()
        for part in parts:
            part.unlink(missing_ok=True)
    return _printed(draft, *(a + b for a, b in zip(mine, theirs)))


def _in_one_process(book: Book, draft: Draft, target: Path) -> Printed | None:
    """What :func:`finish` does, for a book too long to be held by two processes."""
    from .backmatter import repaginate

    document = _relieve(book, draft, draft.relieve)
    if document is None:
        return None
    document = repaginate(book, document, draft.labels, draft.typesetter.render_more)
    return _printed(draft, *_write_half(book, draft, document, 0, len(document.pages), target))


def _printed(draft: Draft, labels: list[str], notes: list[str], starts: list) -> Printed:
    return Printed(len(labels), labels, starts, notes, draft.typesetter.profile, draft.typesetter.geometry,
                   draft.relieved)


def _second_half(book: Book, draft: Draft, cut: int, slugs: list[str], path: Path, inbox, outbox) -> None:
    """In the forked process: relieve, lay out the back matter with the first half's marks, write.
    Ctrl-C is the parent's to handle: it ends this process (SIGTERM) when it stops waiting."""
    import signal

    from .backmatter import first_pages, repaginate

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    detach_streams()
    try:
        document = _relieve(book, draft, slugs)
        marks = inbox.recv()  # where the first half's marks fell; None when its relief was refused
        if document is None or marks is None:
            outbox.send(("refused", None))
            return
        marks.update({a: p for a, p in first_pages(document).items() if p >= cut})
        document = repaginate(book, document, draft.labels, draft.typesetter.render_more, anchors=marks)
        outbox.send(("done", _write_half(book, draft, document, cut, len(document.pages), path)))
    except BaseException as error:  # sent to the parent, which raises it
        outbox.send(("error", _portable(error)))


def _send(connection, value) -> None:
    try:
        connection.send(value)
    except OSError:  # the child ended without reading: what ends it is reported by its answer
        pass


def _temporary(target: Path, n: int) -> Path:
    """A file beside ``target`` named like the build's own temporary files, with this process's
    id (swept by the next build if this one is killed: :func:`herpress.cache.sweep_stale`)."""
    handle, name = tempfile.mkstemp(prefix=f"{target.name}.{n}.", suffix=f".{os.getpid()}.part", dir=target.parent)
    os.close(handle)
    return Path(name)


def _relieve(book: Book, draft: Draft, slugs: list[str]):
    from . import relief

    if not slugs:
        return draft.document
    return relief.relieve(book, draft.document, slugs, draft.labels, draft.typesetter.bodies,
                          draft.typesetter.render_more)


def _write_half(book: Book, draft: Draft, document, start: int, end: int, path: Path):
    """Write pages ``start:end`` of ``document`` to ``path``; their labels, misplaced notes and page starts."""
    from ..pagemap import page_starts

    part = document.copy(document.pages[start:end])
    labels = page_labels(part)
    laid_out = PrintLayout(part, labels, profile=draft.typesetter.profile, geometry=draft.typesetter.geometry)
    starts = [replace(s, page=s.page + start) for s in page_starts(laid_out, book)]
    notes = misplaced_notes(laid_out, book)  # a chapter and its notes are in one half
    write_layout(book, laid_out, path)
    return labels, notes, starts


def _answer(child, inbox) -> tuple[str, object]:
    """The child's ("done" | "refused" | "error", payload), or an error if it died without one."""
    try:
        return inbox.recv()
    except EOFError:  # every end of the pipe it wrote to is closed: the child is gone
        child.join()
        return "error", RuntimeError(f"the process writing the second half of the book ended "
                                     f"without a word (exit code {child.exitcode})")


def _portable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def _cut(book: Book, draft: Draft, anchors: dict[str, int]) -> int:
    """The page where the second half begins: the chapter opening that best balances the work
    (each page written, and again each page laid out again by relief or the back matter)."""
    pages = len(draft.document.pages)
    openings = [anchors.get(f"section-{c.slug}") for c in book.chapters]
    back = min((anchors[a] for a in ("glossary-section", "index-section") if a in anchors), default=pages)
    cost = [1.0] * pages
    for n, chapter in enumerate(book.chapters):
        if chapter.slug in draft.relieve and openings[n] is not None:
            end = next((p for p in openings[n + 1:] if p is not None), back)
            for page in range(openings[n], end):
                cost[page] += RELIEF_COST
    for page in range(back, pages):
        cost[page] += RELIEF_COST
    total, best = sum(cost), None
    for opening in openings[1:]:
        if opening is None or not 0 < opening < pages:
            continue
        before = sum(cost[:opening])
        worse = max(before, total - before)
        if best is None or worse < best[0]:
            best = (worse, opening)
    return best[1] if best else pages


def _join(first: Path, second: Path, target: Path) -> None:
    """``first``'s pages then ``second``'s, written to ``target`` with ``first``'s document objects."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=str(first))
    reader = PdfReader(str(second))
    _rename_subsets(reader, taken={font["/BaseFont"] for font in fonts_in(writer.pages)})
    for page in reader.pages:
        writer.add_page(page)
    with open(target, "wb") as out:
        writer.write(out)


def _rename_subsets(reader, taken: set[str]) -> None:
    """Give each font subset of ``reader`` a tag (the six letters before "+") not in ``taken``."""
    import hashlib

    from pypdf.generic import NameObject

    for font in list(fonts_in(reader.pages)):
        name = str(font.get("/BaseFont", ""))
        if len(name) < 8 or name[7] != "+":
            continue
        salt = 0
        while True:
            digest = hashlib.sha256(f"{name}/{salt}".encode()).digest()
            new = "/" + "".join(chr(65 + b % 26) for b in digest[:6]) + name[7:]
            if new not in taken:
                break
            salt += 1
        taken.add(new)
        font[NameObject("/BaseFont")] = NameObject(new)
        for descendant in font.get("/DescendantFonts") or []:
            descendant = descendant.get_object()
            descendant[NameObject("/BaseFont")] = NameObject(new)
            if "/FontDescriptor" in descendant:
                descendant["/FontDescriptor"].get_object()[NameObject("/FontName")] = NameObject(new)
        if "/FontDescriptor" in font:
            font["/FontDescriptor"].get_object()[NameObject("/FontName")] = NameObject(new)
