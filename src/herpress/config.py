"""The book's configuration: ``manuscript/book.toml``, read into typed settings.

Every mistake is reported with the file and line: a wrong type, a missing key,
an unknown key (with a "did you mean" suggestion).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BookError

CONFIG_NAME = "book.toml"


@dataclass
class BookSection:
    title: str = ""  # the keys left empty are filled by sources.metadata.complete, with a warning
    creator: str = ""
    publisher: str = ""
    identifier: str = ""
    language: str = "en-US"
    subtitle: str = ""
    date: str = ""
    edition: str = ""
    rights: str = ""
    description: str = ""
    subjects: list[str] = field(default_factory=list)
    isbn: str = ""
    slug: str = ""
    cover: str = ""  # a JPEG or PNG under manuscript/; without it the EPUB gets a typographic cover


@dataclass
class ContentsSection:
    chapters: list[str]
    back: list[str] = field(default_factory=list)
    glossary: str = ""


@dataclass
class PrintSettings:
    trim: str = "6x9"  # width x height in inches
    profile: str = "kdp"  # a print profile: kdp, ingramspark, lulu, screen (see profiles.py)
    paper: str = "white"  # white or cream: sets the cover's spine width
    full_bleed: bool = False  # the book has art printed to the edge: the interior then bleeds


@dataclass
class BookConfig:
    book: BookSection = field(default_factory=BookSection)
    contents: ContentsSection = field(default_factory=lambda: ContentsSection(chapters=[]))
    print: PrintSettings = field(default_factory=PrintSettings)


PAPERS = ("white", "cream")
TRIMS = {"5x8": (5.0, 8.0), "5.5x8.5": (5.5, 8.5), "6x9": (6.0, 9.0)}
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?(-([A-Z]{2}|[0-9]{3}))?$")


def load_config(path: Path, shown_as: Path | str | None = None) -> BookConfig:
    """Read and check ``book.toml``; ``shown_as`` is the path used in messages."""
    where = shown_as or path
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BookError(f"no {CONFIG_NAME}: the book's title, identifier and chapter order go there", where)
    except UnicodeDecodeError as error:
        raise BookError(f"not UTF-8 text ({error.reason} at byte {error.start})", where, 1)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise BookError(f"invalid TOML: {message}", where, int(line.group(1)) if line else None)
    config = _build(BookConfig, raw, "", text, where)
    _check(config, text, where)
    return config


def _line_of(text: str, key: str, table: str) -> int | None:
    """The line where ``key`` is set (inside ``[table]`` when given), or the table header."""
    lines = text.splitlines()
    start = 0
    if table:
        for number, line in enumerate(lines):
            if re.match(rf"^\s*\[\s*{re.escape(table)}\s*\]", line):
                start = number
                break
    for number in range(start, len(lines)):
        if re.match(rf'^\s*"?{re.escape(key)}"?\s*=', lines[number]):
            return number + 1
    return start + 1 if table else None


def _table_line(text: str, table: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if table and re.match(rf"^\s*\[\s*{re.escape(table)}\s*\]", line):
            return number
    return 1


def _build(cls, raw: object, table: str, text: str, where):
    if not isinstance(raw, dict):
        raise BookError(f"[{table}] must be a table", where, _line_of(text, table, ""))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            place = f"in [{table}]" if table else "at the top level"
            raise BookError(f"unknown key '{key}' {place}{hint}", where, _line_of(text, key, table))
    values = {}
    for name, spec in fields.items():
        if name not in raw:
            no_default = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            if no_default:
                place = f"[{table}]" if table else "the file"
                raise BookError(f"missing required key '{name}' in {place}", where, _table_line(text, table))
            continue
        values[name] = _convert(hints[name], raw[name], name, table, text, where)
    return cls(**values)


def _convert(hint, value, name, table, text, where):
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, name, text, where)
    line = _line_of(text, name, table)
    if hint is bool:
        if not isinstance(value, bool):
            raise BookError(f"'{name}' must be true or false, not {_kind(value)}", where, line)
        return value
    if hint is str:
        if not isinstance(value, str):
            raise BookError(f"'{name}' must be a string, not {_kind(value)}", where, line)
        return value
    if typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise BookError(f"'{name}' must be a list of strings", where, line)
        return value
    raise AssertionError(f"unsupported config type {hint!r}")  # pragma: no cover - programming error


def _kind(value) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _check(config: BookConfig, text: str, where) -> None:
    book = config.book
    if not LANGUAGE_TAG.match(book.language):
        raise BookError(f"'{book.language}' is not a language tag like 'en-US' or 'fr'", where, _line_of(text, "language", "book"))
    if not config.contents.chapters:
        raise BookError("the book has no chapters: list their files in [contents] chapters", where, _line_of(text, "chapters", "contents"))
    if config.print.trim not in TRIMS:
        choices = ", ".join(TRIMS)
        raise BookError(f"unknown trim '{config.print.trim}' (one of {choices})", where, _line_of(text, "trim", "print"))
    from .profiles import PROFILES

    if config.print.profile not in PROFILES:
        choices = ", ".join(PROFILES)
        raise BookError(f"unknown print profile '{config.print.profile}' (one of {choices})", where,
                        _line_of(text, "profile", "print"))
    if config.print.paper not in PAPERS:
        raise BookError(f"unknown paper '{config.print.paper}' (one of {', '.join(PAPERS)})", where,
                        _line_of(text, "paper", "print"))
