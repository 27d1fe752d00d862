"""Work done in forked processes: the charts beside the reading, the second half of the PDF,
the Markdown workers of a cold read, and each build of ``herpress watch``."""

from __future__ import annotations

import os
import sys


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
