"""``herpress init NEW --from SOURCE``: an existing book, made a herpress book to keep.

The chapters are written as herpress reads them from the source (an mdBook's includes resolved
and its nested pages joined, a pandoc file's YAML block taken out), each at the path of its own
file under ``manuscript/``, so that the images and data beside them, copied along, keep their
relative paths. ``book.toml`` shows every value read or guessed, the guesses marked. Nothing is
written into SOURCE.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from ..errors import BookError
from ..sources import MARKDOWN, book_files, open_book
from ..sources.pages import ATX

TEMPLATE = Path(__file__).parent / "converted"
KEYS = ("title", "subtitle", "creator", "publisher", "language", "identifier", "date", "rights", "description",
        "subjects")


def convert(new_dir: Path, source_dir: Path, report=lambda message: None) -> Path:
    if new_dir.exists() and (not new_dir.is_dir() or any(new_dir.iterdir())):
        raise BookError("already exists and is not empty; choose a new folder", new_dir)
    source = open_book(source_dir)
    if source.root == new_dir.resolve() or new_dir.resolve().is_relative_to(source.root):
        raise BookError("the new book must lie outside the book it is made from", new_dir)
    manuscript = new_dir / "manuscript"
    chapters, back = [], []
    texts = {}
    pages: dict[str, str] = {}  # a nested page's stem -> the chapter file it is now part of
    for entry in source.entries:
        name = entry.path.relative_to(source.base).as_posix() if entry.path.is_relative_to(source.base) else \
            entry.path.name
        text = source.text(entry).text
        if entry.kind == "front":
            text = _unnumbered(text)
        texts[name] = text
        pages.update({page.path.stem: name for page in entry.pages[1:]})
        (back if entry.kind == "back" else chapters).append(name)
    for path in book_files(source.base):  # images, data: everything but the other tool's Markdown
        if path.suffix.lower() not in MARKDOWN and path.name not in ("book.toml", "SUMMARY.md"):
            target = manuscript / path.relative_to(source.base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for name, text in texts.items():
        text = _links_to_joined_pages(text, pages)
        target = manuscript / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    guessed = {w.message.split(":")[0].removeprefix("no "): w.message for w in source.warnings
               if w.message.startswith("no ")}
    names = {"creator": "author", "title": "title", "publisher": "publisher", "identifier": "identifier"}
    metadata = [(key, json.dumps(getattr(source.config.book, key), ensure_ascii=False),
                 guessed.get(names.get(key, key), "")) for key in KEYS]
    env = Environment(loader=FileSystemLoader(str(TEMPLATE)), keep_trailing_newline=True, trim_blocks=True,
                      lstrip_blocks=True)
    toml = env.get_template("book.toml.j2").render(
        source=str(source_dir), kind=source.kind, metadata=metadata,
        chapters=[json.dumps(n) for n in chapters], back=[json.dumps(n) for n in back])
    (manuscript / "book.toml").write_text(toml, encoding="utf-8")
    (new_dir / ".gitignore").write_text("build/\n", encoding="utf-8")
    return new_dir


LINK_TARGET = re.compile(r"(\]\(|^\s*\[[^\]]+\]:\s*)(\.?/?)([\w.-]+?)\.(?:md|html)(#[^)\s]*)?", re.MULTILINE)


def _links_to_joined_pages(text: str, pages: dict[str, str]) -> str:
    """Links to a page that is now a section of another chapter's file point at that file."""
    def relink(match):
        chapter = pages.get(match[3])
        return f"{match[1]}{chapter}{match[4] or ''}" if chapter else match[0]
    return LINK_TARGET.sub(relink, text) if pages else text


def _unnumbered(text: str) -> str:
    """The first heading marked ``{.unnumbered}``: front matter keeps no chapter number."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if ATX.match(line):
            if "unnumbered" not in line:
                lines[n] = re.sub(r"\s*\{([^}]*)\}\s*$", lambda m: f" {{{m[1]} .unnumbered}}", line) \
                    if re.search(r"\{[^}]*\}\s*$", line) else line.rstrip() + " {.unnumbered}"
            break
    return "\n".join(lines)
