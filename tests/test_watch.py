"""``herpress watch`` (herpress.watch): a change is built in the running process, a problem is
reported and leaves the last good output, Ctrl-C ends the watch cleanly."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pytest

from herpress.watch import snapshot


def test_the_snapshot_sees_the_manuscript_and_styles_but_not_outputs_or_editor_droppings(book):
    (book / "styles").mkdir()
    (book / "styles" / "epub.css").write_text("p { margin: 0 }")
    (book / "build").mkdir()
    (book / "build" / "old.epub").write_bytes(b"")
    (book / "manuscript" / ".01-first-chapter.md.swp").write_bytes(b"")
    (book / "manuscript" / "01-first-chapter.md~").write_bytes(b"")
    seen = snapshot(book)
    assert "styles/epub.css" in seen and "manuscript/01-first-chapter.md" in seen
    assert not any(name.startswith("build") or name.endswith(("~", ".swp")) for name in seen)
    before = seen["manuscript/01-first-chapter.md"]
    (book / "manuscript" / "01-first-chapter.md").write_text("# Changed\n\nText, longer than before it was.\n" * 20)
    assert snapshot(book)["manuscript/01-first-chapter.md"] != before


class Watcher:
    """``herpress watch`` in a subprocess, its stdout read line by line."""

    def __init__(self, book):
        self.process = subprocess.Popen([sys.executable, "-m", "herpress", "watch", str(book), "--only", "epub"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def stop(self, sig, timeout: float) -> str:
        """Send ``sig`` and wait for the watch to end; its stderr. One that does not end in time
        is killed, so that a failing test leaves no watch behind, and the test fails."""
        self.process.send_signal(sig)
        try:
            return self.process.communicate(timeout=timeout)[1]
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise

    def next_status(self, timeout: float = 60) -> str:
        """The next 'built in …' or 'not built' line."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.startswith(("built in", "not built")):
                return line


def chapter_text(epub) -> str:
    with zipfile.ZipFile(epub) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xhtml"))


@pytest.fixture(params=[signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "terminated"])
def stop_signal(request):
    return request.param


def test_a_watch_builds_each_change_keeps_the_last_good_output_and_stops_on_ctrl_c(book, stop_signal):
    chapter, epub = book / "manuscript" / "01-first-chapter.md", book / "build" / "my-book.epub"
    watcher = Watcher(book)
    try:
        assert watcher.next_status().startswith("built in")
        assert "Written while watching" not in chapter_text(epub)

        chapter.write_text(chapter.read_text() + "\nWritten while watching.\n")
        assert watcher.next_status().startswith("built in")
        assert "Written while watching." in chapter_text(epub)
        good = epub.read_bytes()

        lines = len(chapter.read_text().split("\n"))
        chapter.write_text(chapter.read_text() + "\n```\nnever closed\n")
        assert watcher.next_status().startswith("not built")
        assert epub.read_bytes() == good

        chapter.write_text(chapter.read_text().replace("```\nnever closed\n", "Mended.\n"))
        assert watcher.next_status().startswith("built in")
        assert "Mended." in chapter_text(epub)
    finally:
        errors = watcher.stop(stop_signal, timeout=30)
    assert watcher.process.returncode == 0
    assert f"manuscript/01-first-chapter.md:{lines + 1}: code block opened here" in errors
    assert "Traceback" not in errors


def test_a_folder_that_is_not_a_book_is_refused_not_watched(tmp_path):
    done = subprocess.run([sys.executable, "-m", "herpress", "watch", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "no book here" in done.stderr and "Traceback" not in done.stderr


def test_two_watches_of_one_book_take_turns(book):
    chapter, epub = book / "manuscript" / "01-first-chapter.md", book / "build" / "my-book.epub"
    watchers = [Watcher(book), Watcher(book)]
    try:
        for watcher in watchers:
            assert watcher.next_status().startswith("built in")
        chapter.write_text(chapter.read_text() + "\nSeen by both.\n")
        for watcher in watchers:
            assert watcher.next_status().startswith("built in")
        assert "Seen by both." in chapter_text(epub)
        with zipfile.ZipFile(epub) as archive:
            assert archive.testzip() is None
    finally:
        done = []
        try:
            for watcher in watchers:
                done.append(watcher.stop(signal.SIGINT, timeout=60))
        finally:
            for watcher in watchers:
                if watcher.process.poll() is None:
                    watcher.process.kill()
                    watcher.process.communicate()
    assert [watcher.process.returncode for watcher in watchers] == [0, 0], done
    assert not any("internal error" in errors or "Traceback" in errors for errors in done), done
    assert list((book / "build").glob(".*.part")) == []
