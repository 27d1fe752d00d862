"""herpress's own layout: ``manuscript/book.toml`` names the chapters, in order."""

from __future__ import annotations

import re
from pathlib import Path

from ..config import CONFIG_NAME, load_config
from ..errors import BookError
from . import Entry, Manuscript, Page, line_in_file
from .metadata import complete

MANUSCRIPT = "manuscript"


def recognizes(root: Path) -> bool:
    """``manuscript/``, or a herpress ``book.toml`` (one with ``[contents]``) in the folder itself:
    a folder of chapters an author keeps as it is, with only that file added."""
    return (root / MANUSCRIPT).is_dir() or _own_config(root)


def _own_config(root: Path) -> bool:
    try:
        text = (root / CONFIG_NAME).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*contents\s*\]", text, re.MULTILINE) is not None


def load(root: Path) -> Manuscript:
    manuscript = root / MANUSCRIPT if (root / MANUSCRIPT).is_dir() else root
    shown = (manuscript / CONFIG_NAME).relative_to(root).as_posix()
    path = manuscript / CONFIG_NAME
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        raise BookError("refused: book.toml is a link to a file outside the book folder", shown)
    config = load_config(path, shown_as=shown)
    # manuscript/ is written for herpress: one '#' per file, skipped levels an error of check's. A
    # book.toml beside chapters kept as they are reads them as the other sources do.
    result = Manuscript(kind="herpress", root=root, base=manuscript, config=config, config_file=shown, entries=[],
                        strict=manuscript != root)
    complete(config.book, shown, root.name, result.warnings, line=line_in_file(path, "[book]"))
    glossary = config.contents.glossary
    for kind, names in (("chapter", config.contents.chapters), ("back", config.contents.back)):
        for name in names:
            if glossary and name == glossary:
                raise BookError(f"'{name}' is the glossary and cannot also be a chapter", shown,
                                line_in_file(path, f'"{name}"'))
            result.entries.append(Entry([Page(manuscript / name)], kind))
    result.glossary = manuscript / glossary if glossary else None
    return result
