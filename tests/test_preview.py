"""``herpress preview`` (herpress.preview): a server on the loopback that shows the EPUB's documents and
the print spreads, rebuilt and reloaded in place on every save, problems shown over the last good
pages, and nothing of it left once it stops.

One preview process serves the checks of the running server and the browser's (Debian's Chromium,
headless, driven by tests/engines/preview.mjs through playwright-core: scripts/setup --test
installs it into .tools/reader; no browser is downloaded). Its screenshots are left in
build/preview-screens/ for a person to look at."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from browsers import chromium, end_group, need
from checks import page_texts

from herpress.preview.pages import folios

REPO = Path(__file__).resolve().parents[1]
ENGINES = REPO / "tests" / "engines"
READER = REPO / ".tools" / "reader"
SCREENS = REPO / "build" / "preview-screens"
DEADLINE = 90  # seconds for any one thing to be seen: generous, for a loaded two-core machine
CHAPTER = "01-first-chapter.md"
FILLER = ("A paragraph of filler, long enough to wrap over several lines at any of the three widths, so that "
          "the chapter runs well past one screen and a heading can be brought to the top of it. ")


class Preview:
    """``herpress preview`` in a subprocess, its stdout and stderr read line by line; its own TMPDIR,
    to see that it leaves nothing there."""

    def __init__(self, book: Path, tmp: Path):
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-m", "herpress", "preview", str(book)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "TMPDIR": str(tmp)})
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        threading.Thread(target=self._read, args=(self.process.stdout, self.out, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.err, False), daemon=True).start()
        line = self.next_line(r"http://127\.0\.0\.1:\d+/")
        self.url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def _read(self, stream, into: list, announce: bool) -> None:
        for line in stream:
            into.append(line)
            if announce:
                self.lines.put(line)

    def next_line(self, pattern: str, timeout: float = DEADLINE) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None and self.lines.empty():
                pytest.fail(f"herpress preview did not print {pattern!r} (exit {self.process.poll()}):\n"
                            + "".join(self.out + self.err))
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if re.search(pattern, line):
                return line

    def state(self) -> dict:
        return json.loads(get(self.port, "/state")[2])

    def wait_for_both_views(self) -> dict:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            state = self.state()
            if state["reading"] and state["print"]:
                return state
            time.sleep(0.1)
        pytest.fail("the preview never had both views:\n" + "".join(self.out + self.err))

    def descendants(self) -> list[int]:
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    children = [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    continue
                found += children
                todo += children
        return found

    def stop(self, sig: int, timeout: float = 60) -> int:
        """Send ``sig`` and wait for the preview to end; its exit status. One that does not end in
        time is killed (so that a failing test leaves no preview behind), and the test fails."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"herpress preview did not stop on signal {sig} in {timeout} s")

    def kill(self) -> None:
        for pid in [*self.descendants(), self.process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()


def get(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, dict, bytes]:
    """GET ``path`` exactly as written (no normalising of ``..`` or ``%2e``); status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"{host}:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if alive(pid)] == []


def write_long_chapter(book: Path) -> str:
    """The first chapter made long enough to scroll: filler after each section, a note, a last section."""
    chapter = book / "manuscript" / CHAPTER
    text = chapter.read_text()
    filler = "\n\n".join(FILLER * 3 for _ in range(6))
    text = text.replace("## A chart from data", "A note on the opening.[^opening]\n\n## A chart from data")
    text = text.replace("## What next", f"{filler}\n\n## What next")
    text += f"\n{filler}\n\n## Later still\n\n{filler}\n\n[^opening]: The opening's note.\n"
    chapter.write_text(text)
    return text


@pytest.fixture(scope="module")
def preview_book(tmp_path_factory, init_book) -> Path:
    folder = tmp_path_factory.mktemp("preview") / "my-book"
    shutil.copytree(init_book.book.root / "manuscript", folder / "manuscript")
    write_long_chapter(folder)
    return folder


@pytest.fixture(scope="module")
def running(preview_book, tmp_path_factory):
    """The one preview the module's checks share; killed, with what it started, however they end."""
    preview = Preview(preview_book, tmp_path_factory.mktemp("preview-tmp"))
    try:
        yield preview
    finally:
        if preview.process.poll() is None:
            try:
                preview.stop(signal.SIGINT)
            finally:
                if preview.process.poll() is None:
                    preview.kill()


# --- units ----------------------------------------------------------------------------------------

def test_the_folio_of_each_page_is_counted_on_from_the_page_map():
    starts = [{"page": 4, "label": "v"}, {"page": 6, "label": "1"}, {"page": 8, "label": "3"}]
    assert folios(starts, 11) == ["", "", "", "", "v", "vi", "1", "2", "3", "4", "5"]


# --- what the server answers ----------------------------------------------------------------------

def test_the_preview_listens_on_the_loopback_and_nowhere_else(running):
    assert running.url.startswith("http://127.0.0.1:")
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, _, status = row.split()[1:4]
            address, port = local.rsplit(":", 1)
            if int(port, 16) == running.port and status == "0A":  # LISTEN
                listening.append((table, address))
    assert listening == [("/proc/net/tcp", "0100007F")]  # 127.0.0.1, and no IPv6 socket


def test_the_preview_serves_the_books_outputs_and_its_own_files(running):
    state = running.wait_for_both_views()
    reading, printed = state["reading"]["version"], state["print"]["version"]
    status, headers, body = get(running.port, "/")
    assert status == 200 and b"herpress preview" in body and "script-src 'self'" in headers["content-security-policy"]
    status, headers, body = get(running.port, "/assets/preview.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    status, headers, body = get(running.port, f"/book/{reading}/EPUB/first-chapter.xhtml")
    assert status == 200 and headers["content-type"] == "application/xhtml+xml" and b"The First Chapter" in body
    assert "script-src 'none'" in headers["content-security-policy"]
    status, headers, body = get(running.port, f"/print/{printed}/1.png")
    assert status == 200 and headers["content-type"] == "image/png" and body.startswith(b"\x89PNG")
    assert state["print"]["chapters"]["EPUB/first-chapter.xhtml"] > state["print"]["chapters"]["EPUB/introduction.xhtml"]


def test_the_preview_serves_nothing_else(running, preview_book):
    state = running.wait_for_both_views()
    reading, printed = state["reading"]["version"], state["print"]["version"]
    escape = preview_book / "build" / "escape"
    escape.symlink_to("/etc")
    try:
        refused = [
            "/../manuscript/book.toml", "/..%2fmanuscript%2fbook.toml", "/%2e%2e/%2e%2e/etc/passwd",
            "//etc/passwd", "/etc/passwd", f"/book/{reading}/../../manuscript/book.toml",
            f"/book/{reading}/EPUB/..%2f..%2fmanuscript%2fbook.toml", f"/book/{reading}/%2e%2e%2f%2e%2e%2fpyproject.toml",
            f"/book/{reading}//etc/passwd", f"/book/{reading}/%2fetc%2fpasswd", f"/book/{reading}/escape/passwd",
            f"/book/{reading}/../build/escape/passwd", "/build/escape/passwd", "/build/my-book.epub",
            "/assets/../../pyproject.toml", "/assets/..%2f..%2fpyproject.toml", "/assets/%2e%2e%2fpreview%2fpreview.js",
            "/assets//etc/passwd", "/assets/%2fetc%2fpasswd", "/styles/preview/preview.js",
            f"/print/{printed}/../../../etc/passwd", f"/print/{printed}/0.png", f"/print/{printed}/9999.png",
            f"/print/{printed}/-1.png", f"/print/{printed}/..%2f1.png", "/print/nothing/1.png",
            "/nothing", "/assets/nothing.js", f"/book/{reading}/EPUB/nothing.xhtml", f"/book/{reading}/EPUB/",
            f"/book/{reading}/EPUB", "/state/../manuscript/book.toml", "/manuscript/book.toml",
        ]
        answers = {path: get(running.port, path) for path in refused}
    finally:
        escape.unlink()
    assert {path: status for path, (status, _, _) in answers.items() if status not in (400, 403, 404)} == {}
    secrets = (b"root:", b"[contents]", b"[project]", b"[build-system]")
    assert [path for path, (_, _, body) in answers.items() if any(s in body for s in secrets)] == []
    assert get(running.port, "/nothing")[0] == 404
    assert get(running.port, "/state", host="attacker.example")[0] == 400  # a DNS name rebound to the loopback


def test_no_other_command_imports_the_server():
    """Starlette and uvicorn are for the preview alone: no other command, nor --help, starts them."""
    commands = [[], ["--help"], ["build", "--help"], ["epub", "--help"], ["pdf", "--help"], ["watch", "--help"],
                ["cover", "--help"], ["proof", "--help"], ["stats", "--help"], ["init", "--help"],
                ["check", "--help"], ["preview", "--help"]]
    code = ("import sys\nfrom herpress.cli import app\n"
            f"for args in {commands!r}:\n"
            "    try:\n        app(args, prog_name='herpress')\n    except SystemExit:\n        pass\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'starlette', 'uvicorn', 'anyio', 'h11'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "LOADED []", done.stdout + done.stderr
    timed = subprocess.run([sys.executable, "-X", "importtime", "-m", "herpress", "pdf", "--help"],
                           capture_output=True, text=True, timeout=60)
    assert timed.returncode == 0 and "import time:" in timed.stderr
    assert not re.search(r"\|\s+(starlette|uvicorn|anyio|h11)\b", timed.stderr)


# --- in a browser --------------------------------------------------------------------------------

def test_the_preview_in_a_browser(running, preview_book):
    need(shutil.which("chromium"), "Chromium")
    need(shutil.which("node"), "Node.js")
    need((READER / "node_modules" / "playwright-core" / "package.json").exists(), "playwright-core (in .tools/reader)")
    running.wait_for_both_views()
    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in SCREENS.glob("*.png"):
        old.unlink()
    chapter = preview_book / "manuscript" / CHAPTER
    text = chapter.read_text()
    edited = text.replace("## A chart from data", "Written in the preview, above the first section.\n\n"
                          + "\n\n".join(FILLER for _ in range(4)) + "\n\n## A chart from data")
    broken = edited + "\n```\nnever closed\n"
    broken_line = len(edited.split("\n")) + 1
    mended = edited + "\nMended in the preview.\n"
    plan = {"url": running.url, "screens": str(SCREENS), "chapter": str(chapter), "timeout": DEADLINE * 1000,
            "texts": {"edited": edited, "broken": broken, "mended": mended},
            "expect": {"chapterTitle": "The First Chapter", "heading": "first-chapter--what-next",
                       "headingText": "What next", "edited": "Written in the preview",
                       "errorText": f"manuscript/{CHAPTER}:{broken_line}: code block opened here",
                       "mended": "Mended in the preview"}}
    work = Path(tempfile.mkdtemp(prefix="herpress-preview-"))  # short: Chromium's socket path has a limit
    try:
        (work / "plan.json").write_text(json.dumps(plan))
        report_path = work / "report.json"
        with chromium(work) as cdp:
            process = subprocess.Popen(["node", str(ENGINES / "preview.mjs"), str(READER), cdp,
                                        str(work / "plan.json"), str(report_path)], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                       start_new_session=True, env={**os.environ, "TMPDIR": str(work / "tmp")})
            try:
                output, _ = process.communicate(timeout=8 * DEADLINE)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the preview driver did not finish in {8 * DEADLINE} s")
            finally:
                end_group(process)
        if not report_path.exists():
            pytest.fail(f"the preview driver wrote no report (exit {process.returncode}):\n{output}")
        report = json.loads(report_path.read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (SCREENS / "report.json").write_text(json.dumps(report, indent=1))
    assert report["errors"] == [], "\n".join(report["errors"]) + output + "".join(running.err[-20:])
    assert report["httpErrors"] == []  # no 404 while the book was rebuilt, nor ever

    # the reading view: the contents, a chapter with its chart, its links and notes, three widths
    assert {"Introduction", "1. The First Chapter", "What next", "Glossary"} <= set(report["contents"])
    assert report["firstDocument"] == "EPUB/introduction.xhtml"
    assert report["chapterHeading"] == "The First Chapter"
    assert report["chart"]["complete"] and report["chart"]["width"] > 0
    assert report["glossaryLink"] == "EPUB/glossary.xhtml"
    assert report["noteTarget"].startswith("#fn-")
    assert report["widths"] == {"phone": 390, "tablet": 820, "ereader": 600}

    # the jump to print lands on the chapter's first page, as the PDF itself has it
    texts = page_texts(preview_book / "build" / "my-book.pdf")
    page = report["jump"]["page"]
    assert "The First Chapter" in texts[page] and "Chapter 1" in texts[page]
    assert "The First Chapter" not in texts[page - 1]
    assert page in report["jump"]["at"]["spread"]  # its spread at the top of the view

    # an edit: shown in place (no reload of the page), at the same heading, the print view at the same page
    assert report["navigations"] == 0 and report["notReloaded"]
    assert report["before"]["id"] == report["after"]["id"] == "first-chapter--what-next"
    assert abs(report["after"]["top"] - report["before"]["top"]) < 4
    assert report["editSeconds"] < DEADLINE
    assert report["readingRefreshes"] == 1  # the print step's EPUB (page numbers added) shows nothing new
    assert report["printAfter"]["page"] == report["jump"]["at"]["page"]

    # a problem: over the last good pages, with its file and line, in the terminal too; gone when mended
    assert any(line.startswith(plan["expect"]["errorText"]) for line in report["overlay"]), report["overlay"]
    assert report["stillShown"]
    assert any(plan["expect"]["errorText"] in line for line in running.err)
    assert report["overlayGone"]
    assert report["final"]["id"] == "first-chapter--what-next"
    assert [shot for shot in report["steps"] if (SCREENS / shot).exists()] == report["steps"] and len(report["steps"]) == 8
    print(f"reading view updated {report['editSeconds']:.2f} s after the save; print view {report['printSeconds']:.2f} s")


# --- how it ends ---------------------------------------------------------------------------------

def test_ctrl_c_stops_the_preview_leaving_nothing(running, preview_book):
    running.wait_for_both_views()
    started = running.descendants()
    assert started  # the watch (and any build it runs)
    assert running.stop(signal.SIGINT) == 0
    assert_gone(started)
    assert list((preview_book / "build").glob(".*.part")) == []
    assert list(running.tmp.iterdir()) == []
    assert "Traceback" not in "".join(running.err)


def test_sigterm_stops_the_preview_mid_build_leaving_nothing(book, tmp_path):
    preview = Preview(book, tmp_path / "tmp")
    try:
        preview.next_line(r"^reading view: wrote")  # the PDF is being laid out now
        started = preview.descendants()
        assert preview.stop(signal.SIGTERM) == 0
    finally:
        if preview.process.poll() is None:
            preview.kill()
    assert_gone(started)
    assert list((book / "build").glob(".*.part")) == []
    assert list(preview.tmp.iterdir()) == []
    assert "Traceback" not in "".join(preview.err)


def test_a_folder_that_is_not_a_book_or_a_port_taken_is_refused(tmp_path, book):
    done = subprocess.run([sys.executable, "-m", "herpress", "preview", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "no book here" in done.stderr and "Traceback" not in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = subprocess.run([sys.executable, "-m", "herpress", "preview", str(book), "--port",
                               str(taken.getsockname()[1])], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "cannot listen on 127.0.0.1:" in done.stderr and "Traceback" not in done.stderr
