"""An mdBook: ``book.toml`` for the metadata, ``src/SUMMARY.md`` for the reading order.

How SUMMARY.md maps onto a printed book:

* prefix chapters (links before the first list) are front matter, unnumbered;
* each top-level list item is a numbered chapter, and the items nested under it become its
  sections — their pages joined to the chapter's, headings moved down one level per depth
  (:mod:`herpress.sources.pages`). A printed chapter that opened on a recto for each of the
  Rust book's 100-odd pages would be a stack of fragments, and mdBook authors write those
  pages as sections already (their first heading is ``##``);
* a top-level item titled *Appendix…*, and suffix chapters (links after the list), are back matter;
* ``# Part title`` lines between the lists are kept as the parts they open (the first chapter of
  each part carries it); a draft chapter (``[Title]()``) is left out with a warning; ``---``
  separators are layout of mdBook's sidebar and mean nothing in print.

Link directives (``{{#include}}`` …) are resolved (:mod:`herpress.sources.includes`), and lines
that mdBook hides in Rust code blocks are left out. Preprocessors are never run.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..config import BookConfig, BookSection
from ..errors import BookError
from ..model import BookWarning
from ..paths import read_inside
from . import MAX_FILE_BYTES, Entry, Manuscript, Page, Text, book_files, decode, line_in_file, peek, read_text, shown
from .includes import DIRECTIVE, expand, hide_rust_lines
from .metadata import complete, plain

CONFIG = "book.toml"
SUMMARY = "SUMMARY.md"
ITEM = re.compile(r"^(\s*)[-*+]\s+\[(.*)\]\((.*)\)\s*$")
LINK = re.compile(r"^\[(.*)\]\((.*)\)\s*$")
PART = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def recognizes(root: Path) -> bool:
    """book.toml and its SUMMARY.md inside the folder (an mdBook whose ``src`` lies elsewhere is
    not one herpress may read: the folder is then read as a plain one)."""
    src = _source_dir(root)
    return (root / CONFIG).is_file() and src.is_relative_to(root) and (src / SUMMARY).is_file()


def _settings(root: Path) -> dict:
    try:
        return tomllib.loads(peek(root, root / CONFIG) or "")
    except tomllib.TOMLDecodeError:
        return {}


def _source_dir(root: Path) -> Path:
    book = _settings(root).get("book", {})
    src = book.get("src", "src") if isinstance(book, dict) else "src"
    return (root / (src if isinstance(src, str) else "src")).resolve()


class MdBook(Manuscript):
    def read(self, path: Path) -> Text:
        return hide_rust_lines(expand(self.root, path, read_text(self.root, path)))

    def inputs(self) -> list[Path]:
        """The book's source folder, book.toml, and every file its pages include."""
        files = set(book_files(self.base)) | {self.root / CONFIG}
        for path in [p for p in files if p.suffix == ".md"]:
            files |= _includes(self.root, path, 0)
        return sorted(files)


def _includes(root: Path, path: Path, depth: int) -> set[Path]:
    text = peek(root, path)
    if text is None:
        return set()
    found = set()
    for match in DIRECTIVE.finditer(text):
        if match[1] or match[2] == "title":
            continue
        target = (path.parent / match[3].strip().partition(":")[0]).resolve()
        if target.is_relative_to(root) and target.is_file() and target not in found:
            found.add(target)
            if depth < 10:
                found |= _includes(root, target, depth + 1)
    return found


def load(root: Path) -> Manuscript:
    config_path = root / CONFIG
    raw = _raw(root, config_path)
    book = raw.get("book", {}) if isinstance(raw.get("book"), dict) else {}
    src = _source_dir(root)
    if not src.is_relative_to(root):
        raise BookError(f"[book] src = '{book.get('src')}' lies outside the book folder: name a folder inside it", CONFIG)
    metadata = BookSection(
        title=plain(str(book.get("title") or "")),
        creator=_names(book.get("authors")),
        language=str(book.get("language") or "en"),
        description=str(book.get("description") or ""),
    )
    result = MdBook(kind="mdbook", root=root, base=src, config=BookConfig(book=metadata), config_file=CONFIG,
                    entries=[], strict=False)
    complete(metadata, CONFIG, root.name, result.warnings, line=line_in_file(config_path, "[book]"))
    result.entries = summary(root, src / SUMMARY, result.warnings)
    if not result.entries:
        raise BookError("SUMMARY.md lists no chapters: link each one in it, '- [Title](file.md)'", shown(root, src / SUMMARY))
    return result


def _raw(root: Path, path: Path) -> dict:
    try:  # a regular file inside the book (a link to one elsewhere is refused), UTF-8
        return tomllib.loads(decode(read_inside(root, path, CONFIG, MAX_FILE_BYTES), CONFIG))
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        raise BookError(f"invalid TOML: {error}; fix the syntax there", CONFIG, int(line[1]) if line else None)


def _names(authors) -> str:
    if isinstance(authors, str):
        return authors
    names = [str(name) for name in authors or [] if str(name).strip()]
    if len(names) > 2:
        return ", ".join(names[:-1]) + ", and " + names[-1]
    return " and ".join(names)


def summary(root: Path, path: Path, warnings: list[BookWarning]) -> list[Entry]:
    """The reading order SUMMARY.md gives."""
    where = shown(root, path)
    text = read_text(root, path)
    entries: list[Entry] = []
    indents: list[int] = []  # the indentation of each open level of the numbered list
    seen_list = seen_title = False
    part = ""
    fence = False
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
        if fence or not stripped or stripped.startswith("<!--") or re.fullmatch(r"-{3,}|\*{3,}", stripped):
            continue
        item = ITEM.match(line)
        heading = PART.match(stripped)
        link = LINK.match(stripped)
        if item:
            seen_list = True
            indent = len(item[1].expandtabs(4))
            while indents and indent < indents[-1]:
                indents.pop()
            if not indents or indent > indents[-1]:
                indents.append(indent)
            depth = len(indents) - 1
            title, target = plain(item[2]), item[3].strip()
            page = _page(root, path, title, target, depth, where, number, warnings)
            if page is None:
                continue
            if depth == 0 or not entries:
                kind = "back" if re.match(r"appendi(x|ces)\b", title, re.IGNORECASE) else "chapter"
                entries.append(Entry([Page(page.path, 0, title)], kind))
                if part:
                    entries[-1].part, part = part, ""
            else:
                entries[-1].pages.append(page)
        elif heading and (seen_title or entries):
            part = plain(heading[1])
        elif heading:
            seen_title = True  # the summary's own title
        elif link:
            page = _page(root, path, plain(link[1]), link[2].strip(), 0, where, number, warnings)
            if page is not None:
                entries.append(Entry([page], "back" if seen_list else "front"))
    return entries


def _page(root: Path, summary_path: Path, title: str, target: str, depth: int, where: str, line: int,
          warnings: list[BookWarning]) -> Page | None:
    if not target:
        warnings.append(BookWarning(f"'{title}' is a draft chapter (no file): left out", where, line))
        return None
    name = target.split("#")[0]
    path = (summary_path.parent / name).resolve()
    if not path.is_relative_to(root):
        raise BookError(f"'{name}' lies outside the book folder: move it into the book", where, line)
    if not path.is_file():
        raise BookError(f"'{name}' is listed here but there is no such file: create it, or correct the link", where, line)
    return Page(path, depth, title)
