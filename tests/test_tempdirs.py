"""No temporary folder outlives a build (WeasyPrint's font folders included), even a killed one's."""

from __future__ import annotations

import os
import subprocess
import sys


def herpress(*args, tmp):
    return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(tmp)}, timeout=600)


def test_a_build_and_a_cover_leave_the_temp_directory_empty(book, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    assert herpress("pdf", book, tmp=tmp).returncode == 0
    assert herpress("cover", book, tmp=tmp).returncode == 0
    assert sorted(os.listdir(tmp)) == []


def test_what_a_killed_build_left_is_removed_by_the_next(book, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp / f"herpress-fonts-{gone.pid}-abc").mkdir()  # a process that no longer runs
    alive = tmp / f"herpress-fonts-{os.getpid()}-def"  # this one: another build's, still at work
    alive.mkdir()
    assert herpress("pdf", book, tmp=tmp).returncode == 0
    assert sorted(os.listdir(tmp)) == [alive.name]
