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


def test_the_folders_of_helpers_a_build_forked_go_with_it(tmp_path, monkeypatch):
    import multiprocessing
    import tempfile

    from herpress import tempdirs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with tempdirs.cleaned():
        mine = tempdirs.folder()
        helper = multiprocessing.get_context("fork").Process(target=lambda: (tempdirs.folder(), os._exit(0)))
        helper.start()
        helper.join()  # it left as forked helpers do, removing nothing
        assert len(os.listdir(tmp_path)) == 2 and mine.is_dir()
    assert os.listdir(tmp_path) == []


def test_a_killed_builds_temporary_files_are_swept_and_a_running_ones_kept(tmp_path):
    from herpress import cache

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    names = [f".book.epub.abcd1234.{gone.pid}.part", f".book.epub.efgh5678.{os.getpid()}.part",
             f".x.json.ijkl9012.{gone.pid}.tmp", "book.epub"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    cache.sweep_stale(tmp_path, ".part")
    cache.sweep_stale(tmp_path, ".tmp")
    assert sorted(os.listdir(tmp_path)) == sorted([names[1], "book.epub"])
