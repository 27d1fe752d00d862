"""Prototype: lay out the body chapters in two processes and join the PDFs — does it beat one process?

    python bench/parallel_layout.py BOOK_DIR [--parts 2]

BOOK_DIR must have been through ``bench/run.py``'s export (or this script exports it): the very
HTML and CSS herpress lays out. The script times, on this machine:

* one process: WeasyPrint renders the whole document and writes the PDF (the floor);
* N processes: the document is cut between chapters (each opens on a recto, so the parts'
  layouts are independent) into N documents of about equal text; each process renders and writes
  its part; the parent joins the PDFs with pypdf.

and compares the pages: count, and each page's text with the folio line dropped (the parts
number their pages from 1 — see bench/README.md for what exact folios would cost).
Results are printed and written to bench/results/parallel-layout.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from pathlib import Path

from lxml import html as lxml_html

RESULTS = Path(__file__).resolve().parent / "results"


def split(document: str, parts: int) -> list[str]:
    """The document cut into ``parts`` documents between body chapters, by text length."""
    tree = lxml_html.document_fromstring(document)
    body = tree.find("body")
    children = list(body)
    chapters = [n for n, child in enumerate(children) if "chapter" in (child.get("class") or "").split()]
    sizes = [len("".join(children[n].itertext())) for n in chapters]
    total, cuts, running = sum(sizes), [], 0
    for n, size in zip(chapters, sizes):
        if running >= total * (len(cuts) + 1) / parts and len(cuts) < parts - 1:
            cuts.append(n)
        running += size
    bounds = [0, *cuts, len(children)]
    out = []
    for first, last in zip(bounds, bounds[1:]):
        part = lxml_html.document_fromstring(document)
        part_body = part.find("body")
        for n, child in enumerate(list(part_body)):
            if not first <= n < last:
                part_body.remove(child)
        out.append(lxml_html.tostring(part, encoding="unicode", doctype="<!DOCTYPE html>"))
    return out


def render(job: tuple[str, str, list[str], str]) -> tuple[float, int]:
    markup, base_url, sheets, target = job
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    start = time.perf_counter()
    fonts = FontConfiguration()
    document = HTML(string=markup, base_url=base_url).render(
        stylesheets=[CSS(filename=f, font_config=fonts) for f in sheets], font_config=fonts)
    document.write_pdf(target)
    return time.perf_counter() - start, len(document.pages)


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    texts = []
    for page in PdfReader(path).pages:
        lines = [line for line in (page.extract_text() or "").splitlines()
                 if not re.fullmatch(r"\s*([0-9]+|[ivxlcdm]+)\s*", line)]
        texts.append("\n".join(lines))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("book", type=Path)
    parser.add_argument("--parts", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from run import export_plain_weasyprint

    book = args.book.resolve()
    command = export_plain_weasyprint(book)
    html_path, sheets = Path(command[3]), command[5:]
    markup, base = html_path.read_text(encoding="utf-8"), html_path.parent.as_uri() + "/"

    whole_pdf = book / "whole.pdf"
    start = time.perf_counter()
    whole_seconds, whole_pages = render((markup, base, sheets, str(whole_pdf)))
    whole_wall = time.perf_counter() - start

    pieces = split(markup, args.parts)
    targets = [book / f"part-{n}.pdf" for n in range(len(pieces))]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(len(pieces)) as pool:
        timings = pool.map(render, [(piece, base, sheets, str(t)) for piece, t in zip(pieces, targets)])
    rendered = time.perf_counter() - start
    from pypdf import PdfWriter

    writer = PdfWriter()
    for target in targets:
        if len(writer.pages) % 2:  # the next chapter opens on a recto, as in the whole book
            box = writer.pages[-1].mediabox
            writer.add_blank_page(float(box.width), float(box.height))
        writer.append(str(target))
    joined = book / "joined.pdf"
    with joined.open("wb") as stream:
        writer.write(stream)
    parallel_wall = time.perf_counter() - start

    whole_texts, joined_texts = page_texts(whole_pdf), page_texts(joined)
    same = sum(a == b for a, b in zip(whole_texts, joined_texts))
    result = {
        "one process": {"wall_s": round(whole_wall, 2), "pages": whole_pages,
                        "bytes": whole_pdf.stat().st_size},
        f"{len(pieces)} processes": {"render_wall_s": round(rendered, 2), "join_s": round(parallel_wall - rendered, 2),
                                     "wall_s": round(parallel_wall, 2),
                                     "parts": [{"s": round(s, 2), "pages": p} for s, p in timings],
                                     "pages": len(joined_texts), "bytes": joined.stat().st_size},
        "pages with the same text (folios aside)": f"{same} of {len(whole_texts)}",
        "speed-up": round(whole_wall / parallel_wall, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "parallel-layout.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
