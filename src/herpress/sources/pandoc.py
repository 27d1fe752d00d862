"""A pandoc project: Markdown files with YAML metadata.

The metadata comes from ``metadata.yaml`` (or ``.yml``), a pandoc defaults file that lists
``input-files`` (which then also gives the reading order), or the YAML block at the top of the
first chapter; pandoc's keys are read — ``title``, ``subtitle``, ``author`` (a name, a list, or
a list of ``name:`` maps), ``lang``, ``date``, ``rights``, ``identifier``, ``publisher``,
``description``/``abstract``, ``subject``/``keywords``. YAML blocks at the top of chapter files
are metadata, not text. YAML is read with ``safe_load``: no tag constructs any object.
Otherwise the folder is read as a plain one (:mod:`herpress.sources.plain`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import BookSection
from ..errors import BookError
from ..model import BookWarning
from . import Manuscript, Segment, Text, natural_key, peek, read_text, shown
from . import plain as plain_folder
from .metadata import plain

METADATA_FILES = ("metadata.yaml", "metadata.yml", "meta.yaml", "meta.yml")
# a YAML block at the top of a file, after any HTML comments (a licence notice often comes first)
BLOCK = re.compile(r"\A((?:\s*<!--.*?-->)*\s*)---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def recognizes(root: Path) -> bool:
    if any((root / name).is_file() for name in METADATA_FILES) or _defaults_file(root):
        return True
    files = sorted(plain_folder.markdown_files(root), key=lambda p: natural_key(p.relative_to(root)))
    first = next((f for f in files if not plain_folder.NOT_CHAPTERS.match(f.name)), None)
    if first is None:
        return False
    head = (peek(root, first) or "")[:20_000]
    block = BLOCK.match(head)
    return bool(block and re.search(r"^(title|author)\s*:", block[2], re.MULTILINE))


def _defaults_file(root: Path) -> Path | None:
    for path in sorted(root.glob("*.y*ml")):
        text = peek(root, path)
        if text is not None and re.search(r"^input-files?\s*:", text, re.MULTILINE):
            return path
    return None


class Pandoc(Manuscript):
    def read(self, path: Path) -> Text:
        """A chapter's text without its YAML block (kept as blank lines, so lines still match)."""
        text = read_text(self.root, path)
        block = BLOCK.match(text)
        if block:  # the block becomes blank lines; comments before it stay (the reader drops them)
            text = block[1] + "\n" * (block[0].count("\n") - block[1].count("\n")) + text[block.end():]
        return Text(text, [Segment(1, self.shown(path), 1)])


def load(root: Path) -> Manuscript:
    warnings: list[BookWarning] = []
    meta: dict = {}
    where = ""
    order = None
    defaults = _defaults_file(root)
    if defaults is not None:
        settings = _yaml(root, defaults)
        where = shown(root, defaults)
        files = settings.get("input-files") or ([settings["input-file"]] if settings.get("input-file") else [])
        listed = []
        for name in files if isinstance(files, list) else []:
            path = (defaults.parent / str(name)).resolve()
            if not path.is_relative_to(root):
                warnings.append(BookWarning(f"'{name}' lies outside the book folder: left out", where))
            elif path.is_file():
                listed.append(path)
            else:
                raise BookError(f"input file '{name}' not found: create it, or correct input-files", where)
        order = (None, listed, True) if listed else None
        meta = settings.get("metadata") if isinstance(settings.get("metadata"), dict) else {}
        names = settings.get("metadata-files") or [settings.get("metadata-file")]
        for name in names if isinstance(names, list) else []:
            path = (defaults.parent / name).resolve() if isinstance(name, str) else None
            if path is not None and path.is_relative_to(root) and path.is_file():
                meta = {**_yaml(root, path), **meta}
    for name in METADATA_FILES:
        if (root / name).is_file():
            meta = {**_yaml(root, root / name), **meta}
            where = where or name
            break
    order = order or plain_folder.reading_order(root, warnings)
    if order[1]:  # the first file's YAML block, as pandoc reads every file's
        block = BLOCK.match(read_text(root, order[1][0]))
        if block:
            meta = {**_yaml_text(block[2], shown(root, order[1][0])), **meta}
            where = where or shown(root, order[1][0])
    manuscript = plain_folder.load(root, "pandoc", _metadata(meta), where, order, warnings)
    return Pandoc(**vars(manuscript))


def _yaml(root: Path, path: Path) -> dict:
    """A metadata file; pandoc allows it to be wrapped in ``---`` … ``---`` (or ``...``) as a block."""
    text = read_text(root, path)
    block = BLOCK.match(text)
    return _yaml_text(block[2] if block else text, shown(root, path))


def _yaml_text(text: str, where: str) -> dict:
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise BookError(f"invalid YAML: {getattr(error, 'problem', None) or error}; fix the syntax there", where,
                        mark.line + 1 if mark else None) from None
    return value if isinstance(value, dict) else {}


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value if _text(item))
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("text") or "")
    return plain(str(value)) if value is not None else ""


def _metadata(meta: dict) -> BookSection:
    authors = meta.get("author") or meta.get("authors") or meta.get("creator") or ""
    names = [_text(a) for a in authors] if isinstance(authors, list) else [_text(authors)]
    names = [n for n in names if n]
    creator = ", ".join(names[:-1]) + ", and " + names[-1] if len(names) > 2 else " and ".join(names)
    title = meta.get("title") or ""
    if isinstance(title, list):  # EPUB-style: [{type: main, text: …}, {type: subtitle, …}]
        main = [t for t in title if isinstance(t, dict) and t.get("type") in (None, "main")] or title
        title = main[0]
    identifier = meta.get("identifier") or ""
    if isinstance(identifier, list):
        identifier = identifier[0] if identifier else ""
    if isinstance(identifier, dict):
        scheme, text = str(identifier.get("scheme", "")).lower(), _text(identifier.get("text", ""))
        identifier = f"urn:isbn:{text}" if scheme == "isbn" else text
    subjects = meta.get("subject") or meta.get("keywords") or []
    return BookSection(
        title=_text(title), subtitle=_text(meta.get("subtitle") or ""), creator=creator,
        publisher=_text(meta.get("publisher") or ""), identifier=_text(identifier),
        language=_text(meta.get("lang") or meta.get("language") or ""),
        date=_text(meta.get("date") or ""), rights=_text(meta.get("rights") or meta.get("copyright") or ""),
        description=_text(meta.get("description") or meta.get("abstract") or ""),
        subjects=[_text(s) for s in subjects] if isinstance(subjects, list) else [_text(subjects)],
    )
