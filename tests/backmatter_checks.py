"""Reading the glossary, index and cross-references back from a PDF and an EPUB (shared by tests)."""

from __future__ import annotations

import re
import zipfile

from lxml import etree

from checks import page_lines

X = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
DASH = "\u2013"


def flat(text: str) -> str:
    """Text with line-end hyphens joined and runs of white space made one space."""
    text = re.sub(r"[\u2010-](\s*\n\s*)", "", text)
    return re.sub(r"\s+", " ", text)


def expand(printed: str) -> list[int]:
    """"3, 12–14" → [3, 12, 13, 14]."""
    pages = []
    for part in printed.split(","):
        first, _, last = part.strip().partition(DASH)
        pages += range(int(first), int(last or first) + 1)
    return pages


def ranges(pages: set[int]) -> str:
    """The expected printed form: each page once, runs of consecutive pages as first–last."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}{DASH}{b}" for a, b in runs)


def heading_page(reader, title: str, after: int = 0) -> int:
    """Index of the first page (from ``after``) whose first lines include ``title`` alone."""
    for number in range(after, len(reader.pages)):
        if any(text.strip() == title for _, text in page_lines(reader.pages[number])[:3]):
            return number
    raise AssertionError(f"no page opens with {title!r}")


def anchor_pages(layout) -> dict[str, int]:
    pages: dict[str, int] = {}
    for number, page in enumerate(layout.document.pages):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def lines_between(reader, first: int, last: int) -> list[str]:
    return [text.strip() for number in range(first, last) for _, text in page_lines(reader.pages[number])]


def printed_glossary(reader, terms: list[str]) -> dict[str, str]:
    """Term → its printed page list, read from the glossary pages."""
    start = heading_page(reader, "Glossary", after=10)
    found, current = {}, None
    for line in lines_between(reader, start, len(reader.pages)):
        if line == "Index":
            break
        if line in terms:
            current = line
        match = re.fullmatch(r"Pages? ([0-9, \u2013]+)", line)
        if match and current:
            found[current] = match[1].strip()
    return found


def column_lines(page) -> list[tuple[float, str]]:
    """The lines of a two-column page, left column first: (x of the line's start, text)."""
    runs: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + cm[4] if cm else tm[4]
            y = tm[5] * cm[3] + cm[5] if cm else tm[5]
            runs.append((round(x, 1), round(y, 1), text))

    page.extract_text(visitor_text=visit)
    middle = float(page.mediabox.width) / 2
    lines = []
    for column in (lambda x: x < middle, lambda x: x >= middle):
        rows: dict[float, list[tuple[float, str]]] = {}
        for x, y, text in runs:
            if column(x):
                rows.setdefault(y, []).append((x, text))
        for y in sorted(rows, reverse=True):
            parts = sorted(rows[y])
            lines.append((parts[0][0], "".join(text for _, text in parts).strip()))
    return lines


ENTRY = re.compile(r"(.+?),\s((?:\d+(?:\u2013\d+)?)(?:,\s\d+(?:\u2013\d+)?)*)")


def printed_index(reader) -> dict[tuple[str, str | None], str]:
    """(entry, sub-entry or None) → its printed page list, read from the index pages."""
    start = heading_page(reader, "Index", after=10)
    found: dict[tuple[str, str | None], str] = {}
    main = None
    for number in range(start, len(reader.pages)):
        lines = [(x, text) for x, text in column_lines(reader.pages[number])
                 if text not in ("Index", "") and not re.fullmatch(r"[A-Z#]|\d+", text)]
        left = min((x for x, _ in lines), default=0)
        middle = float(reader.pages[number].mediabox.width) / 2
        for x, text in lines:
            margin = left if x < middle else min(x2 for x2, _ in lines if x2 >= middle)
            sub = x > margin + 3
            match = ENTRY.fullmatch(text)
            name = match[1] if match else re.sub(r"\. See .*", "", text)
            if not sub:
                main = name
            if match:
                found[(main, name if sub else None)] = match[2]
    return found


def epub_doc(epub, name: str):
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read(f"EPUB/{name}"))


def epub_ids(epub) -> dict[str, dict[str, etree._Element]]:
    """Every XHTML document of the EPUB → its elements by id."""
    with zipfile.ZipFile(epub) as archive:
        names = [n for n in archive.namelist() if n.endswith(".xhtml")]
        docs = {n.removeprefix("EPUB/"): etree.fromstring(archive.read(n)) for n in names}
    return {name: {e.get("id"): e for e in doc.iter() if e.get("id")} for name, doc in docs.items()}


def resolve(ids, document: str, href: str):
    """The element an href in ``document`` points at (None if it points nowhere)."""
    name, _, fragment = href.partition("#")
    return ids.get(name or document, {}).get(fragment)
