"""herpress's own layout: ``manuscript/book.toml`` names the chapters, in order."""

from __future__ import annotations

import re
from pathlib import Path

from ..config import CONFIG_NAME, load_config
from ..errors import BookError, Problems
from . import Entry, Manuscript, Page, line_in_file, peek
from .metadata import complete

MANUSCRIPT = "manuscript"


def recognizes(root: Path) -> bool:
    """``manuscript/``, or a herpress ``book.toml`` (one with ``[contents]``) in the folder itself:
    a folder of chapters an author keeps as it is, with only that file added."""
    return (root / MANUSCRIPT).is_dir() or _own_config(root)


def _own_config(root: Path) -> bool:
    text = peek(root, root / CONFIG_NAME)
    return text is not None and re.search(r"^\s*\[\s*contents\s*\]", text, re.MULTILINE) is not None


def load(root: Path) -> Manuscript:
    manuscript = root / MANUSCRIPT if (root / MANUSCRIPT).is_dir() else root
    shown = (manuscript / CONFIG_NAME).relative_to(root).as_posix()
    path = manuscript / CONFIG_NAME
    config = load_config(path, shown_as=shown, root=root)  # a link to a file outside the book is refused
    # manuscript/ is written for herpress: one '#' per file, skipped levels an error of check's. A
    # book.toml beside chapters kept as they are reads them as the other sources do.
    result = Manuscript(kind="herpress", root=root, base=manuscript, config=config, config_file=shown, entries=[],
                        strict=manuscript != root)
    complete(config.book, shown, root.name, result.warnings, line=line_in_file(path, "[book]"))
    glossary = config.contents.glossary
    glossary_path = (manuscript / glossary).resolve() if glossary else None
    problems = Problems()
    for kind, names in (("chapter", config.contents.chapters), ("back", config.contents.back)):
        for name in names:
            if glossary_path is not None and (manuscript / name).resolve() == glossary_path:
                problems.add(BookError(f"'{name}' is the glossary and cannot also be a chapter: leave it out of "
                                       f"[contents] {'chapters' if kind == 'chapter' else kind}", shown,
                                       line_in_file(path, f'"{name}"')))
                continue
            result.entries.append(Entry([Page(manuscript / name)], kind))
    problems.raise_any()
    result.glossary = manuscript / glossary if glossary else None
    return result
