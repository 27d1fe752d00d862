"""The sample book's EPUB in two real reading engines, as a reader would meet it.

* epub.js 0.3.93 (with JSZip) in Debian's Chromium, paginated at 800 × 600 and paged with "next"
  from the first page to the last, through every page of every spine document in spine order.
  Every <img> (those in a <picture> too) decodes; every image, the charts first, has more than
  one colour both as decoded and as painted on the page; no chart is cut off at its edge; no page
  is blank; no visible heading is empty; every chapter shows text on its first page.
* calibre's ``ebook-convert`` to plain text: the documents come in spine order, and none of the
  navigation a reader is not meant to read (the page-list, the landmarks) leaks into the text.

What they saw is left in build/engine-screens/ for a person to look at: a screenshot of the first
page of each document and of each page where an image or the notes first show, epub.js's report
(epubjs-report.json) and calibre's text (calibre.txt).

``scripts/setup --test`` installs both (epub.js, JSZip and playwright-core into .tools/reader);
tests/engines/ holds the page epub.js runs in and the Node script that turns its pages."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
import zipfile
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree
from PIL import Image

from browsers import chromium, end_group, need

REPO = Path(__file__).resolve().parents[1]
ENGINES = REPO / "tests" / "engines"
READER = REPO / ".tools" / "reader"
SCREENS = REPO / "build" / "engine-screens"
TIMEOUT = 90  # seconds for a whole run of one engine; it takes a few

NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml",
      "epub": "http://www.idpf.org/2007/ops", "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
HEADINGS = tuple(f"{{{NS['x']}}}h{n}" for n in range(1, 7))


def text_of(element) -> str:
    return unicodedata.normalize("NFC", " ".join("".join(element.itertext()).split()))


# --- what the EPUB itself says, read independently of either engine -------------------------------

class Epub:
    """The spine, the chapters (the contents' top entries), the images and the hidden navs of an EPUB."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as archive:
            container = etree.fromstring(archive.read("META-INF/container.xml"))
            opf_name = container.find(".//c:rootfile", NS).get("full-path")
            opf = etree.fromstring(archive.read(opf_name))
            base = PurePosixPath(opf_name).parent
            manifest = {item.get("id"): item for item in opf.iterfind(".//opf:manifest/opf:item", NS)}
            self.spine = [manifest[ref.get("idref")].get("href")
                          for ref in opf.iterfind(".//opf:spine/opf:itemref", NS)]
            self.documents = {href: etree.fromstring(archive.read(str(base / href))) for href in self.spine}
        nav = self.documents[next(item.get("href") for item in manifest.values()
                                  if "nav" in (item.get("properties") or "").split())]
        navs = {element.get(EPUB_TYPE): element for element in nav.iter(f"{{{NS['x']}}}nav")}
        toc = navs["toc"].find("x:ol", NS)
        self.chapters = [a.get("href").split("#")[0] for a in toc.iterfind("x:li/x:a", NS)]
        labels = {kind: [text_of(a) for a in nav.iter(f"{{{NS['x']}}}a")] for kind, nav in navs.items()}
        self.page_labels = labels.get("page-list", [])
        self.landmark_labels = labels.get("landmarks", [])

    def images(self, href: str) -> list[dict]:
        """Each <img> of a document: whether it is in a <picture>, whether in a chart's figure."""
        def within(img, tag, cls=None):
            return any(a.tag == f"{{{NS['x']}}}{tag}" and (cls is None or cls in (a.get("class") or "").split())
                       for a in img.iterancestors())
        return [{"inPicture": within(img, "picture"), "chart": within(img, "figure", "chart")}
                for img in self.documents[href].iter(f"{{{NS['x']}}}img")]

    def title(self, href: str) -> str | None:
        h1 = self.documents[href].find(".//x:h1", NS)
        return text_of(h1) if h1 is not None else None

    def opening(self, href: str) -> str | None:
        """The start of the first paragraph (or definition, or list item) after the title, outside any nav."""
        body = self.documents[href].find("x:body", NS)
        h1 = body.find(".//x:h1", NS)
        after = h1 is None
        for element in body.iter():
            if element is h1:
                after = True
            elif after and element.tag in {f"{{{NS['x']}}}{name}" for name in ("p", "dd", "li")} \
                    and not any(a.tag == f"{{{NS['x']}}}nav" for a in element.iterancestors()):
                text = text_of(element)
                if len(text) >= 20:
                    return text[:50]
        return None

    def headings(self) -> set[str]:
        return {text_of(h) for doc in self.documents.values() for h in doc.iter(*HEADINGS)}


@pytest.fixture(scope="module")
def epub(sample) -> Epub:
    return Epub(sample.outputs["epub"])


# --- epub.js in Chromium --------------------------------------------------------------------------

def run_in_group(command: list[str], env: dict, late: str) -> tuple[int, str]:
    """Run ``command`` in a process group of its own, ended (with whatever it started) however it
    ends; (exit status, output). ``late``: the failure said when it outlasts :data:`TIMEOUT`."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{late} in {TIMEOUT} s")
    finally:
        end_group(process)
    return process.returncode, output


@contextmanager
def serve(folder: Path):
    """An HTTP server on the loopback for the files under folder; yields its base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def epubjs(sample) -> dict:
    """The report of epub.js paging through the sample book (see tests/engines/epubjs.mjs)."""
    need(shutil.which("chromium"), "Chromium")
    need(shutil.which("node"), "Node.js")
    for package in ("epubjs", "jszip", "playwright-core"):
        need((READER / "node_modules" / package / "package.json").exists(), f"{package} (in .tools/reader)")
    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in [*SCREENS.glob("*.png"), SCREENS / "epubjs-report.json"]:
        old.unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix="herpress-epubjs-"))
    try:
        site = work / "site"
        site.mkdir()
        (site / "view.html").symlink_to(ENGINES / "view.html")
        (site / "lib").symlink_to(READER / "node_modules")
        (site / "book.epub").symlink_to(sample.outputs["epub"])
        report_path = work / "report.json"
        with serve(site) as base, chromium(work) as cdp:
            returncode, output = run_in_group(
                ["node", str(ENGINES / "epubjs.mjs"), str(READER), cdp, f"{base}/view.html", str(SCREENS),
                 str(report_path)], {**os.environ, "TMPDIR": str(work / "tmp")}, "epub.js did not get through the book")
        if not report_path.exists():
            pytest.fail(f"the epub.js driver wrote no report (exit {returncode}):\n{output}")
        shutil.copy(report_path, SCREENS / "epubjs-report.json")  # beside the screenshots, to read by eye
        report = json.loads(report_path.read_text())
        report["output"] = output
        if crashed := [error for error in report["errors"] if error.startswith("driver:")]:
            pytest.fail("the epub.js driver stopped:\n" + "\n".join(crashed + [output]))
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_epubjs_pages_through_every_spine_document_in_order(epubjs, epub):
    assert epubjs["errors"] == [], epubjs["output"]
    assert [item["href"] for item in epubjs["spine"]] == epub.spine
    assert [section["href"] for section in epubjs["sections"]] == epub.spine
    visited = [visit["index"] for visit in epubjs["visits"]]
    assert visited == sorted(visited), "paging with 'next' went back to an earlier document"
    for section in epubjs["sections"]:  # and turned every page of each
        pages = [visit["page"] for visit in epubjs["visits"] if visit["index"] == section["index"]]
        assert pages == list(range(1, section["pages"] + 1)), section["href"]
    for section in epubjs["sections"]:
        assert section["screenshots"], section["href"]
        assert (SCREENS / section["screenshots"][0]).exists()


def test_epubjs_decodes_every_image(epubjs, epub):
    found = {section["href"]: section["images"] for section in epubjs["sections"]}
    assert {href: [{"inPicture": image["inPicture"], "chart": image["chart"]} for image in images]
            for href, images in found.items()} == {href: epub.images(href) for href in epub.spine}
    broken = [(href, image["figure"] or image["alt"], image["currentSrc"], image["naturalWidth"], image["decodeError"])
              for href, images in found.items() for image in images
              if not (image["complete"] and image["naturalWidth"] > 0 and image["decodeError"] is None)]
    assert broken == []


def one_colour(path: Path, box: dict) -> bool:
    with Image.open(path) as screen:
        crop = screen.convert("RGB").crop((round(box["x"]), round(box["y"]),
                                           round(box["x"] + box["width"]), round(box["y"] + box["height"])))
    return crop.getcolors(maxcolors=1) is not None


def test_epubjs_shows_every_chart_and_image_with_content(epubjs, epub):
    charts = [image for section in epubjs["sections"] for image in section["images"] if image["chart"]]
    assert len(charts) == sum(image["chart"] for href in epub.spine for image in epub.images(href)) > 0
    problems = []
    for section in epubjs["sections"]:
        for image in section["images"]:
            name = f"{section['href']}#{image['figure']}" if image["figure"] else f"{section['href']}: {image['alt']!r}"
            if image["colours"] is None or image["colours"] < 2:
                problems.append(f"{name} decodes to {image['colours']} colour(s) {image['colourError'] or ''}")
            if not image["shots"]:
                problems.append(f"{name} never shows on a page")
            for shot in image["shots"]:
                if shot["box"]["width"] < 20 or shot["box"]["height"] < 20:
                    size = f"{shot['box']['width']:.0f}×{shot['box']['height']:.0f} px"
                    problems.append(f"{name} is {size} in {shot['file']}")
                elif one_colour(SCREENS / shot["file"], shot["box"]):
                    problems.append(f"{name} is painted in one colour in {shot['file']}")
    assert problems == []


def test_epubjs_shows_every_chart_whole(epubjs):
    """A chart's picture, as the reader decodes it, is not cut off: no ink on its outermost pixels
    (as when a label set in a font the reader lacks runs out past the picture's edge)."""
    cut = {f"{section['href']}#{image['figure']}": image["edgeInk"]
           for section in epubjs["sections"] for image in section["images"]
           if image["chart"] and (image["edgeInk"] is None or any(image["edgeInk"].values()))}
    assert cut == {}


def test_epubjs_shows_no_blank_page(epubjs):
    """Every page the reader turns to shows some text or a picture."""
    hrefs = {section["index"]: section["href"] for section in epubjs["sections"]}
    blank = [f"{hrefs.get(visit['index'])} page {visit['page']} of {visit['pages']}"
             for visit in epubjs["visits"] if visit["text"] == 0 and visit["images"] == 0]
    assert blank == []


def test_epubjs_shows_no_empty_heading(epubjs):
    empty = {section["href"]: section["emptyHeadings"] for section in epubjs["sections"] if section["emptyHeadings"]}
    assert empty == {}


def test_epubjs_shows_text_on_the_first_page_of_every_chapter(epubjs, epub):
    sections = {section["href"]: section for section in epubjs["sections"]}
    assert set(epub.chapters) <= set(sections)
    silent = [href for href in epub.chapters if len(sections[href]["firstPageText"]) < 20]
    assert silent == []
    for href in epub.chapters:  # and the screenshot of that page is not blank
        with Image.open(SCREENS / sections[href]["screenshots"][0]) as screen:
            assert screen.convert("L").getextrema()[0] < 128, f"nothing dark on the first page of {href}"


# --- calibre ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def calibre_lines(sample) -> list[str]:
    """The sample book as calibre's ebook-convert writes it in plain text: its non-blank lines."""
    need(shutil.which("ebook-convert"), "calibre's ebook-convert")
    work = Path(tempfile.mkdtemp(prefix="herpress-calibre-"))
    try:
        env = {**os.environ, "CALIBRE_CONFIG_DIRECTORY": str(work / "config"), "CALIBRE_TEMP_DIR": str(work / "tmp"),
               "QT_QPA_PLATFORM": "offscreen"}
        (work / "tmp").mkdir()
        returncode, output = run_in_group(["ebook-convert", str(sample.outputs["epub"]), str(work / "book.txt")],
                                          env, "ebook-convert did not finish")
        assert returncode == 0, output
        text = (work / "book.txt").read_text(encoding="utf-8")
        SCREENS.mkdir(parents=True, exist_ok=True)
        (SCREENS / "calibre.txt").write_text(text, encoding="utf-8")  # beside the screenshots, to read by eye
        return [unicodedata.normalize("NFC", " ".join(line.split())) for line in text.splitlines() if line.strip()]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_calibre_reads_the_documents_in_spine_order(calibre_lines, epub):
    """Each document's title (a line of its own) and the start of its first paragraph, in spine order."""
    cursor, missing = 0, []
    for href in epub.spine:
        for kind, anchor in (("title", epub.title(href)), ("opening", epub.opening(href))):
            if anchor is None:
                continue
            at = next((i for i in range(cursor, len(calibre_lines))
                       if (calibre_lines[i] == anchor if kind == "title" else anchor in calibre_lines[i])), None)
            if at is None:
                missing.append(f"{href}: {kind} {anchor!r} after line {cursor}")
            else:
                cursor = at + 1
    assert missing == []
    assert sum(1 for href in epub.chapters if epub.title(href)) == len(epub.chapters)


PAGE_NUMBER = re.compile(r"(\d+|[ivxlcdm]+)", re.IGNORECASE)


def test_calibre_text_has_no_page_list(calibre_lines, epub):
    """The print page numbers are a hidden nav: no run of bare page numbers in the text."""
    runs, run = [], []
    for number, line in enumerate(calibre_lines + [""]):
        if PAGE_NUMBER.fullmatch(line) or line in epub.page_labels:
            run.append(line)
        else:
            if len(run) >= 3:
                shown = " ".join(run[:12]) + (" …" if len(run) > 12 else "")
                runs.append(f"non-blank lines {number - len(run)}–{number - 1}: {shown}")
            run = []
    assert runs == []


def test_calibre_text_has_no_landmarks(calibre_lines, epub):
    """The landmarks are a hidden nav: their labels that are no heading of the book are not in the
    text, and they are not there as a list."""
    labels = set(epub.landmark_labels) | {"Start of content", "Title page"}
    own = sorted(labels - epub.headings())
    assert [line for line in calibre_lines if line in own] == []
    listed = [i for i in range(len(calibre_lines) - 2)
              if all(line in labels for line in calibre_lines[i:i + 3])]
    assert listed == []
