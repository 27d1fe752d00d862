"""The build function: outputs appear whole, all of them, or not at all; one build of a book at a
time; a killed build leaves nothing behind. The process tests wait on what the build does (a file
it makes, a line it prints), never on a fixed time, so that they hold on a loaded machine."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest
from checks import epubcheck, messages, pdf

from herpress.build import atomic, build
from herpress.errors import BookError


def test_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"previous good build")
    with pytest.raises(RuntimeError):
        with atomic(target) as temporary:
            temporary.write_bytes(b"half a fi")
            raise RuntimeError("crash in the middle")
    assert target.read_bytes() == b"previous good build"
    assert list(tmp_path.iterdir()) == [target]


def test_failed_build_leaves_previous_outputs_intact(tmp_path, init_book):
    import shutil

    book = tmp_path / "copy"
    shutil.copytree(init_book.book.root / "manuscript", book / "manuscript")
    first = build(book)
    before = {fmt: path.read_bytes() for fmt, path in first.outputs.items()}
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\n[[undefined term]]\n")
    with pytest.raises(BookError):
        build(book)
    assert {fmt: path.read_bytes() for fmt, path in first.outputs.items()} == before


# --- all outputs or none, one build at a time, and what a killed build leaves ---------------------

INTERRUPTED = "herpress: interrupted; earlier outputs are unchanged"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edit(book) -> None:
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nOne more paragraph.\n")


def long_book(book):
    """``book`` with a chapter long enough that its layout takes seconds (and its parts are laid out for seconds)."""
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\n" + "\n\n".join(f"Paragraph {n} " + "of words " * 80
                                                               for n in range(400)) + "\n")
    return book


def herpress(*args, tmp=None) -> subprocess.Popen:
    env = {**os.environ, **({"TMPDIR": str(tmp)} if tmp else {})}
    return subprocess.Popen([sys.executable, "-m", "herpress", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_for(what, condition, process=None, timeout: float = 300):
    """Wait until ``condition()`` gives something true (an event of the build: a file it made, a
    process it forked) and return it; fail if ``process`` ends first. Polled, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the build ended before {what}: {process.communicate()}")
        time.sleep(0.02)
    raise AssertionError(f"no {what} in {timeout} s")


def parts(book) -> list[str]:
    return sorted(p.name for p in (book / "build").glob(".*.part"))


def fonts_folders(tmp) -> list[str]:
    return [name for name in os.listdir(tmp) if name.startswith("herpress-fonts-")]


def test_a_disk_full_between_the_outputs_replaces_neither(book, monkeypatch):
    from herpress.epub import output

    first = build(book)
    before = {fmt: sha(path) for fmt, path in first.outputs.items()}
    edit(book)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(output, "pack", full)  # the PDF is written, then the disk is full
    with pytest.raises(BookError, match="nothing was replaced"):
        build(book)
    assert {fmt: sha(path) for fmt, path in first.outputs.items()} == before
    assert parts(book) == []


def test_a_failed_rename_says_which_outputs_were_replaced(book, monkeypatch):
    first = build(book)
    before = {fmt: sha(path) for fmt, path in first.outputs.items()}
    edit(book)
    real = os.replace

    def replace(source, target):
        if str(target).endswith(".epub"):
            raise OSError(errno.EIO, "Input/output error")
        real(source, target)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(BookError) as failed:
        build(book)
    message = str(failed.value)
    assert message.startswith(f"{first.outputs['epub']}: could not be put in place")
    assert f"{first.outputs['pdf']} replaced" in message and f"{first.outputs['epub']} unchanged" in message
    assert sha(first.outputs["pdf"]) != before["pdf"] and sha(first.outputs["epub"]) == before["epub"]
    assert parts(book) == []


def assert_valid(result_pdf, result_epub, pages: int | None = None) -> None:
    report = epubcheck(result_epub)
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages(report)
    assert len(pdf(result_pdf).pages) == pages if pages else len(pdf(result_pdf).pages) > 0


def test_a_second_build_of_a_book_waits_for_the_first(book):
    first = herpress("build", long_book(book))
    wait_for("output being written", lambda: parts(book), first)  # the first holds the book's lock
    second = herpress("build", book)
    out, errors = second.communicate(timeout=600)
    first_out, first_errors = first.communicate(timeout=600)
    assert (first.returncode, second.returncode) == (0, 0), (first_errors, errors)
    waiting = [line for line in errors.splitlines() if "waiting" in line]
    assert waiting == [f"herpress: another herpress is building {book.resolve()}; waiting for it to finish"]
    assert "waiting" not in first_errors and "internal error" not in first_errors + errors
    assert out.startswith("up to date:")  # built once, by the first
    pages = int(first_out.split("(")[1].split()[0])
    assert_valid(book / "build" / "my-book.pdf", book / "build" / "my-book.epub", pages)
    assert parts(book) == []


def test_two_builds_of_a_book_started_together_both_succeed(book):
    builds = [herpress("build", book) for _ in range(2)]
    done = [process.communicate(timeout=600) for process in builds]
    assert [process.returncode for process in builds] == [0, 0], done
    assert not any("internal error" in errors or "Traceback" in errors for _, errors in done)
    assert_valid(book / "build" / "my-book.pdf", book / "build" / "my-book.epub")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "sigkill"])
def test_a_build_killed_midway_leaves_the_previous_pdf_intact(book, tmp_path, sig):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    first = build(book, ("pdf",)).outputs["pdf"]
    before = sha(first)
    process = herpress("pdf", long_book(book), tmp=tmp)
    wait_for("layout", lambda: fonts_folders(tmp), process)  # WeasyPrint has begun laying the book out
    process.send_signal(sig)
    _, errors = process.communicate(timeout=300)
    assert sha(first) == before
    if sig == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
        done = herpress("pdf", book, tmp=tmp)  # the next build removes what the killed one left
        assert done.wait(timeout=600) == 0, done.communicate()
        assert sha(first) != before
    else:
        assert process.returncode == 130 and errors.splitlines() == [INTERRUPTED]
    assert parts(book) == []
    assert os.listdir(tmp) == []
