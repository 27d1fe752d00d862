"""herpress on real books, as their authors keep them: does it build them, and what comes out.

    .venv/bin/python bench/real_books.py [NAME ...] [--timeout 900] [--no-ace] [--keep] [--editions]

For each book of the registry below (all of them, or those named), the book's folder is
copied from its checkout (outside this repository) into a fresh temporary folder — the
checkout stays pristine, and the copy is deleted afterwards (``--keep`` leaves it and says
where) — with the few files the entry writes there (a ``book.toml`` or metadata guessed for
it; never the author's Markdown or images). Then, each step with a timeout:

* ``herpress build`` of the copy, cold: exit status, wall seconds, the largest process's peak
  RSS (GNU time) and the peak PSS summed over the whole process tree (``bench/run.py``'s
  sampler), and its stderr;
* the PDF: page count, the base names of the fonts it embeds (pypdf), and whether each probe
  string of the entry reads back with ``pdftotext``;
* the EPUB: EPUBCheck (fatal + errors, warnings) and DAISY Ace violations
  (``herpress.validate``);
* with ``--editions``, ``herpress epub`` of the copy ``--for kindle --for kobo --for apple``
  (measured as the build is, with ``HERPRESS_DEBUG=1`` so that a crash leaves its traceback), and
  each edition's file: size, EPUBCheck and Ace as above, and what its store asks of it — the
  Kindle edition's SVG files and PNGs with an alpha channel, the share of the chapters' text in
  Kobo's ``koboSpan``s, Apple's display options file;
* ``pandoc -o book.epub`` on the same Markdown files, for comparison.

Results go to ``bench/results/real-books.md`` and ``.json`` (a run on some books updates their
rows and keeps the others); the first 60 lines of herpress's stderr are printed for each book
that fails to build, and the json keeps all of it. Needs pandoc and pdftotext
(``apt-get install -y pandoc poppler-utils``), EPUBCheck and Ace (``scripts/setup --test``).

The checkouts live in ``/work/realbooks`` (extracted from snapshots with ``git archive``; the
commit of each is recorded below). Nothing of their text is kept in this repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).parent))
from run import tree_pss_kib  # noqa: E402  (bench/run.py's sampler: PSS of a process and its descendants)

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent
HERPRESS = str(VENV / "herpress")
RESULTS = REPO / "bench" / "results"
REALBOOKS = Path(os.environ.get("HERPRESS_REALBOOKS", "/work/realbooks"))


# ---------------------------------------------------------------------------------------------
# Helpers the registry uses to name a book's files in reading order

def summary_order(summary: Path) -> list[str]:
    """The chapter files an mdBook or GitBook ``SUMMARY.md`` links, in order, each once
    (anchors dropped; paths relative to the SUMMARY's folder)."""
    seen: list[str] = []
    for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", summary.read_text(encoding="utf-8")):
        if target not in seen:
            seen.append(target)
    return seen


def toml_order(toml_text: str) -> list[str]:
    """The chapter files of a herpress ``book.toml``: chapters, back matter, glossary."""
    contents = tomllib.loads(toml_text).get("contents", {})
    return contents.get("chapters", []) + contents.get("back", []) + \
        ([contents["glossary"]] if contents.get("glossary") else [])


def natural_order(folder: Path, pattern: str = "*.md", exclude: tuple[str, ...] = ()) -> list[str]:
    """Files matching ``pattern`` under ``folder`` in name order (as a shell glob gives them)."""
    return sorted(str(p.relative_to(folder)) for p in folder.glob(pattern) if p.name not in exclude)


# ---------------------------------------------------------------------------------------------
# The registry

@dataclass
class RealBook:
    name: str
    repo: str                 # where the book comes from ("owner/name" on GitHub, or this repository)
    checkout: Path            # the local checkout (extracted snapshot) of that repository
    folder: str               # the book's folder inside the checkout ("." for its root)
    commit: str | None        # the checkout's commit (None: ask git in the checkout)
    licence: str
    kind: str                 # mdbook, plain, pandoc, herpress
    # Where the copy of ``folder`` goes: "as-is" (it is the book folder given to herpress) or
    # "manuscript" (it becomes BOOK/manuscript/, the layout herpress has always read).
    layout: str = "as-is"
    write: dict[str, str] = field(default_factory=dict)    # files written into the copy (path in BOOK)
    remove: list[str] = field(default_factory=list)        # files or folders removed from the copy
    extra: list[tuple[str, str]] = field(default_factory=list)  # (path in checkout, path in BOOK) copied in
    # The Markdown files, in reading order, relative to the copy of ``folder``: what pandoc is
    # given and the words are counted in.
    files: Callable[[Path], list[str]] = lambda source: natural_order(source)
    pandoc_args: list[str] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)       # strings that must read back from the PDF
    note: str = ""


# The Rust book's No Starch text (nostarch/) written as a herpress book.toml: the herpress format
# as it is today (manuscript/book.toml). nostarch/ holds the generated chapters (chapter00–21.md,
# appendix.md: code listings inlined) beside older hand-converted files that duplicate them
# (frontmatter.md holds the authors, foreword, preface and introduction again; introduction.md
# is an older chapter00.md; appendix_a–e.md an older appendix.md without F and G; preface.md is
# about Rust 1.62), so these are left out. Its images are in ../src/img (copied to img/).
NOSTARCH_TOML = """\
[book]
title = "The Rust Programming Language"
subtitle = "Third edition"
creator = "Steve Klabnik, Carol Nichols, and Chris Krycho, with contributions from the Rust Community"
publisher = "No Starch Press"
language = "en-US"
identifier = "urn:uuid:7b0f3c52-1c7e-4d0a-9a61-2f4c8e9d5a10"
rights = "Copyright the Rust Project Developers; licensed under MIT or Apache-2.0"
description = "The Rust Programming Language, the text sent to No Starch Press for print."

[contents]
chapters = ["foreword.md", "chapter00.md", "chapter01.md", "chapter02.md", "chapter03.md", "chapter04.md", "chapter05.md", "chapter06.md", "chapter07.md", "chapter08.md", "chapter09.md", "chapter10.md", "chapter11.md", "chapter12.md", "chapter13.md", "chapter14.md", "chapter15.md", "chapter16.md", "chapter17.md", "chapter18.md", "chapter19.md", "chapter20.md", "chapter21.md"]
back = ["appendix.md", "bio.md"]
code_language = "rust"
"""

# 500 Lines or Less has no metadata file of its own (its build.py lists the chapter folders and
# LaTeX sets the title); a guess at what a pandoc project of it would hold: metadata.yaml and a
# pandoc defaults file with the input files in build.py's order, the introduction first.
FIVE_HUNDRED_CHAPTERS = ["blockcode", "ci", "cluster", "contingent", "crawler", "dagoba", "data-store",
                         "event-web-framework", "flow-shop", "functionalDB", "image-filters", "interpreter",
                         "modeller", "objmodel", "ocr", "pedometer", "same-origin-policy", "sampler",
                         "spreadsheet", "static-analysis", "template-engine", "web-server"]
FIVE_HUNDRED_FILES = ["minutiae/html/introduction.md"] + [f"{c}/{c}.markdown" for c in FIVE_HUNDRED_CHAPTERS]
FIVE_HUNDRED_METADATA = """\
---
title: "500 Lines or Less"
subtitle: "The Architecture of Open Source Applications, Volume IV"
editor: "Michael DiBernardo"
author: "The authors of each chapter"
publisher: "aosabook.org"
lang: en-US
rights: "Text under Creative Commons Attribution 3.0 (each chapter copyright its author); code under MIT"
---
"""
FIVE_HUNDRED_DEFAULTS = "from: markdown+mmd_title_block\nmetadata-file: metadata.yaml\ninput-files:\n" + \
    "".join(f"  - {f}\n" for f in FIVE_HUNDRED_FILES) + \
    "resource-path:\n" + "".join(f"  - {c}\n" for c in ["."] + FIVE_HUNDRED_CHAPTERS)

RUSTBOOK = REALBOOKS / "rustbook"
NOSTARCH_CHAPTERS = toml_order(NOSTARCH_TOML)

BOOKS: list[RealBook] = [
    RealBook(
        name="sample", repo="this repository", checkout=REPO, folder="manuscript", commit=None,
        licence="CC BY-SA 4.0", kind="herpress", layout="manuscript",
        files=lambda source: toml_order((source / "book.toml").read_text(encoding="utf-8")),
        pandoc_args=["--metadata", "title=After Samantha", "--metadata", "lang=en-US"],
        probes=["Before interpreting an ending", "8,316 other people", "Theodore"],
        note="the repository's own book: proves the harness end to end"),
    RealBook(
        name="rust-mdbook", repo="rust-lang/book", checkout=RUSTBOOK, folder=".",
        commit="917544888a55e4da7109bdba8c88c893c0da70f4", licence="MIT OR Apache-2.0", kind="mdbook",
        files=lambda source: ["src/" + f for f in summary_order(source / "src" / "SUMMARY.md")],
        pandoc_args=["--metadata", "title=The Rust Programming Language", "--metadata", "lang=en-US",
                     "--resource-path=src"],
        probes=["Let’s start your Rust journey", "Hello, world!", "fn main() {", "ownership"],
        note="the checkout's root as it is: book.toml + src/SUMMARY.md, {{#include}} listings"),
    RealBook(
        name="rust-nostarch", repo="rust-lang/book", checkout=RUSTBOOK, folder="nostarch",
        commit="917544888a55e4da7109bdba8c88c893c0da70f4", licence="MIT OR Apache-2.0", kind="plain",
        layout="manuscript", write={"manuscript/book.toml": NOSTARCH_TOML},
        extra=[("src/img", "manuscript/img")],
        files=lambda source: NOSTARCH_CHAPTERS,
        pandoc_args=["--metadata", "title=The Rust Programming Language", "--metadata", "lang=en-US"],
        probes=["Let’s start your Rust journey", "Hello, world!", "fn main() {", "ownership"],
        note="nostarch/ as BOOK/manuscript/ with a herpress book.toml written for it "
             "(its own book.toml, an mdBook one pointing at ../src, replaced); ../src/img copied to img/"),
    RealBook(
        name="rust-nostarch-bare", repo="rust-lang/book", checkout=RUSTBOOK, folder="nostarch",
        commit="917544888a55e4da7109bdba8c88c893c0da70f4", licence="MIT OR Apache-2.0", kind="plain",
        remove=["book.toml"], extra=[("src/img", "img")],
        files=lambda source: natural_order(source),
        pandoc_args=["--metadata", "title=nostarch", "--metadata", "lang=en-US"],
        probes=["Let’s start your Rust journey", "Hello, world!", "fn main() {"],
        note="nostarch/ with no config at all (its mdBook book.toml, which points at ../src, removed); "
             "33 .md files, older duplicates included (frontmatter, introduction, preface, appendix_a–e.md), "
             "the reader picks the order; ../src/img copied to img/"),
    RealBook(
        name="rlhf-book", repo="natolambert/rlhf-book", checkout=REALBOOKS / "rlhf-book", folder="book",
        commit="a66b0bf1103b590511e0503a2e9d93faea939a49", licence="CC BY-NC-SA 4.0 (text), MIT (code)",
        kind="pandoc",
        # the Makefile: every chapters/*.md but README.md, in name order, with metadata.yml
        files=lambda source: natural_order(source, "chapters/*.md", exclude=("README.md",)),
        pandoc_args=["--metadata-file=metadata.yml", "--toc", "--citeproc",
                     "--bibliography=chapters/bib.bib", "--csl=templates/ieee.csl", "--resource-path=.",
                     "--mathml"],
        probes=["Reinforcement learning from human feedback", "Bradley-Terry", "reward model"],
        note="pandoc project: metadata.yml (YAML block), chapters/*.md with YAML front matter, citeproc, "
             "pandoc-crossref, fenced divs, math"),
    RealBook(
        name="mostly-adequate", repo="MostlyAdequate/mostly-adequate-guide",
        checkout=REALBOOKS / "mostly-adequate", folder=".",
        commit="239468e9bc4ce1f0143722f312eb2487cac846ea", licence="CC BY-SA 4.0 (text)", kind="plain",
        files=lambda source: summary_order(source / "SUMMARY.md"),
        pandoc_args=["--metadata", "title=Professor Frisby's Mostly Adequate Guide to Functional Programming",
                     "--metadata", "lang=en", "--resource-path=."],
        probes=["Professor Franklin Frisby", "Schrödinger", "compose"],
        note="plain folder of chapters (ch01–13.md, appendix_a–c.md) beside README, CONTRIBUTING, FAQ, "
             "TRANSLATIONS; a GitBook SUMMARY.md and book.json give the order"),
    RealBook(
        name="500lines", repo="aosabook/500lines", checkout=REALBOOKS / "500lines", folder=".",
        commit="fba689d101eb5600f5c8f4d7fd79912498e950e2", licence="CC BY 3.0 (text), MIT (code)",
        kind="pandoc",
        write={"metadata.yaml": FIVE_HUNDRED_METADATA, "defaults.yaml": FIVE_HUNDRED_DEFAULTS},
        files=lambda source: FIVE_HUNDRED_FILES,
        pandoc_args=["--metadata-file=metadata.yaml", "-f", "markdown+mmd_title_block",
                     "--resource-path=" + ":".join(["."] + FIVE_HUNDRED_CHAPTERS)],
        probes=["block-based programming languages", "Dethe", "garbage"],
        note="pandoc chapters one per folder (*.markdown, MultiMarkdown title blocks), LaTeX macros; "
             "metadata.yaml and defaults.yaml guessed and written by the harness"),
]


# ---------------------------------------------------------------------------------------------
# Measuring

def run_measured(command: list[str], cwd: Path, timeout: float, out: Path, env: dict[str, str] | None = None) -> dict:
    """Run ``command`` in its own process group: wall seconds, the largest process's peak RSS
    (GNU time), the process tree's peak PSS (sampled every 100 ms), stdout and stderr; killed
    (its group only) after ``timeout`` seconds. ``env``: variables added to this process's."""
    timefile, stdout, stderr = out / "time.txt", out / "stdout.txt", out / "stderr.txt"
    wrapped = (["/usr/bin/time", "-f", "%e %M", "-o", str(timefile)] if Path("/usr/bin/time").exists() else []) + command
    start = time.perf_counter()
    with stdout.open("wb") as so, stderr.open("wb") as se:
        process = subprocess.Popen(wrapped, cwd=cwd, stdout=so, stderr=se, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, **env} if env else None)
        peak, timed_out = 0, False
        while process.poll() is None:
            peak = max(peak, tree_pss_kib(process.pid))
            if time.perf_counter() - start > timeout:
                timed_out = True
                _kill_group(process)
                break
            time.sleep(0.1)
    seconds = time.perf_counter() - start
    rss = None
    if timefile.exists():
        fields = timefile.read_text().split()
        if len(fields) >= 2 and fields[-1].isdigit():
            rss = int(fields[-1]) / 1024
    return {"exit": None if timed_out else process.returncode, "timed_out": timed_out,
            "seconds": round(seconds, 2), "max_rss_mib": round(rss, 1) if rss else None,
            "peak_tree_pss_mib": round(peak / 1024, 1),
            "stdout": stdout.read_text(errors="replace"), "stderr": stderr.read_text(errors="replace")}


def _kill_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)  # the group this script started, and only it
        except ProcessLookupError:
            return
        try:
            process.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue


def pdf_facts(pdf: Path, probes: list[str]) -> dict:
    from pypdf import PdfReader
    facts: dict = {}
    try:
        reader = PdfReader(str(pdf))
        facts["pages"] = len(reader.pages)
        fonts: dict[str, int] = {}  # base font name -> first page (1-based) that uses it
        seen: set[int] = set()

        def walk(resources, page_number, depth=0):
            if resources is None or depth > 8:
                return
            resources = resources.get_object()
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                name = str(font.get("/BaseFont", "?")).lstrip("/")
                fonts.setdefault(re.sub(r"^[A-Z]{6}\+", "", name), page_number)
            for xobject in (resources.get("/XObject") or {}).values():
                ref = getattr(xobject, "idnum", None)
                xobject = xobject.get_object()
                if ref is not None and ref in seen:
                    continue
                seen.add(ref)
                if xobject.get("/Subtype") == "/Form":
                    walk(xobject.get("/Resources"), page_number, depth + 1)

        for number, page in enumerate(reader.pages, 1):
            walk(page.get("/Resources"), number)
        facts["fonts"] = sorted(fonts)  # (WeasyPrint shares one font dictionary among pages: no page per font)
    except Exception as error:  # a PDF pypdf cannot read is itself a finding
        facts["pdf_error"] = f"{type(error).__name__}: {error}"
    if shutil.which("pdftotext"):
        try:
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                  timeout=300).stdout.decode("utf-8", "replace")
            plain = unicodedata.normalize("NFKC", " ".join(text.split()))
            joined = unicodedata.normalize("NFKC", " ".join(re.sub(r"-\n", "", text).split()))
            facts["probes"] = {p: (unicodedata.normalize("NFKC", p) in plain or unicodedata.normalize("NFKC", p) in joined)
                               for p in probes}
        except subprocess.TimeoutExpired:
            facts["probes_error"] = "pdftotext timed out"
    else:
        facts["probes_error"] = "pdftotext is not installed (apt-get install -y poppler-utils)"
    return facts


def epub_checks(epub: Path, work: Path, ace: bool) -> dict:
    from herpress import validate
    checks: dict = {}
    try:
        report = validate.epubcheck(epub)
        if report is None:
            checks["epubcheck_error"] = "EPUBCheck is not installed (scripts/setup --test)"
        else:
            checker = report.get("checker", {})
            checks["epubcheck"] = {"fatal": checker.get("nFatal", 0), "errors": checker.get("nError", 0),
                                   "warnings": checker.get("nWarning", 0),
                                   "messages": [m if len(m) < 500 else m[:300] + " … " + m[-150:]
                                                for m in validate.epubcheck_messages(report)[:60]]}
    except Exception as error:
        checks["epubcheck_error"] = f"{type(error).__name__}: {str(error)[:500]}"
    if not ace:
        return checks
    try:
        report = validate.ace(epub, work / "ace")
        if report is None:
            checks["ace_error"] = "Ace is not installed (scripts/setup --test)"
        else:
            violations = validate.ace_violations(report)
            impacts: dict[str, int] = {}
            for subject in report["assertions"]:
                for item in subject["assertions"]:
                    impact = item["earl:test"]["earl:impact"]
                    impacts[impact] = impacts.get(impact, 0) + 1
            checks["ace"] = {"violations": len(violations), "by_impact": impacts, "list": violations[:60]}
    except Exception as error:
        checks["ace_error"] = f"{type(error).__name__}: {str(error)[-800:]}"
    return checks


# The store editions ``herpress epub --for NAME`` writes beside the universal EPUB, by the end of
# their file names (herpress.outputs.FORMATS; named here, as ``--herpress`` may measure another
# checkout), and what the package of each holds besides the book's documents.
EDITIONS = {"kindle": "-kindle.epub", "kobo": ".kepub.epub", "apple": "-apple.epub"}
NOT_CHAPTERS = {"cover.xhtml", "titlepage.xhtml", "copyright.xhtml", "nav.xhtml", "glossary.xhtml", "index.xhtml"}
APPLE_OPTIONS = "META-INF/com.apple.ibooks.display-options.xml"
XHTML_NS, SVG_NS = "http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
KOBO_SKIPPED = {"pre", "script", "style", "nav"}  # and everything in SVG or MathML


def _package(epub) -> tuple[str, list[tuple[str, str, str]]]:
    """The OPF's path in the zip and its spine as (path in the zip, media type, properties)."""
    from lxml import etree
    container = etree.fromstring(epub.read("META-INF/container.xml"))
    opf = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile").get("full-path")
    package = etree.fromstring(epub.read(opf))
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    base = os.path.dirname(opf)
    items = {item.get("id"): item for item in package.iterfind(".//opf:manifest/opf:item", ns)}
    spine = []
    for ref in package.iterfind(".//opf:spine/opf:itemref", ns):
        item = items.get(ref.get("idref"))
        if item is not None:
            spine.append((os.path.normpath(os.path.join(base, item.get("href"))), item.get("media-type", ""),
                          item.get("properties") or ""))
    return opf, spine


IMAGES = (".png", ".gif", ".webp", ".jpg", ".jpeg")


def _has_alpha(image) -> bool:
    """An alpha channel as herpress.epub.raster tells it: PIL mode RGBA, LA, PA, or P with a transparency."""
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def transparent_images(epub) -> list[str]:
    """The images, of any format, that a reader can see through but :func:`_has_alpha` does not
    count in a PNG: a GIF or WebP with transparency or an alpha channel, a grey or RGB PNG with a
    tRNS colour (KDP and Kobo refuse transparency in any image)."""
    import io

    from PIL import Image
    found = []
    for info in epub.infolist():
        if not info.filename.lower().endswith(IMAGES):
            continue
        with Image.open(io.BytesIO(epub.read(info))) as image:
            png = image.format == "PNG"
            if (not png and (_has_alpha(image) or "transparency" in image.info)) or \
                    (png and not _has_alpha(image) and "transparency" in image.info):
                found.append(f"{info.filename} ({image.format} {image.mode})")
    return found


def kindle_facts(epub) -> dict:
    """What KDP refuses or loses: SVG files, SVG inside documents, PNGs with an alpha channel
    (:func:`_has_alpha`) and other images with transparency, PNGs over 5 MB or 2560 px."""
    import io

    from lxml import etree
    from PIL import Image
    names = epub.namelist()
    documents_with_svg = []
    for name in names:
        if name.endswith((".xhtml", ".html", ".htm")):
            root = etree.fromstring(epub.read(name), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                      huge_tree=True))
            if root.find(f".//{{{SVG_NS}}}svg") is not None or \
                    any(str(value).split("#")[0].lower().endswith(".svg") for value in root.xpath("//@src | //@href")):
                documents_with_svg.append(name)
    pngs, alpha, largest_side, largest_bytes = 0, [], 0, 0
    for info in epub.infolist():
        if not info.filename.lower().endswith(".png"):
            continue
        pngs += 1
        largest_bytes = max(largest_bytes, info.file_size)
        with Image.open(io.BytesIO(epub.read(info))) as image:
            largest_side = max(largest_side, *image.size)
            if _has_alpha(image):
                alpha.append(f"{info.filename} ({image.mode})")
    return {"svg_files": sum(1 for n in names if n.lower().endswith(".svg")),
            "documents_with_svg": documents_with_svg[:20],
            "pngs": pngs, "pngs_with_alpha": len(alpha), "alpha_list": alpha[:20],
            "largest_png_side_px": largest_side, "largest_png_bytes": largest_bytes,
            "other_images_with_transparency": transparent_images(epub)[:20]}


def kobo_facts(epub) -> dict:
    """The share of the chapter documents' text nodes (those with more than whitespace; none in
    pre, script, style, nav, SVG or MathML) that sit inside a ``span.koboSpan``, and where the
    first ones outside are (document and element path only: no text of the book is kept)."""
    from lxml import etree
    _, spine = _package(epub)
    chapters = [name for name, media, properties in spine
                if media == "application/xhtml+xml" and "nav" not in properties.split()
                and os.path.basename(name) not in NOT_CHAPTERS]
    counts = {"nodes": 0, "in_spans": 0}
    outside: list[str] = []
    wrapped = 0

    def count(text, spanned: bool, where: list[str], name: str) -> None:
        if text is None or not text.strip(" \t\n\r\f"):
            return
        counts["nodes"] += 1
        if spanned:
            counts["in_spans"] += 1
        elif len(outside) < 20:
            outside.append(f"{name}: {'/'.join(where)}")

    def walk(element, skipped: bool, spanned: bool, where: list[str], name: str) -> None:
        qname = etree.QName(element)
        tag = qname.localname + ("." + element.get("class").split()[0] if element.get("class") else "")
        where = where + [tag]
        skipped = skipped or qname.localname in KOBO_SKIPPED or qname.namespace in (SVG_NS, MATHML_NS)
        spanned = spanned or (qname.localname == "span" and "koboSpan" in (element.get("class") or "").split())
        if not skipped:
            count(element.text, spanned, where, name)
        for child in element:
            if isinstance(child.tag, str):
                walk(child, skipped, spanned, where, name)
            if not skipped:
                count(child.tail, spanned, where, name)  # the tail is text of this element

    for name in chapters:
        root = etree.fromstring(epub.read(name), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                  huge_tree=True))
        body = root.find(f"{{{XHTML_NS}}}body")
        if body is None:
            continue
        wrapped += body.find(f"{{{XHTML_NS}}}div[@id='book-columns']/{{{XHTML_NS}}}div[@id='book-inner']") is not None
        walk(body, False, False, [], name)
    return {"chapter_documents": len(chapters), "wrapped_in_book_columns": wrapped, "text_nodes": counts["nodes"],
            "text_nodes_in_kobospans": counts["in_spans"],
            "kobospan_fraction": round(counts["in_spans"] / counts["nodes"], 5) if counts["nodes"] else None,
            "outside_first": outside}


def kobo_images(epub) -> dict:
    """Kobo, like KDP, refuses images with transparency."""
    import io

    from PIL import Image
    alpha = []
    for info in epub.infolist():
        if info.filename.lower().endswith(".png"):
            with Image.open(io.BytesIO(epub.read(info))) as image:
                if _has_alpha(image):
                    alpha.append(f"{info.filename} ({image.mode})")
    return {"pngs_with_alpha": len(alpha), "alpha_list": alpha[:20],
            "other_images_with_transparency": transparent_images(epub)[:20]}


def measure_editions(book_dir: Path, work: Path, herpress: list[str], timeout: float, ace: bool) -> dict:
    """``herpress epub --for kindle --for kobo --for apple`` of the built copy, then each edition's
    file: size, EPUBCheck, Ace and its store's own checks."""
    import zipfile
    logs = work / "editions-logs"
    logs.mkdir()
    command = [*herpress, "epub", str(book_dir)] + [arg for name in EDITIONS for arg in ("--for", name)]
    run = run_measured(command, cwd=work, timeout=timeout, out=logs, env={"HERPRESS_DEBUG": "1"})
    run["stderr"], run["stdout"] = run["stderr"][:40_000], run["stdout"][-4_000:]
    found: dict = {"run": run}
    outputs = book_dir / "build"
    for name, suffix in EDITIONS.items():
        files = sorted(outputs.glob("*" + suffix)) if outputs.is_dir() else []
        if name != "kobo":  # "-kindle.epub" and "-apple.epub" never end a kepub's name, but keep to one file
            files = [f for f in files if not f.name.endswith(".kepub.epub")]
        edition: dict = {"exit": run["exit"], "file": files[0].name if files else None}
        found[name] = edition
        if not files:
            continue
        edition["bytes"] = files[0].stat().st_size
        print(f"    {name}: EPUBCheck{' and Ace' if ace else ''} …", flush=True)
        (work / name).mkdir()
        edition.update(epub_checks(files[0], work / name, ace))
        try:
            with zipfile.ZipFile(files[0]) as epub:
                if name == "kindle":
                    edition["kindle"] = kindle_facts(epub)
                elif name == "kobo":
                    edition["kobo"] = {**kobo_facts(epub), **kobo_images(epub)}
                elif name == "apple":
                    edition["apple"] = {"display_options": APPLE_OPTIONS in epub.namelist()}
        except Exception as error:  # an edition the harness cannot read is itself a finding
            edition["facts_error"] = f"{type(error).__name__}: {str(error)[:500]}"
    return found


def words_in(source: Path, files: list[str]) -> tuple[int, list[str]]:
    total, missing = 0, []
    for name in files:
        path = source / name
        if path.is_file():
            total += len(path.read_text(encoding="utf-8", errors="replace").split())
        else:
            missing.append(name)
    return total, missing


def commit_of(book: RealBook) -> str:
    if book.commit:
        return book.commit
    found = subprocess.run(["git", "-C", str(book.checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(book.checkout), "status", "--porcelain", "--", book.folder],
                           capture_output=True, text=True).stdout.strip()
    return found.stdout.strip() + (" (+ uncommitted changes)" if dirty else "") if found.returncode == 0 else "unknown"


def prepare(book: RealBook, work: Path) -> tuple[Path, Path]:
    """Copy the book into ``work``: returns (the folder given to herpress, the copy of ``folder``)."""
    origin = (book.checkout / book.folder).resolve()
    if not origin.is_dir():
        raise FileNotFoundError(f"{origin} is not there: check the book's checkout out first")
    book_dir = work / "book"
    source = book_dir / "manuscript" if book.layout == "manuscript" else book_dir
    shutil.copytree(origin, source, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    if book.layout == "manuscript":
        shutil.rmtree(source / "build", ignore_errors=True)  # a checkout's own earlier outputs
    for name in book.remove:
        target = source / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    for inside, into in book.extra:
        shutil.copytree(book.checkout / inside, book_dir / into, dirs_exist_ok=True)
    for name, text in book.write.items():
        (book_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (book_dir / name).write_text(text, encoding="utf-8")
    shutil.rmtree(book_dir / "build", ignore_errors=True)  # herpress's outputs start cold
    return book_dir, source


def run_check(book_dir: Path, herpress: list[str], timeout: float) -> dict:
    """``herpress check --format json``: the reader's stopping error, or every lint finding
    (heading levels, duplicate ids, dead internal links, the first character the fonts lack…)."""
    try:
        run = subprocess.run([*herpress, "check", str(book_dir), "--format", "json"], capture_output=True,
                             text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"exit": None, "first_error": f"timed out after {timeout:.0f} s"}
    found: dict = {"exit": run.returncode}
    try:
        findings = json.loads(run.stdout)["findings"]
    except (ValueError, KeyError, TypeError):
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        found["first_error"] = lines[0] if lines else ""
        found["stderr"] = run.stderr[:4_000]
        return found
    def shown(f: dict) -> str:
        where = ":".join(str(f[k]) for k in ("file", "line") if f.get(k) is not None)
        return f"{where + ': ' if where else ''}{f['severity']}: {f['message']} [{f['code']}]"
    errors = [f for f in findings if f["severity"] == "error"]
    found.update({"errors": len(errors), "warnings": len(findings) - len(errors),
                  "by_code": {}, "findings": [shown(f) for f in findings[:80]],
                  "first_error": shown(errors[0]) if errors else ""})
    for f in findings:
        found["by_code"][f["code"]] = found["by_code"].get(f["code"], 0) + 1
    return found


def per_chapter(book_dir: Path, herpress: list[str], timeout: float) -> list[dict]:
    """For a book in herpress's own layout whose build failed: ``herpress check`` of each chapter
    alone (its book.toml cut down to that one file), so that one book shows every chapter's
    first problem rather than the first chapter's only."""
    toml_path = book_dir / "manuscript" / "book.toml"
    whole = toml_path.read_text(encoding="utf-8")
    found = []
    try:
        for name in toml_order(whole):
            alone = re.sub(r"(?ms)^\[contents\].*?(?=^\[|\Z)", f"[contents]\nchapters = [{json.dumps(name)}]\n\n", whole)
            toml_path.write_text(alone, encoding="utf-8")
            checked = run_check(book_dir, herpress, timeout)
            found.append({"file": name, "exit": checked["exit"], "errors": checked.get("errors"),
                          "warnings": checked.get("warnings"), "first_error": checked.get("first_error", "")})
    finally:
        toml_path.write_text(whole, encoding="utf-8")
    return found


def measure_book(book: RealBook, timeout: float, ace: bool, keep: bool, herpress: list[str],
                 stand_in: bool = False, editions: bool = False) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"herpress-real-{book.name}-"))
    result: dict = {"name": book.name, "repo": book.repo, "folder": book.folder, "checkout": str(book.checkout),
                    "commit": commit_of(book), "licence": book.licence, "kind": book.kind, "layout": book.layout,
                    "note": book.note, "written": sorted(book.write), "removed": book.remove,
                    "copied_in": [list(e) for e in book.extra],
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        book_dir, source = prepare(book, work)
        files = book.files(source)
        result["files"] = files
        result["words"], missing = words_in(source, files)
        if missing:
            result["files_missing"] = missing
        result["census"] = census(source, files)
        if stand_in:
            result["glyphs_replaced"] = stand_in_for_missing_glyphs(source, files)
        logs = work / "herpress-logs"
        logs.mkdir()
        print(f"[{book.name}] herpress build ({result['words']:,} words) …", flush=True)
        build = run_measured([*herpress, "build", str(book_dir)], cwd=work, timeout=timeout, out=logs)
        build["stderr"] = build["stderr"][:40_000]
        build["stdout"] = build["stdout"][-4_000:]
        result["herpress"] = build
        outputs = book_dir / "build"
        epubs = sorted(p for p in outputs.glob("*.epub") if not p.name.endswith(tuple(EDITIONS.values()))) \
            if outputs.is_dir() else []  # the universal EPUB (a book.toml's [ebook] stores adds editions)
        pdfs = sorted(p for p in outputs.glob("*.pdf") if not p.name.endswith("-cover.pdf")) if outputs.is_dir() else []
        result["outputs"] = {p.name: p.stat().st_size for p in epubs + pdfs}
        if pdfs:
            print(f"[{book.name}] reading the PDF back …", flush=True)
            result.update(pdf_facts(pdfs[0], book.probes))
        if epubs:
            print(f"[{book.name}] EPUBCheck{' and Ace' if ace else ''} …", flush=True)
            result.update(epub_checks(epubs[0], work, ace))
        if editions and build["exit"] == 0:
            print(f"[{book.name}] herpress epub --for {' --for '.join(EDITIONS)} …", flush=True)
            result["editions"] = measure_editions(book_dir, work, herpress, timeout, ace)
        elif editions:
            result["editions"] = {"skipped": "the build failed"}
        if build["exit"] != 0:
            print(f"[{book.name}] herpress check …", flush=True)
            result["check"] = run_check(book_dir, herpress, timeout)
            if (book_dir / "manuscript" / "book.toml").is_file():
                print(f"[{book.name}] herpress check of each chapter alone …", flush=True)
                result["per_chapter"] = per_chapter(book_dir, herpress, min(timeout, 300))
        if shutil.which("pandoc"):
            print(f"[{book.name}] pandoc …", flush=True)
            existing = [f for f in files if (source / f).is_file()]
            plogs = work / "pandoc-logs"
            plogs.mkdir()
            pandoc = run_measured(["pandoc", *book.pandoc_args, "-o", str(work / "pandoc.epub"), *existing],
                                  cwd=source, timeout=timeout, out=plogs)
            result["pandoc"] = {k: pandoc[k] for k in ("exit", "timed_out", "seconds", "max_rss_mib")}
            result["pandoc"]["stderr"] = pandoc["stderr"][:4_000]
        else:
            result["pandoc"] = {"error": "pandoc is not installed (apt-get install -y pandoc)"}
    except Exception as error:
        result["harness_error"] = f"{type(error).__name__}: {error}"
    finally:
        if keep:
            print(f"[{book.name}] kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result



# ---------------------------------------------------------------------------------------------
# A census of what the book's Markdown holds: the constructs a reader has to handle, counted in
# the files given to pandoc (fenced code skipped for the text constructs; code spans stripped),
# each with the number of files and the first place. Only counts and places are kept, never text.

TEXT_CONSTRUCTS: list[tuple[str, str]] = [
    ("HTML comment <!-- -->", r"<!--"),
    ("[TOC] marker", r"^\[TOC\]\s*$"),
    ("custom HTML element (capitalised, e.g. <Listing …>)", r"</?[A-Z][A-Za-z]+(\s+[a-z_-]+=|\s*/?>)(?!\()"),
    ("bare angle brackets outside code (Result<T, E>): read as an HTML tag", r"\w<[A-Z][\w, ]*>"),
    ("HTML anchor <a id=…> / <a name=…>", r"<a\s+(id|name)="),
    ("GitHub alert > [!NOTE]", r"^\s*>\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]"),
    ("pandoc fenced div :::", r"^:::"),
    ("pandoc raw attribute {=latex} / {=html}", r"\{=[a-z0-9]+\}"),
    ("pandoc citation [@key]", r"\[[^\]]*?(?<![\w])-?@(?!(fig|tbl|tab|eq|sec|lst|ch):)[A-Za-z0-9_][\w:.#$%&+?<>~/-]*"),
    ("pandoc-crossref reference @fig: @tbl: @eq: @sec:", r"(?<![\w])@(fig|tbl|eq|sec|lst):[\w-]+"),
    ("pandoc-crossref label {#fig: / {#tbl: / {#eq:", r"\{#(fig|tbl|eq|lst):"),
    ("display math $$", r"\$\$"),
    ("inline math $…$", r"(?<![\\$\w])\$[^\s$][^$\n]*?[^\s\\$]\$(?![\d\w])"),
    ("LaTeX command \\name{…} in text (outside $…$ math)", r"\\[a-zA-Z]{3,}\s*[\[{]"),
    ("GitBook / liquid tag {% … %}", r"\{%.*?%\}"),
    ("mdBook {{#…}} directive outside code", r"\{\{#[a-z_]+"),
    ("Markdown image ![…](…)", r"!\[[^\]]*\]\("),
    ("image without alt text ![](…)", r"!\[\]\("),
    ("image given as a URL", r"!\[[^\]]*\]\(\s*<?https?:"),
    ("heading attributes {#id} / {.class}", r"^#{1,6}\s.*\{\s*[#.][^}]*\}\s*$"),
    ("footnote [^n]", r"\[\^[^\]]+\]"),
    ("pipe table row", r"^\s*\|.*\|\s*$"),
    ("link to another .md file", r"\]\([^)\s]*\.md(#[^)]*)?\)"),
    ("reference link definition [x]: url", r"^\s{0,3}\[[^\]^]+\]:\s"),
    ("pandoc definition list ':  definition'", r"^:\s{1,4}\S"),
]
ANY_CONSTRUCTS: list[tuple[str, str]] = [
    ("mdBook {{#include}} / {{#rustdoc_include}} / {{#playground}}", r"\{\{#(include|rustdoc_include|playground|title)\b"),
    ("code fence inside a blockquote (> ```)", r"^\s*(>\s*)+(`{3,}|~{3,})"),
    ("code fence indented (inside a list item)", r"^\s{2,}(`{3,}|~{3,})"),
    ("code fence info with commas/attributes (```rust,ignore)", r"^\s*(>\s*)*(`{3,}|~{3,})\s*[\w+-]+(,|\s*\{|\s+\S)"),
]
FENCE = re.compile(r"^\s*(?:>\s*)*(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
MATH_SPAN = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$")
HTML_TAG = re.compile(r"<([a-z][a-z0-9]*)(?=[\s/>])")


def _file_start(lines: list[str]) -> list[str]:
    """What comes before the first heading of a file, and that heading's level."""
    found, n = [], 0
    while n < len(lines) and not lines[n].strip():
        n += 1
    if n < len(lines) and lines[n].lstrip().startswith("<!--"):
        found.append("starts with an HTML comment")
        while n < len(lines) and "-->" not in lines[n]:
            n += 1
        n += 1
        while n < len(lines) and not lines[n].strip():
            n += 1
    if n < len(lines) and lines[n].strip() == "---":
        found.append("starts with YAML front matter (---)")
    elif n < len(lines) and re.match(r"^[A-Za-z][\w -]*:\s+\S", lines[n]):
        found.append("starts with a title block (key: value lines, MultiMarkdown/pandoc)")
    elif n < len(lines) and lines[n].strip() == "[TOC]":
        found.append("starts with [TOC]")
    elif n < len(lines) and lines[n].lstrip().startswith("<a "):
        found.append("starts with an HTML anchor <a id=…>")
    fenced, level = False, None
    for line in lines:
        if FENCE.match(line):
            fenced = not fenced
            continue
        heading = re.match(r"^(#{1,6})\s", line)
        if not fenced and heading:
            level = len(heading.group(1))
            break
    found.append(f"first heading is level {level}" if level else "has no # heading")
    return found


def census(source: Path, files: list[str]) -> dict:
    constructs: dict[str, dict] = {}
    tags: dict[str, int] = {}
    starts: dict[str, list[str]] = {}
    level1: dict[str, int] = {}
    chars: dict[str, dict] = {}

    def count(key: str, where: str) -> None:
        entry = constructs.setdefault(key, {"count": 0, "files": set(), "first": where})
        entry["count"] += 1
        entry["files"].add(where.split(":")[0])

    compiled_text = [(k, re.compile(r)) for k, r in TEXT_CONSTRUCTS]
    compiled_any = [(k, re.compile(r)) for k, r in ANY_CONSTRUCTS]
    for name in files:
        path = source / name
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for start in _file_start(lines):
            starts.setdefault(start, []).append(name)
        fenced = in_math = False
        for number, line in enumerate(lines, 1):
            where = f"{name}:{number}"
            for char in line:
                if ord(char) > 0x7E:
                    entry = chars.setdefault(char, {"count": 0, "first": where})
                    entry["count"] += 1
            for key, regex in compiled_any:
                if regex.search(line):
                    count(key, where)
            if FENCE.match(line):
                fenced = not fenced
                continue
            if fenced:
                continue
            if line.strip() == "$$":
                count("display math $$", where)
                in_math = not in_math
                continue
            if in_math:
                continue
            text = CODE_SPAN.sub("", line)
            for key, regex in compiled_text:
                probe = MATH_SPAN.sub("", text) if key.startswith("LaTeX") else text
                if regex.search(probe):
                    count(key, where)
            for tag in HTML_TAG.findall(text):
                tags[tag] = tags.get(tag, 0) + 1
            if re.match(r"^#\s", line):
                level1[name] = level1.get(name, 0) + 1
    for entry in constructs.values():
        entry["files"] = len(entry["files"])
    several = {name: n for name, n in level1.items() if n > 1}
    return {"constructs": constructs, "html_tags": dict(sorted(tags.items(), key=lambda kv: -kv[1])),
            "file_starts": {k: {"files": len(v), "first": v[0]} for k, v in starts.items()},
            "files_with_several_level1_headings": several,
            "characters_not_in_the_text_fonts": _uncovered(chars)}


def text_face_codepoints() -> frozenset[int]:
    """What herpress's default theme can print: every face of its text and code chains (text or
    code faces, then the fallback faces; ``herpress.pdf.coverage.chain``), without telling prose from
    code."""
    from herpress.pdf import coverage

    found: set[int] = set()
    for context in ("text", "code"):
        for family in coverage.chain([REPO / "styles"], context):
            for face in family.installed:
                found |= {code for code in coverage.cmap(face.path) if face.draws(code)}
    return frozenset(found)


def _invisible(char: str) -> bool:
    return char in "\u00ad\u200b\ufeff\n" or unicodedata.category(char) in ("Cc", "Cf") \
        or 0xFE00 <= ord(char) <= 0xFE0F


def stand_in_for_missing_glyphs(source: Path, files: list[str]) -> int:
    """Replace, in the copy, every character the text faces lack by '?': a diagnostic that lets
    the rest of the book be laid out (``--glyph-stand-in``); returns how many were replaced."""
    covered, replaced = text_face_codepoints(), 0
    for name in files:
        path = source / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        changed = "".join("?" if ord(c) > 0x7E and ord(c) not in covered and not _invisible(c) else c
                          for c in text)
        if changed != text:
            replaced += sum(1 for a, b in zip(text, changed) if a != b)
            path.write_text(changed, encoding="utf-8")
    return replaced


def _uncovered(chars: dict[str, dict]) -> list[dict]:
    """The characters herpress's default text faces cannot draw, most frequent first."""
    try:
        covered = text_face_codepoints()
    except Exception as error:  # noqa: BLE001 - a census without fonts still says the rest
        return [{"error": f"{type(error).__name__}: {error}"}]
    missing = [{"char": c, "codepoint": f"U+{ord(c):04X}", "name": unicodedata.name(c, "?"), **info}
               for c, info in chars.items() if ord(c) not in covered and not _invisible(c)]
    return sorted(missing, key=lambda m: -m["count"])

# ---------------------------------------------------------------------------------------------
# Reporting

def _cell(value, fmt="{}") -> str:
    return "–" if value is None else fmt.format(value)


def row(r: dict) -> str:
    build = r.get("herpress", {})
    status = "timeout" if build.get("timed_out") else _cell(build.get("exit"))
    if "harness_error" in r:
        status = "harness error"
    check = r.get("epubcheck")
    epubcheck = f"{check['fatal'] + check['errors']} / {check['warnings']}" if check else "–"
    ace = r.get("ace")
    probes = r.get("probes")
    probe_cell = f"{sum(probes.values())}/{len(probes)}" if probes else "–"
    pandoc = r.get("pandoc", {})
    pandoc_cell = _cell(pandoc.get("seconds"), "{:.1f} s") + ("" if pandoc.get("exit") in (0, None) else f" (exit {pandoc['exit']})")
    memory = (f"{build['peak_tree_pss_mib']:.0f} / {build['max_rss_mib']:.0f}"
              if build.get("max_rss_mib") else _cell(build.get("peak_tree_pss_mib"), "{:.0f}"))
    where = f"{r['repo']} `{r['folder']}`"
    name = r["name"] + (f" ({r['glyphs_replaced']} glyphs replaced by ?)" if r.get("glyphs_replaced") else "")
    return (f"| {name} | {where} | `{r['commit'][:10]}` | {r['kind']} | {_cell(r.get('words'), '{:,}')} | "
            f"{status} | {_cell(build.get('seconds'), '{:.1f} s')} | {memory} | {_cell(r.get('pages'))} | {epubcheck} | "
            f"{_cell(ace['violations']) if ace else '–'} | {', '.join(r.get('fonts', [])) or '–'} | {probe_cell} | "
            f"{pandoc_cell} |")


def _transparent_cell(facts: dict) -> str:
    others = facts.get("other_images_with_transparency")
    if others is None:
        return "other images not looked at"
    return f"{len(others)} other images with transparency" + \
        (" (" + ", ".join(o.rsplit("/", 1)[-1] for o in others[:3]) + (", …" if len(others) > 3 else "") + ")" if others else "")


def edition_rows(r: dict) -> list[str]:
    found = r.get("editions")
    if not found or "run" not in found:
        return []
    run = found["run"]
    status = "timeout" if run.get("timed_out") else _cell(run.get("exit"))
    memory = (f"{run['peak_tree_pss_mib']:.0f} / {run['max_rss_mib']:.0f}"
              if run.get("max_rss_mib") else _cell(run.get("peak_tree_pss_mib"), "{:.0f}"))
    rows = []
    for name in EDITIONS:
        e = found.get(name, {})
        check, ace = e.get("epubcheck"), e.get("ace")
        epubcheck = f"{check['fatal'] + check['errors']} / {check['warnings']}" if check else "–"
        if "kindle" in e:
            k = e["kindle"]
            store = (f"{k['svg_files']} SVG files, {len(k['documents_with_svg'])} documents naming SVG; "
                     f"{k['pngs_with_alpha']} of {k['pngs']} PNGs with alpha; largest "
                     f"{k['largest_png_side_px']} px, {k['largest_png_bytes'] / 2**20:.2f} MB; "
                     f"{_transparent_cell(k)}")
        elif "kobo" in e:
            k = e["kobo"]
            store = (f"{_cell(k['kobospan_fraction'], '{:.2%}')} of {k['text_nodes']:,} text nodes in koboSpans "
                     f"({k['chapter_documents']} chapters, {k['wrapped_in_book_columns']} wrapped); "
                     f"{k.get('pngs_with_alpha', '?')} PNGs with alpha; {_transparent_cell(k)}")
        elif "apple" in e:
            store = "display options " + ("present" if e["apple"]["display_options"] else "MISSING")
        else:
            store = e.get("facts_error", "no file" if not e.get("file") else "–")
        size = _cell(e.get("bytes") and e["bytes"] / 2**20, "{:.2f} MB")
        rows.append(f"| {r['name']} | {name} | {status} | {_cell(run.get('seconds'), '{:.1f} s')} | {memory} | "
                    f"{size} | {epubcheck} | {_cell(ace['violations']) if ace else '–'} | {_escape(store)} |")
    return rows


def edition_findings(r: dict) -> list[str]:
    found = r.get("editions") or {}
    lines = []
    run = found.get("run", {})
    if run and run.get("exit") != 0:
        lines += [f"### {r['name']}: `herpress epub` "
                  f"{'timed out' if run.get('timed_out') else 'exit ' + str(run.get('exit'))}", "",
                  "```", first_lines(run.get("stderr", "") or "(nothing on stderr)", 30), "```", ""]
    for name in EDITIONS:
        e = found.get(name, {})
        messages = (e.get("epubcheck") or {}).get("messages", []) + (e.get("ace") or {}).get("list", [])
        errors = [e[k] for k in ("epubcheck_error", "ace_error", "facts_error") if e.get(k)]
        if messages or errors:
            lines += [f"### {r['name']}, {name} ({e.get('file')})", ""] + \
                [f"* {_escape(m[:400])}" for m in errors + messages[:10]] + \
                ([f"* … ({len(messages) - 10} more in the json)"] if len(messages) > 10 else []) + [""]
    return lines


def first_lines(text: str, n: int) -> str:
    lines = text.rstrip().splitlines()
    return "\n".join(lines[:n]) + (f"\n… ({len(lines) - n} more lines)" if len(lines) > n else "")


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def census_lines(r: dict) -> list[str]:
    c = r.get("census")
    if not c:
        return []
    lines = [f"### {r['name']} ({len(r.get('files', []))} files, {r.get('words', 0):,} words)", ""]
    starts = "; ".join(f"{k}: {v['files']} (first {v['first']})" for k, v in c["file_starts"].items())
    lines.append(f"* file starts — {starts}")
    for key, v in sorted(c["constructs"].items(), key=lambda kv: -kv[1]["count"]):
        lines.append(f"* {key}: {v['count']} in {v['files']} files (first {v['first']})")
    if c["html_tags"]:
        lines.append("* raw HTML tags outside code: " + ", ".join(f"<{t}> {n}" for t, n in c["html_tags"].items()))
    if c["files_with_several_level1_headings"]:
        lines.append("* files with several `# ` headings outside fences: " +
                     ", ".join(f"{f} ({n})" for f, n in c["files_with_several_level1_headings"].items()))
    chars = c["characters_not_in_the_text_fonts"]
    if chars:
        shown = ", ".join(f"{m['codepoint']} {m['name'].title()} ×{m['count']} ({m['first']})" if "codepoint" in m
                          else m.get("error", "?") for m in chars[:12])
        lines.append(f"* characters no face of the default theme has (text, code and fallback chains): "
                     f"{len(chars)} distinct — {shown}"
                     + (", …" if len(chars) > 12 else ""))
    return lines + [""]


def write_results(results: dict[str, dict], machine: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "real-books.json").write_text(json.dumps({"machine": machine, "books": results}, indent=2,
                                                        ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [f"# herpress on real books — {machine['date']}", "",
             f"herpress {machine['herpress']} at `{machine['herpress_commit']}`; {machine['cores']} cores, "
             f"Python {machine['python']}, pandoc {machine['pandoc']}; load average at start "
             f"{machine['load average at start']}. `bench/real_books.py`; one cold `herpress build` each, "
             "timeouts of " f"{machine['timeout_s']:.0f} s.", "",
             "Memory: peak PSS of the whole process tree / peak RSS of its largest process (MiB). EPUBCheck: "
             "fatal + errors / warnings. Probes: strings found in `pdftotext`'s reading of the PDF. "
             "Words: whitespace-separated, in the Markdown files pandoc is given.", "",
             "| book | repository, folder | commit | kind | words | exit | herpress time | peak memory | pages | "
             "EPUBCheck E/W | Ace violations | embedded fonts | probes | pandoc time |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    order = [b.name for b in BOOKS]
    def place(r: dict) -> tuple[int, str]:
        base = r["name"].split("+")[0]
        return (order.index(base) if base in order else len(order), r["name"])
    ordered = sorted(results.values(), key=place)
    lines += [row(r) for r in ordered]
    lines += ["", "## Books", ""]
    for r in ordered:
        run = r.get("run", {})
        lines.append(f"* **{r['name']}** — {r['repo']} `{r['folder']}` at `{r['commit']}`, {r['licence']}; "
                     f"{r['note']}. Measured {r.get('date', '?')} with herpress at `{run.get('herpress_commit', '?')}`"
                     + (" (every character no face has replaced by '?' in the copy)" if r["name"].endswith("+stand-in")
                        else "") + ".")
    failing = [r for r in ordered if r.get("herpress", {}).get("exit") != 0 or "harness_error" in r]
    if failing:
        lines += ["", "## What herpress reports (first 30 lines of stderr)", ""]
        for r in failing:
            build = r.get("herpress", {})
            lines += [f"### {r['name']}", ""]
            if "harness_error" in r:
                lines += [f"harness: {r['harness_error']}", ""]
            if build.get("timed_out"):
                lines += [f"timed out after {build['seconds']:.0f} s", ""]
            lines += ["```", first_lines(build.get("stderr", "") or "(nothing on stderr)", 30), "```", ""]
            checked = r.get("check")
            if checked and checked.get("findings"):
                codes = ", ".join(f"{k} {v}" for k, v in checked["by_code"].items())
                lines += [f"`herpress check`: {checked['errors']} errors, {checked['warnings']} warnings ({codes}); "
                          "the first 20:", "", "```", "\n".join(checked["findings"][:20]), "```", ""]
            elif checked:
                lines += [f"`herpress check` stops at: {checked.get('first_error') or '(nothing)'}", ""]
            if r.get("per_chapter"):
                lines += ["Each chapter alone (`herpress check`, its book.toml cut down to the one file):", "",
                          "| file | exit | errors / warnings | first error |", "|---|---:|---:|---|"]
                lines += [f"| {c['file']} | {_cell(c['exit'])} | {_cell(c['errors'])} / {_cell(c['warnings'])} | "
                          f"{_escape(c['first_error'][:300]) or '–'} |" for c in r["per_chapter"]]
                lines.append("")
    with_editions = [r for r in ordered if edition_rows(r)]
    if with_editions:
        lines += ["## Store editions", "",
                  "`herpress epub BOOK --for kindle --for kobo --for apple` after the build (`--editions`): one run "
                  "writes the three, so exit, time and memory are that run's. Store checks: kindle — SVG files "
                  "in the zip, XHTML documents with an `<svg>` or a `src`/`href` to an .svg, PNGs with an alpha "
                  "channel (mode RGBA, LA, PA, or P with transparency), the largest PNG; kobo — the share of "
                  "the chapter documents' text nodes (more than whitespace, outside pre, script, style, nav, "
                  "SVG and MathML) inside a `span.koboSpan`, and how many chapters have the "
                  "`div#book-columns > div#book-inner` wrapper; apple — META-INF/com.apple.ibooks.display-options.xml.",
                  "", "| book | edition | exit | time | peak memory | size | EPUBCheck E/W | Ace violations | store checks |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in with_editions:
            lines += edition_rows(r)
        findings = [line for r in with_editions for line in edition_findings(r)]
        if findings:
            lines += ["", "What EPUBCheck, Ace and `herpress epub` say of the editions (the first 10 of each):", ""]
            lines += findings
        lines.append("")
    lines += ["## What each book's Markdown holds", "",
              "Counted in the files pandoc is given, outside fenced code (code spans stripped) unless the "
              "construct is about fences or includes; the first place of each. These are what a reader has "
              "to take in, or refuse with a message.", ""]
    for r in ordered:
        lines += census_lines(r)
    (RESULTS / "real-books.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="books of the registry to run (all by default): "
                        + ", ".join(b.name for b in BOOKS))
    parser.add_argument("--timeout", type=float, default=900, help="seconds for each step (default 900)")
    parser.add_argument("--no-ace", action="store_true", help="skip DAISY Ace (slow on a long book)")
    parser.add_argument("--keep", action="store_true", help="keep each temporary copy and say where")
    parser.add_argument("--glyph-stand-in", action="store_true",
                        help="diagnostic: in the copy, replace each character the text faces lack by '?' so that "
                             "the rest of the book is laid out (the row is marked; the checkout is untouched)")
    parser.add_argument("--editions", action="store_true",
                        help="after the build, also `herpress epub --for kindle --for kobo --for apple` and check "
                             "each edition (EPUBCheck, Ace, and its store's own checks)")
    parser.add_argument("--herpress", default=HERPRESS,
                        help="the herpress command to measure (default: this checkout's .venv/bin/herpress)")
    args = parser.parse_args()
    chosen = [b for b in BOOKS if not args.names or b.name in args.names]
    unknown = set(args.names) - {b.name for b in BOOKS}
    if unknown:
        parser.error(f"unknown book(s): {', '.join(sorted(unknown))}; known: {', '.join(b.name for b in BOOKS)}")

    pandoc_version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.split("\n")[0] \
        if shutil.which("pandoc") else "not installed"
    herpress = args.herpress.split()
    herpress_version = subprocess.run([*herpress, "--version"], capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True).stdout.strip()
    machine = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
               "python": platform.python_version(), "pandoc": pandoc_version.replace("pandoc ", ""),
               "herpress": herpress_version.replace("herpress ", ""),
               "herpress_commit": head + (" + uncommitted src/ changes" if dirty else ""),
               "herpress_command": args.herpress,
               "load average at start": Path("/proc/loadavg").read_text().split()[:3],
               "timeout_s": args.timeout}

    previous = RESULTS / "real-books.json"
    results: dict[str, dict] = {}
    if previous.exists():
        try:
            results = json.loads(previous.read_text(encoding="utf-8")).get("books", {})
        except (ValueError, OSError):
            results = {}
    for book in chosen:
        r = measure_book(book, args.timeout, ace=not args.no_ace, keep=args.keep, herpress=herpress,
                         stand_in=args.glyph_stand_in, editions=args.editions)
        r["run"] = {k: machine[k] for k in ("herpress", "herpress_commit", "herpress_command",
                                            "load average at start", "timeout_s")}
        if args.glyph_stand_in:  # a diagnostic row beside the book's own
            r["name"] += "+stand-in"
        results[r["name"]] = r
        build = r.get("herpress", {})
        if build.get("exit") != 0 or "harness_error" in r:
            print(f"\n=== {book.name}: herpress build "
                  f"{'timed out' if build.get('timed_out') else 'exit ' + str(build.get('exit'))}"
                  f"{' — ' + r['harness_error'] if 'harness_error' in r else ''} ===")
            print(first_lines(build.get("stderr", "") or "(nothing on stderr)", 60))
            print()
        write_results(results, machine)  # after every book, so a long run leaves its rows behind
    print((RESULTS / "real-books.md").read_text(encoding="utf-8").split("\n## Books")[0])


if __name__ == "__main__":
    main()
