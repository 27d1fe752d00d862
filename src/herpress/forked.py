"""Work done in forked processes: the charts beside the reading, the second half of the PDF,
the Markdown workers of a cold read, and each build of ``herpress watch``.

Every process forked from one that imported this module is bound to its parent
(:func:`_bind_to_parent`, run by ``os.register_at_fork``, so no helper can be forked without it):
it is killed when the parent dies, however the parent dies (a SIGKILLed ``herpress pdf`` used to
leave its second-half process running for ever, blocked on a pipe no one read), and SIGTERM —
what ``multiprocessing``'s ``terminate`` sends — ends it at once, whatever handler the parent had
(the CLI turns SIGTERM into an interrupt; a helper that caught it could block at exit).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_parent = {"pid": 0, "prctl": None}  # set in the parent just before each fork


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def detach_streams() -> None:
    """In a forked child: write nothing to the parent's stdout and stderr. A thread of the parent
    (the terminal spinner) may have held their locks at the fork, and the child would wait on them
    for ever when it flushes them at exit."""
    sys.stdout = sys.stderr = open(os.devnull, "w")


def in_child(work, *args) -> None:
    """Run ``work(*args)`` in a forked child, printing to the same streams, and wait for it;
    Ctrl-C reaches both. Where there is no fork, in this process."""
    if not hasattr(os, "fork"):
        work(*args)
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would print the parent's buffered lines again
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            work(*args)
        except KeyboardInterrupt:
            code = 130
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            os._exit(code)
    try:
        os.waitpid(pid, 0)
    except KeyboardInterrupt:
        try:  # the child may still be at work: let it finish, or (Ctrl-C) remove its temporary files
            os.waitpid(pid, 0)
        except ChildProcessError:  # it had ended as the signal came
            pass
        raise


def _before_fork() -> None:
    """In the parent: note who the parent is, and look ``prctl`` up here rather than in the child
    (loading a library after a fork can wait on a lock another thread held)."""
    _parent["pid"] = os.getpid()
    if _parent["prctl"] is None and sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
            _parent["prctl"] = prctl
        except (OSError, AttributeError):
            _parent["prctl"] = False


def _bind_to_parent() -> None:
    """In the child, first thing: die with the parent, and let SIGTERM end it."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:  # not forked from the main thread: it keeps the default it had
        pass
    prctl = _parent["prctl"]
    if not prctl or prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        # no prctl: watch for the parent's end (an orphan is adopted: its parent changes)
        threading.Thread(target=_watch_parent, args=(_parent["pid"],), daemon=True).start()
    if os.getppid() != _parent["pid"]:  # the parent died before the binding took hold
        os._exit(1)


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_bind_to_parent)
