"""Debian's Chromium for the tests that drive a browser (epub.js, herpress preview): started
headless on a fresh profile, its temporary files under a folder of the test's, in a session of its
own so that it ends with everything it started."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need(found, what: str) -> None:
    if not found:
        pytest.fail(f"{what} is not installed: run scripts/setup --test")


def end_group(process: subprocess.Popen) -> None:
    """End a process started in a session of its own, and everything it started, by its group id:
    while the process is not reaped (running, or a zombie), no other process can have that id."""
    if process.returncode is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


@contextmanager
def chromium(work: Path):
    """Debian's Chromium, headless, on a fresh profile, with its profile and temporary files
    (its singleton socket among them) under work; yields its DevTools WebSocket URL."""
    (work / "tmp").mkdir(exist_ok=True)
    process = subprocess.Popen(
        [shutil.which("chromium"), *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(work / "tmp")}, start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()
    log: list[str] = []

    def read():  # read its log to the end, so that it never blocks on a full pipe
        for line in process.stderr:
            log.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            try:
                line = lines.get(timeout=30)
            except queue.Empty:
                pytest.fail("Chromium did not open its DevTools port in 30 s:\n" + "".join(log[-20:]))
            if line is None:
                pytest.fail(f"Chromium closed its log (exit status {process.poll()}) before opening its DevTools "
                            "port:\n" + "".join(log[-20:]))
            if match := re.search(r"DevTools listening on (ws://\S+)", line):
                break
        yield match.group(1)
    finally:
        end_group(process)
        reader.join(timeout=5)
