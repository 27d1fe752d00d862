"""What a chart block says: read and check the TOML body of a ```` ```chart ```` fence.

A block names its data either inline::

    [data]
    "Theodore" = 1
    "Users she loves" = 641

or, for several series, as arrays plus ``series = ["A", "B"]``, or as a CSV
file inside the book folder (``data = "data/poll.csv"``: header row, first
column the category, every other column a series).

``x_label`` names the category axis and ``y_label`` the value axis, whatever
way the chart is turned (for ``bar`` the values run horizontally).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from herpress.charts._source import Locator, read_csv, resolve_inside
from herpress.errors import BookError

#: Bump whenever the drawing code changes what a spec looks like on paper.
DRAWING_VERSION = "4"  # 4: print charts drawn for the narrowest text block of their trim, type 7 pt or more
CHART_TYPES = ("bar", "column", "line", "pie", "donut", "stacked-bar")
MULTI_SERIES_TYPES = ("line", "stacked-bar")
MAX_CATEGORIES = 200
MAX_SLICES = 8

_LABEL = re.compile(r"^fig:[a-z0-9][a-z0-9-]*$")
_TEXT_KEYS = ("label", "type", "title", "description", "source", "unit",
              "x_label", "y_label")
_KEYS = (*_TEXT_KEYS, "log_scale", "data", "series")
_REQUIRED = ("label", "type", "title", "description", "data")


NUMBERS = "0123456789.,\u2212\u2009%"  # what a chart's own number labels are made of


@dataclass(frozen=True)
class ChartSpec:
    label: str
    type: str
    title: str
    description: str
    source: str | None
    unit: str
    x_label: str
    y_label: str
    log_scale: bool
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]

    def drawn_text(self) -> str:
        """What the chart draws in the chart faces: its categories, series names, axis titles, unit
        and the characters of its number labels (the print's font coverage, the faces a drawing needs)."""
        names = [name for name, _ in self.series] if len(self.series) > 1 else []
        return " ".join([*self.categories, *names, self.x_label, self.y_label, self.unit, NUMBERS])

    def digest(self) -> str:
        """sha256 (hex) of every field and :data:`DRAWING_VERSION`."""
        fields = {"drawing_version": DRAWING_VERSION, **asdict(self)}
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_chart_spec(text: str, *, file: Path, line: int, manuscript_dir: Path) -> ChartSpec:
    """Parse the body of a chart fence whose opening fence is on ``line`` of ``file``.

    Raises :class:`BookError` pointing at the offending line for any problem.
    """
    loc = Locator(text, file, line)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise loc.toml_error(exc) from None

    for key in table:
        if key not in _KEYS:
            raise loc.at_key(f"unknown key {key!r} in chart block{_suggest(key, _KEYS)} "
                             f"(known keys: {', '.join(_KEYS)})", key)
    for key in _REQUIRED:
        if key not in table:
            raise loc.error(f"chart block needs a {key!r} key")
    for key in _TEXT_KEYS:
        if key in table and not isinstance(table[key], str):
            raise loc.at_key(f"{key!r} must be a quoted string", key)
        if key in _REQUIRED and not table[key].strip():
            raise loc.at_key(f"{key!r} must not be empty", key)

    label = table["label"].strip()
    if not _LABEL.match(label):
        raise loc.at_key(f"label {label!r} must look like 'fig:name' (lower-case letters, "
                         "digits and hyphens after 'fig:')", "label")
    kind = table["type"].strip()
    if kind not in CHART_TYPES:
        raise loc.at_key(f"unknown chart type {kind!r}{_suggest(kind, CHART_TYPES)} "
                         f"(choose from {', '.join(CHART_TYPES)})", "type")
    log_scale = table.get("log_scale", False)
    if not isinstance(log_scale, bool):
        raise loc.at_key("'log_scale' must be true or false", "log_scale")
    if log_scale and kind in ("pie", "donut", "stacked-bar"):
        raise loc.at_key(f"a {kind} chart cannot use a log scale", "log_scale")
    series_names = _series_names(table, loc)

    data = table["data"]
    if isinstance(data, str):
        if series_names is not None:
            raise loc.at_key("'series' is only for inline data; a CSV file names its "
                             "series in its header row", "series")
        where = loc.at_key("", "data")
        path = resolve_inside(data, manuscript_dir, where)
        series_names, rows = read_csv(path, data, where)
        rows = [(path, row_line, cat, nums) for row_line, cat, nums in rows]
        if not rows:
            raise BookError("data file has a header but no rows of data", path, 1)
    elif isinstance(data, dict):
        series_names, rows = _inline_rows(data, series_names, loc)
    else:
        raise loc.at_key("'data' must be a CSV file name in quotes or a [data] table", "data")

    _check_values(kind, log_scale, series_names, rows, loc)
    categories = tuple(cat for _, _, cat, _ in rows)
    series = tuple((name, tuple(float(nums[i]) for _, _, _, nums in rows))
                   for i, name in enumerate(series_names))
    source = table.get("source")
    return ChartSpec(
        label=label, type=kind, title=table["title"].strip(),
        description=table["description"].strip(),
        source=source.strip() or None if source is not None else None,
        unit=table.get("unit", "").strip(), x_label=table.get("x_label", "").strip(),
        y_label=table.get("y_label", "").strip(), log_scale=log_scale,
        categories=categories, series=series,
    )


def _series_names(table: dict, loc: Locator) -> list[str] | None:
    if "series" not in table:
        return None
    names = table["series"]
    if not isinstance(names, list) or not names or not all(
            isinstance(n, str) and n.strip() for n in names):
        raise loc.at_key("'series' must be a list of names, e.g. series = [\"2023\", "
                         "\"2024\"]", "series")
    names = [n.strip() for n in names]
    if len(set(names)) != len(names):
        raise loc.at_key("'series' names the same series twice", "series")
    return names


def _inline_rows(data: dict, names: list[str] | None, loc: Locator):
    """Rows ``(file, line, category, values)`` of a ``[data]`` table."""
    if not data:
        raise loc.at_key("the [data] table is empty", "data")
    arrays = [isinstance(v, list) for v in data.values()]
    if any(arrays) and not all(arrays):
        first = list(data)[arrays.index(not arrays[0])]
        raise loc.at_key("give every category either one number or a list of numbers, "
                         "not a mix", first, "data")
    if all(arrays) and names is None:
        raise loc.at_key("lists of values need series names: add series = [\"A\", "
                         "\"B\", ...] before [data]", list(data)[0], "data")
    if names is None:
        names = [""]
    elif not arrays[0] and len(names) != 1:
        raise loc.at_key(f"'series' names {len(names)} series but each category has "
                         "one number", "series")
    rows = []
    for category, value in data.items():
        values = value if isinstance(value, list) else [value]
        where = loc.key_line(category, "data")
        if len(values) != len(names):
            raise loc.error(f"{category!r} has {len(values)} value(s) but 'series' names "
                            f"{len(names)} series", where)
        for item in values:
            if not _is_number(item):
                shown = str(item).lower() if isinstance(item, bool) else repr(item)
                raise loc.error(f"value of {category!r} is {shown}, not a number", where)
            if not math.isfinite(item):
                raise loc.error(f"value of {category!r} must be a finite number", where)
        if not category.strip():
            raise loc.error("a category name is empty", where)
        rows.append((loc.file, loc.fence_line + where, category.strip(), values))
    return names, rows


def _check_values(kind: str, log_scale: bool, names: list[str], rows, loc: Locator) -> None:
    """Checks that depend on the chart type. Rows are ``(file, line, category, values)``."""
    if len(rows) > MAX_CATEGORIES:
        file, line, _, _ = rows[MAX_CATEGORIES]
        raise BookError(f"a chart takes at most {MAX_CATEGORIES} categories; "
                        f"this one has {len(rows)}", file, line)
    if len(names) > 1 and kind not in MULTI_SERIES_TYPES:
        raise loc.at_key(f"a {kind} chart shows one series, this data has {len(names)}; "
                         "use type = \"stacked-bar\" or \"line\" for several", "type")
    if kind in ("pie", "donut") and len(rows) > MAX_SLICES:
        file, line, _, _ = rows[MAX_SLICES]
        raise BookError(f"a {kind} chart takes at most {MAX_SLICES} slices; this one has "
                        f"{len(rows)} (a bar chart reads better)", file, line)
    if kind == "line" and len(rows) < 2:
        raise loc.at_key("a line chart needs at least two points", "data")
    for file, line, category, values in rows:
        for value in values:
            if log_scale and value <= 0:
                raise BookError(f"value {value:g} of {category!r} cannot be shown on a "
                                "log scale, which needs values above zero", file, line)
            if kind in ("pie", "donut") and value <= 0:
                raise BookError(f"slice {category!r} is {value:g}; {kind} slices must "
                                "be greater than zero", file, line)
            if kind == "stacked-bar" and value < 0:
                raise BookError(f"value {value:g} of {category!r} is negative; stacked "
                                "bars only add up values of zero or more", file, line)
