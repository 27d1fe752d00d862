"""Where things are in a chart block, and reading its CSV data safely.

Two helpers for :mod:`herpress.charts.spec`: :class:`Locator` turns a key of
the TOML block into a line of the manuscript, and :func:`read_csv` reads a
data file that must stay inside the book folder.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from herpress.errors import BookError

_TABLE = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*(#.*)?$")
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")  # 8,316 or 1,234.5


class Locator:
    """Maps positions inside the block body to lines of the manuscript.

    ``fence_line`` is the line of the opening fence; body line 1 follows it.
    """

    def __init__(self, text: str, file: Path, fence_line: int) -> None:
        self.lines = text.split("\n")   # as tomllib counts lines
        self.file = file
        self.fence_line = fence_line

    def error(self, message: str, body_line: int | None = None) -> BookError:
        return BookError(message, self.file, self.fence_line + (body_line or 0))

    def key_line(self, key: str, table: str | None = None) -> int:
        """Body line (1-based) where ``key`` is set in ``table``; 0 if unknown."""
        quoted = "|".join(re.escape(k) for k in (key, f'"{key}"', f"'{key}'"))
        pattern = re.compile(rf"^\s*(?:{quoted})\s*=")
        current: str | None = None
        for number, text in enumerate(self.lines, start=1):
            header = _TABLE.match(text)
            if header:
                current = header.group(1).strip("\"'")
                if table is None and current == key:   # the key is a [table]
                    return number
            elif current == table and pattern.match(text):
                return number
        if table is not None:  # e.g. an inline table: point at its key
            return self.key_line(table)
        return 0

    def at_key(self, message: str, key: str, table: str | None = None) -> BookError:
        return self.error(message, self.key_line(key, table))

    def toml_error(self, exc: Exception) -> BookError:
        """A tomllib error, reported on the manuscript line it names."""
        text = str(exc)
        found = _TOML_AT.search(text)
        message = text[: found.start()] if found else text
        if found and found.group(1):
            body_line = int(found.group(1))
        else:  # "at end of document": the last line with anything on it
            filled = [n for n, t in enumerate(self.lines, start=1) if t.strip()]
            body_line = filled[-1] if filled else 0
        return self.error(f"chart block is not valid TOML: {message}", body_line)


def _is_absolute(name: str) -> bool:
    return PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() \
        or bool(PureWindowsPath(name).drive)


def resolve_inside(name: str, manuscript_dir: Path, where: BookError) -> Path:
    """The data file ``name``, refused unless it lies inside ``manuscript_dir``.

    ``where`` is an error carrying the location to report; its message is
    replaced.
    """
    def refuse(message: str) -> BookError:
        return BookError(message, where.file, where.line)

    if not name.strip():
        raise refuse("data file name is empty")
    if _is_absolute(name):
        raise refuse(f"data file {name!r} must be a path relative to the book folder")
    try:
        root = manuscript_dir.resolve()
        path = (root / name).resolve()  # follows symlinks
    except (OSError, RuntimeError, ValueError) as exc:   # loops, NUL bytes
        raise refuse(f"cannot use data file {name!r}: {exc}") from None
    if not path.is_relative_to(root):
        raise refuse(f"data file {name!r} lies outside the book folder; "
                     "herpress only reads files inside it")
    if not path.exists():
        raise refuse(f"data file {name!r} not found (looked in {root})")
    if not path.is_file():
        raise refuse(f"data file {name!r} is not a file")
    return path


def parse_number(cell: str) -> float | None:
    """A CSV cell as a number, or None when it is not one."""
    cell = cell.strip()
    if _GROUPED.match(cell):
        cell = cell.replace(",", "")
    try:
        return float(cell)
    except ValueError:
        return None


def read_csv(path: Path, shown: str, where: BookError):
    """Read ``path``: header, then one row per category.

    Returns ``(series_names, rows)`` with rows as ``(csv_line, category,
    [numbers])``. Errors inside the file point at the file and its row;
    errors opening it point at ``where``. ``shown`` is the name the author
    wrote, for messages.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BookError(f"cannot read data file {shown!r}: {exc.strerror or exc}",
                        where.file, where.line) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BookError(f"data file is not UTF-8 text (byte {exc.start}); "
                        "save it as UTF-8", path, line) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            cells = [c.strip() for c in cells]
            if header is None:
                header = cells
                if len(header) < 2:
                    raise BookError("the first row must name the category column and "
                                    "at least one data column, separated by commas",
                                    path, line)
                empty = [i + 1 for i, name in enumerate(header[1:], start=1) if not name]
                if empty:
                    raise BookError(f"column {empty[0]} of the header has no name",
                                    path, line)
                if len(set(header[1:])) != len(header) - 1:
                    raise BookError("two data columns have the same name", path, line)
                continue
            if len(cells) != len(header):
                raise BookError(f"row has {len(cells)} columns, the header has "
                                f"{len(header)}", path, line)
            category = cells[0]
            if not category:
                raise BookError("row has no category name in its first column", path, line)
            if category in seen:
                raise BookError(f"category {category!r} appears twice (first on line "
                                f"{seen[category]})", path, line)
            seen[category] = line
            numbers = []
            for name, cell in zip(header[1:], cells[1:]):
                value = parse_number(cell)
                if value is None:
                    shown_cell = repr(cell) if cell else "an empty cell"
                    raise BookError(f"{name!r} of {category!r} is {shown_cell}, "
                                    "not a number", path, line)
                if not math.isfinite(value):
                    raise BookError(f"{name!r} of {category!r} must be a finite number",
                                    path, line)
                numbers.append(value)
            rows.append((line, category, numbers))
    except csv.Error as exc:
        raise BookError(f"data file is not valid CSV: {exc}", path,
                        reader.line_num) from None
    if header is None:
        raise BookError("data file is empty", path, 1)
    return header[1:], rows
