"""Nothing escapes the book folder, nothing reaches the network, nothing already built is lost."""

from __future__ import annotations

import hashlib
import socket
import threading
import zipfile

import pytest

from checks import epubcheck, messages, pdf
from herpress.build import build
from herpress.errors import BookError
from herpress.styles import default_styles_dir


class Listener:
    """A TCP listener on loopback that counts every connection made to it."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_remote_urls_in_the_manuscript_are_never_fetched(book, listener):
    url = f"http://127.0.0.1:{listener.port}"
    chapter = book / "manuscript" / "01-first-chapter.md"
    append(chapter, f"\nA [link]({url}/page) is fine: nothing follows it.\n")
    result = build(book)  # links are kept, not fetched
    assert result.outputs["epub"].exists()
    for remote in (f"![A picture]({url}/picture.png)", f'<img src="{url}/x.png" alt="x"/>',
                   f'<video src="{url}/v.mp4"></video>', f'<p style="background: url({url}/bg.png)">x</p>'):
        chapter.write_text(f"# Chapter\n\n{remote}\n", encoding="utf-8")
        with pytest.raises(BookError):
            build(book)
    assert listener.connections == 0


def test_remote_urls_in_styles_are_refused(book, listener):
    url = f"http://127.0.0.1:{listener.port}"
    styles = book / "styles"
    styles.mkdir()
    css = (default_styles_dir() / "print.css").read_text(encoding="utf-8")
    (styles / "print.css").write_text(f'@import url("{url}/evil.css");\n{css}\n', encoding="utf-8")
    with pytest.raises(BookError, match="never reads from the network"):
        build(book, ("pdf",))
    (styles / "print.css").write_text(f"{css}\nbody {{ background: url({url}/bg.png) }}\n", encoding="utf-8")
    with pytest.raises(BookError, match="never reads from the network"):
        build(book, ("pdf",))
    (styles / "print.css").write_text(f"{css}\nbody {{ background: url(file:///etc/hostname) }}\n", encoding="utf-8")
    with pytest.raises(BookError, match="outside the book folder"):
        build(book, ("pdf",))
    assert listener.connections == 0


def test_a_symlinked_chapter_pointing_outside_is_refused(book, tmp_path):
    (tmp_path / "elsewhere.md").write_text("# Secret\n\nNot part of the book.\n")
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.unlink()
    chapter.symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(BookError, match="outside the book folder"):
        build(book)


def test_metadata_with_markup_characters_and_other_scripts_is_escaped(book):
    title = 'Tom & Jerry <3 "quoted" \u2014 \u1f08\u03b8\u1fc6\u03bd\u03b1\u03b9 Z\u00fcrich'  # faces have Greek
    toml = book / "manuscript" / "book.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("title = ")
    end = text.index("\n", start)
    toml.write_text(text[:start] + 'title = "' + title.replace('"', '\\"') + '"' + text[end:], encoding="utf-8")
    result = build(book)
    report = epubcheck(result.outputs["epub"])
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages(report)
    with zipfile.ZipFile(result.outputs["epub"]) as archive:
        assert "Tom &amp; Jerry &lt;3" in archive.read("EPUB/content.opf").decode()
    text = " ".join(page.extract_text() for page in pdf(result.outputs["pdf"]).pages[:4])
    assert "Tom & Jerry <3" in text and "\u1f08\u03b8\u1fc6\u03bd\u03b1\u03b9" in text


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


