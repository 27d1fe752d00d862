"""The rebuilds behind ``herpress preview``, and the news of them told to every open page.

The book is watched and built exactly as ``herpress watch`` does it (:func:`herpress.watch.watch`:
polling, a forked child per build, the caches): polling is kept on purpose, as watch.py says why
(no dependency, and it sees changes on network and container mounts). The watch runs in a process
of its own, forked from the preview before its server starts a thread (a fork of a threaded
process may inherit a lock some thread held), and in a process group of its own, so that the
preview alone decides when it stops (:meth:`Rebuilder.stop`: Ctrl-C to the whole group, so the
build in progress removes its temporary files).

Each change is built in two steps, in one child: the EPUB alone (the reading view needs only it;
a one-chapter edit is written in a fraction of a second), then the PDF with the EPUB again (the
print view, and the EPUB's print page numbers). A step is announced only after
:func:`herpress.build.build` has returned, that is once its outputs are renamed into place, all of
them: one JSON line per step on a pipe to the preview (:func:`_send`). A failed step is announced
with its ``file:line: message`` lines, and the steps after it are not run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

STAGES = (("epub",), ("pdf", "epub"))  # what each step of a rebuild writes
STEP_NAMES = ("reading", "print")
_cycle = {"step": 0}  # counted in each build's child: a fork's copy, so every build starts at 0


class Rebuilder:
    """The watching process, and the pipe it announces each finished step on."""

    def __init__(self, book_dir: Path, profile: str | None):
        self.book_dir, self.profile = book_dir, profile
        self.pid: int | None = None
        self.fd: int | None = None

    def start(self, close: tuple[int, ...] = ()) -> int:
        """Fork the watching process; return the pipe's end to read. ``close``: descriptors of the
        preview's (its listening socket) that the watch must not hold."""
        from .. import watch  # noqa: F401  (imports herpress.forked: the watch dies with the preview)

        read, write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the watching process
            os.close(read)
            for fd in close:
                os.close(fd)
            _watching(self.book_dir, self.profile, write)
        os.close(write)
        try:
            os.setpgid(pid, pid)  # as the child does: whichever runs first
        except OSError:
            pass
        self.pid, self.fd = pid, read
        return read

    def stop(self, timeout: float = 60) -> int | None:
        """Ctrl-C to the watch and the build it runs; wait for them (killed after ``timeout``);
        the watch's exit status."""
        if self.pid is None:
            return None
        pid, self.pid = self.pid, None
        _signal_group(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if _ended(pid):
                    _signal_group(pid, signal.SIGKILL)  # a helper the build left in its group: none should be
                    _, status = os.waitpid(pid, 0)
                    break
                if time.monotonic() > deadline:
                    _signal_group(pid, signal.SIGKILL)
                time.sleep(0.02)
            except ChildProcessError:
                return None
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting for the build to finish
                _signal_group(pid, signal.SIGKILL)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return os.waitstatus_to_exitcode(status)


def _ended(pid: int) -> bool:
    """Whether the child has ended, leaving it unreaped where the system can (while it is a
    zombie no other process can have its id, so its group is still its own to signal)."""
    if hasattr(os, "waitid"):
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    done, _ = os.waitpid(pid, os.WNOHANG)  # pragma: no cover - reaped here: signal nothing after
    if done:
        raise ChildProcessError
    return False


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _watching(book_dir: Path, profile: str | None, fd: int) -> None:  # pragma: no cover - forked
    """The watching process: :func:`herpress.watch.watch` until Ctrl-C, then exit."""
    from ..watch import watch

    code = 0
    try:
        os.setpgid(0, 0)
        from ..forked import interrupt

        signal.signal(signal.SIGINT, interrupt)  # as Python's own, though not inside a fork's hooks
        watch(book_dir, STAGES[0], profile=profile, then=STAGES[1:],
              built=lambda result, seconds: _built(fd, book_dir, profile, result, seconds),
              failed=lambda error: _failed(fd, error))
    except KeyboardInterrupt:
        pass
    except BaseException as error:  # the book became unreadable as a book, or a bug: the preview hears it
        _send(fd, {"kind": "stopped", "errors": _lines(error)})
        code = 1
    finally:
        os._exit(code)


def _built(fd: int, book_dir: Path, profile: str | None, result, seconds: float) -> None:
    """In a build's child, once a step's outputs are in place: say so, with what the preview shows."""
    step = STEP_NAMES[min(_cycle["step"], len(STEP_NAMES) - 1)]
    _cycle["step"] += 1
    book_warnings = [str(w) for w in (getattr(result.book, "warnings", None) or result.book_warnings)]
    message = {"kind": "built", "step": step, "seconds": round(seconds, 3), "up_to_date": result.up_to_date,
               "outputs": {fmt: str(path) for fmt, path in result.outputs.items()},
               "page_count": result.page_count, "warnings": list(result.warnings),
               "book_warnings": book_warnings, "notices": list(result.notices)}
    if step == "print":
        message["starts"] = _page_starts(book_dir, profile, result)
    _send(fd, message)


def _failed(fd: int, error: Exception) -> None:
    step = STEP_NAMES[min(_cycle["step"], len(STEP_NAMES) - 1)]
    _cycle["step"] = len(STEP_NAMES)
    _send(fd, {"kind": "failed", "step": step, "errors": _lines(error)})


def _lines(error: BaseException) -> list[str]:
    """What the terminal would say: ``file:line: message`` per problem, or one line for a bug."""
    from ..errors import BookError

    if isinstance(error, BookError):
        return str(error).splitlines()
    if os.environ.get("HERPRESS_DEBUG"):
        traceback.print_exception(error)
    return [f"herpress: internal error ({type(error).__name__}: {error}); the last good pages stay. "
            "Run again with HERPRESS_DEBUG=1 for the traceback, and please report it."]


def _page_starts(book_dir: Path, profile: str | None, result) -> list[dict] | None:
    """Where each printed page begins, from the page map of the layout just made (read as
    ``herpress stats`` reads it: under the digest of the inputs), or None when the book changed
    again since (the next build says it)."""
    from dataclasses import asdict

    from .. import cache
    from ..build import output_dir
    from ..pdf.profiles import get
    from ..sources import open_book

    try:
        source = open_book(book_dir)
        name = result.book.print_settings.profile if result.book is not None \
            else get(profile or source.config.print.profile).name
        inputs = cache.Inputs.of(book_dir, source.inputs())
        starts = cache.load_page_map(output_dir(book_dir), inputs.layout_key(name))
    except Exception:
        return None
    return [asdict(start) for start in starts] if starts else None


def _send(fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:  # the preview is gone: so is this process, soon
        pass


class Lines:
    """The watch's announcements as they come off the pipe, a whole JSON line at a time."""

    def __init__(self, fd: int):
        self.fd, self.buffer = fd, b""

    def read(self) -> tuple[list[dict], bool]:
        """The messages now readable, and whether the pipe is closed (the watch has ended)."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return [], False
        self.buffer += chunk
        *whole, self.buffer = self.buffer.split(b"\n")
        messages = []
        for line in whole:
            try:
                messages.append(json.loads(line))
            except ValueError:
                continue
        return messages, not chunk


class News:
    """Every open page's stream of states (Server-Sent Events): each hears the latest state when it
    subscribes and each one after, in order; :meth:`close` ends them all (the server is stopping)."""

    def __init__(self):
        self.queues: set[asyncio.Queue] = set()
        self.closed = False

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        if self.closed:
            queue.put_nowait(None)
        self.queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self.queues.discard(queue)

    def publish(self, state: dict) -> None:
        for queue in self.queues:
            queue.put_nowait(state)

    def close(self) -> None:
        self.closed = True
        for queue in self.queues:
            queue.put_nowait(None)
