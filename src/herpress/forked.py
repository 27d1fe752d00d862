"""Work done in forked processes: the charts beside the reading, the second half of the PDF
(and the Markdown workers of a cold read)."""

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
