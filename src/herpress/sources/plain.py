"""A plain folder of Markdown files, with no configuration at all.

The reading order comes from an index file that links the chapters — ``SUMMARY.md``,
``toc.md``, ``README.md`` or ``index.md``, the first that links any — in the order it links
them; without one, every Markdown file in natural name order (``ch2`` before ``ch10``), the
front matter (foreword, preface, introduction…) first and the back matter (appendices,
afterword…) last, recognised by file name or first heading. Repository files (LICENSE,
CONTRIBUTING…) are not chapters. A link in the index that leads outside the folder is a
warning, and is never read.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import BookConfig, BookSection
from ..model import BookWarning
from . import MARKDOWN, Entry, Manuscript, Page, book_files, kind_by_name, natural_key, peek, read_text, shown
from .metadata import complete, plain

INDEX_FILES = ("summary.md", "toc.md", "readme.md", "index.md")
NOT_CHAPTERS = re.compile(r"^(license|licence|copying|contributing|contributors|changelog|changes|history|"
                          r"code_of_conduct|code-of-conduct|security|authors|todo|issue_template|"
                          r"pull_request_template|readme|summary|toc)\b", re.IGNORECASE)
LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)",
                  re.MULTILINE)
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def markdown_files(root: Path) -> list[Path]:
    return [path for path in book_files(root) if path.suffix.lower() in MARKDOWN]


def recognizes(root: Path) -> bool:
    return bool(markdown_files(root))


def load(root: Path, kind: str = "plain", metadata: BookSection | None = None, config_file: str = "",
         order: tuple[Path | None, list[Path], bool] | None = None,
         warnings: list[BookWarning] | None = None) -> Manuscript:
    """The folder as a book; the pandoc source passes its metadata and the order it found."""
    warnings = warnings if warnings is not None else []
    index, chapters, ordered = order or reading_order(root, warnings)
    metadata = metadata or BookSection()
    if not metadata.title:
        metadata.title = _gitbook_title(root) or _book_title(index) if index else \
            _title(chapters[0]) if len(chapters) == 1 else _gitbook_title(root)
    result = Manuscript(kind=kind, root=root, base=root, config=BookConfig(book=metadata),
                        config_file=config_file, entries=[], warnings=warnings, strict=False)
    complete(metadata, config_file or (shown(root, index) if index else ""), root.name, result.warnings)
    result.entries = _entries(root, chapters, ordered)
    return result


def reading_order(root: Path, warnings: list[BookWarning]) -> tuple[Path | None, list[Path], bool]:
    """(the index file or None, the chapter files in order, whether an index gave the order)."""
    files = markdown_files(root)
    index, listed = _index_order(root, files, warnings)
    if listed:
        return index, listed, True
    return None, _natural_order(root, [f for f in files if not NOT_CHAPTERS.match(f.name)] or files), False


def _index_order(root: Path, files: list[Path], warnings: list[BookWarning]) -> tuple[Path | None, list[Path]]:
    by_name = {path.name.lower(): path for path in files if path.parent == root}
    for name in INDEX_FILES:
        index = by_name.get(name)
        if index is None:
            continue
        text = read_text(root, index)
        order: list[Path] = []
        for match in LINK.finditer(text):
            target = (match[2] or match[3] or "").split("#")[0]
            if not target or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or not target.lower().endswith(MARKDOWN):
                continue
            path = (index.parent / target).resolve()
            if not path.is_relative_to(root):
                line = text.count("\n", 0, match.start()) + 1
                warnings.append(BookWarning(f"the link to '{target}' leads outside the book folder: left out",
                                            shown(root, index), line))
                continue
            if path.is_file() and path != index and path not in order:
                order.append(path)
        if order:
            left = [f for f in files if f not in order and f != index and not NOT_CHAPTERS.match(f.name)]
            if left:
                names = ", ".join(shown(root, f) for f in left[:8]) + (" …" if len(left) > 8 else "")
                warnings.append(BookWarning(f"{len(left)} Markdown file(s) not linked from {index.name} are "
                                            f"left out: {names}", shown(root, index), 1))
            return index, order
    return None, []


def _natural_order(root: Path, files: list[Path]) -> list[Path]:
    def rank(path: Path) -> int:
        kind = kind_by_name(path.name, _title(path))
        return {"front": 0, None: 1, "back": 2}[kind]
    return sorted(sorted(files, key=lambda p: natural_key(p.relative_to(root))), key=rank)


def _entries(root: Path, chapters: list[Path], ordered: bool) -> list[Entry]:
    kinds = [kind_by_name(path.name, _title(path)) or "chapter" for path in chapters]
    if ordered:  # the index's order stands: front only before the first chapter, back only after the last
        body = [n for n, kind in enumerate(kinds) if kind == "chapter"]
        first, last = (body[0], body[-1]) if body else (len(kinds), -1)
        kinds = ["front" if kind == "front" and n < first else "back" if kind == "back" and n > last
                 else "chapter" for n, kind in enumerate(kinds)]
    return [Entry([Page(path)], kind) for path, kind in zip(chapters, kinds)]


INDEX_HEADINGS = re.compile(r"^(summary|table of contents|contents|toc|index)$", re.IGNORECASE)


def _book_title(index: Path) -> str:
    """The index file's heading, unless it only names the index ("Summary", "Contents")."""
    title = _title(index)
    return "" if INDEX_HEADINGS.match(title) else title


def _gitbook_title(root: Path) -> str:
    """GitBook keeps the title in ``book.json``."""
    import json

    try:
        value = json.loads(peek(root, root / "book.json") or "")
    except ValueError:
        return ""
    return plain(str(value.get("title") or "")) if isinstance(value, dict) else ""


def _title(path: Path) -> str:
    """The file's first level-1 heading, read cheaply (front matter and code aside), from a
    regular file only (its folder is the book's or inside it: a link out of it is not read)."""
    head = (peek(path.parent.resolve(), path) or "")[:20_000]
    head = re.sub(r"^(\s*<!--.*?-->)*\s*---\n.*?\n(---|\.\.\.)\n", "", head, flags=re.DOTALL)
    head = re.sub(r"(?ms)^(```|~~~).*?^\1", "", head)
    match = HEADING.search(head)
    return plain(re.sub(r"\s*\{[^}]*\}\s*$", "", match[1])) if match else ""
