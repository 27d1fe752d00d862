"""Temporary folders a build makes outside the book: gone when the build ends, however it ends.

WeasyPrint keeps the fonts of a layout's ``@font-face`` rules in a ``weasyprint-*`` folder that it
removes only in ``FontConfiguration.__del__`` — which never runs in herpress: the CLI freezes the
build's objects before the interpreter exits (``cli.run``), and forked children leave with
``os._exit``. Each build left ~1.8 MB behind. So herpress names the folder itself (:func:`folder`),
with the process id in its name, removes this process's folders when the build is over
(:func:`cleaned`) and those of the processes it forked (which are bound to it and reaped by then,
:mod:`herpress.forked`), and removes those of a process that no longer runs (a build killed
mid-layout) when the next build starts.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

PREFIX = "herpress-fonts-"
_NAME = re.compile(rf"^{PREFIX}(\d+)-")


def folder() -> Path:
    """A new temporary folder, owned by this process."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


@contextmanager
def cleaned():
    """Around a build: sweep what killed builds left, and remove what this one and its helpers made
    (Ctrl-C and SIGTERM included: they reach here as an exception)."""
    sweep()
    try:
        yield
    finally:
        remove(lambda pid: pid == os.getpid() or not running(pid))


def sweep() -> None:
    """Remove the folders of processes that are gone."""
    remove(lambda pid: not running(pid))


def remove(owned) -> None:
    try:
        names = os.listdir(tempfile.gettempdir())
    except OSError:
        return
    for name in names:
        match = _NAME.match(name)
        if match and owned(int(match[1])):
            shutil.rmtree(Path(tempfile.gettempdir()) / name, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether process ``pid`` is there (a zombie counts until its parent reaps it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to judge
        return True
    return True
