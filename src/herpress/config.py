"""The book's configuration: ``manuscript/book.toml``, read into typed settings.

Every mistake is reported with the file and line: a wrong type, a missing key,
an unknown key (with a "did you mean" suggestion); and values an EPUB or a file name could not
carry — an identifier with spaces, quotes or control characters, a date that is not ISO 8601, a
language that is not a BCP 47 tag, a control character in any text, a NUL in a file name — each
with its line, all of them in one run.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BookError, Problems

CONFIG_NAME = "book.toml"
MAX_CONFIG_BYTES = 2**20


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
    creator_sort: str = ""  # how the creator sorts ("Jonze, Spike"); by default the last word first
    series: str = ""  # the series the book belongs to (belongs-to-collection)
    series_position: int = 0  # its number in the series (0: none given)
    slug: str = ""
    cover: str = ""  # a JPEG or PNG under manuscript/; without it the EPUB gets a typographic cover


@dataclass
class ContentsSection:
    chapters: list[str]
    back: list[str] = field(default_factory=list)
    glossary: str = ""
    code_language: str = ""  # of code blocks whose fence names none ("rust"); a "$ " session is "console"


@dataclass
class PrintSettings:
    trim: str = "6x9"  # width x height in inches
    profile: str = "kdp"  # a print profile: kdp, ingramspark, lulu, screen (see profiles.py)
    paper: str = "white"  # white or cream: sets the cover's spine width
    full_bleed: bool = False  # the book has art printed to the edge: the interior then bleeds
    interior: str = "bw"  # "bw" (grayscale ink, the cheap interior) or "color" (CMYK where the printer wants it)
    binding: str = "paperback"  # the cover herpress cover makes: "paperback" or "hardcover" (the profile's casewrap)
    # The price in the cover barcode's EAN-5 add-on (drawn only when [book] isbn is set): a currency
    # and an amount, "USD 14.99" (also CAD, AUD, NZD, GBP: the add-on's first digit 5, 6, 3, 4, 0/1
    # and the price in cents), or the add-on's own five digits ("51499"; "90000": no suggested price);
    # "" (the default): no add-on.
    price: str = ""


@dataclass
class EbookSettings:
    stores: list[str] = field(default_factory=list)  # store editions herpress build also makes (outputs.STORES)


@dataclass
class BookConfig:
    book: BookSection = field(default_factory=BookSection)
    contents: ContentsSection = field(default_factory=lambda: ContentsSection(chapters=[]))
    print: PrintSettings = field(default_factory=PrintSettings)
    ebook: EbookSettings = field(default_factory=EbookSettings)


PAPERS = ("white", "cream")
INTERIORS = ("bw", "color")
BINDINGS = ("paperback", "hardcover")
TRIMS = {"5x8": (5.0, 8.0), "5.5x8.5": (5.5, 8.5), "6x9": (6.0, 9.0)}
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?(-([A-Z]{2}|[0-9]{3}))?$")


def load_config(path: Path, shown_as: Path | str | None = None, root: Path | None = None) -> BookConfig:
    """Read and check ``book.toml``; ``shown_as`` is the path used in messages. With ``root``, the
    file must lie inside that folder (a link to a file elsewhere is refused)."""
    from .paths import NotRegular, TooLarge, read_regular, within

    where = shown_as or path
    if root is not None and (path.is_symlink() or path.exists()) and not within(path, root):
        raise BookError(f"refused: {CONFIG_NAME} leads outside the book folder (a link to {path.resolve()}); "
                        "put the file itself there", where)
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        raise BookError(f"no {CONFIG_NAME}: the book's title, identifier and chapter order go there; create it "
                        "(herpress init DIR writes one to start from)", where)
    except NotRegular as error:
        raise BookError(f"not a regular file (a {error.kind}): herpress reads {CONFIG_NAME} only from a file; "
                        "put the file itself there", where)
    except TooLarge as error:
        raise BookError(f"{error.size / 2**20:.1f} MB is far too large for {CONFIG_NAME}; keep only the book's "
                        "settings in it", where)
    except UnicodeDecodeError as error:
        raise BookError(f"not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8", where, 1)
    except OSError as error:
        raise BookError(f"cannot read: {error.strerror}; check the file's permissions", where)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise BookError(f"invalid TOML: {message}; fix the syntax there", where, int(line.group(1)) if line else None)
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
        raise BookError(f"[{table}] must be a table: write [{table}] on a line of its own, its keys below it", where,
                        _line_of(text, table, ""))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ": remove it, or correct its name"
            place = f"in [{table}]" if table else "at the top level"
            raise BookError(f"unknown key '{key}' {place}{hint}", where, _line_of(text, key, table))
    values = {}
    for name, spec in fields.items():
        if name not in raw:
            no_default = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            if no_default:
                place = f"[{table}]" if table else "the file"
                raise BookError(f"missing required key '{name}' in {place}: add it", where, _table_line(text, table))
            continue
        values[name] = _convert(hints[name], raw[name], name, table, text, where)
    return cls(**values)


def _convert(hint, value, name, table, text, where):
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, name, text, where)
    line = _line_of(text, name, table)
    if hint is bool:
        if not isinstance(value, bool):
            raise BookError(f"'{name}' must be true or false, not {_kind(value)}: write {name} = true or "
                            f"{name} = false", where, line)
        return value
    if hint is str:
        if name == "date" and isinstance(value, datetime.date):  # date = 2026-11-24, unquoted: a TOML date
            return value.isoformat()
        if not isinstance(value, str):
            raise BookError(f"'{name}' must be a string, not {_kind(value)}: put the value in quotes", where, line)
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BookError(f"'{name}' must be a whole number, not {_kind(value)}: write it without quotes",
                            where, line)
        return value
    if typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise BookError(f"'{name}' must be a list of strings: write {name} = [\"…\", \"…\"]", where, line)
        return value
    raise AssertionError(f"unsupported config type {hint!r}")  # pragma: no cover - programming error


def _kind(value) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _check(config: BookConfig, text: str, where) -> None:
    """Every value that would make a book no reader or file system can hold, each with its line."""
    book = config.book
    problems = Problems()

    def problem(message: str, key: str, table: str) -> None:
        problems.add(BookError(message, where, _line_of(text, key, table)))

    for name, value in vars(book).items():
        for item in value if isinstance(value, list) else [value]:
            bad = CONTROL.search(item) if isinstance(item, str) else None
            if bad:
                problem(f"'{name}' holds the control character U+{ord(bad[0]):04X}: an EPUB cannot carry it; "
                        "remove it", name,
                        "book")
                break
    if book.identifier and not CONTROL.search(book.identifier):
        why = identifier_problem(book.identifier)
        if why:
            problem(f"identifier '{book.identifier}' {why}", "identifier", "book")
    if book.date and not CONTROL.search(book.date) and not iso_date(book.date):
        problem(f"date '{book.date}' is not an ISO 8601 date: write it like '2026-11-24' (or '2026', '2026-11', "
                "'2026-11-24T10:00:00Z')", "date", "book")
    if not LANGUAGE_TAG.match(book.language):
        problem(f"'{book.language}' is not a language tag: use one like 'en-US' or 'fr'", "language", "book")
    if book.slug and not (SLUG.match(book.slug) and len(book.slug) <= MAX_SLUG):
        problem(f"slug '{book.slug[:100]}' must be lowercase letters, digits and single hyphens, at most {MAX_SLUG} "
                "characters: the output files are named after it; change it, or leave it out", "slug", "book")
    if not config.contents.chapters:
        problem("the book has no chapters: list their files in [contents] chapters", "chapters", "contents")
    files = [("chapters", "contents", n) for n in config.contents.chapters] + \
        [("back", "contents", n) for n in config.contents.back] + \
        [(key, table, name) for key, table, name in (("glossary", "contents", config.contents.glossary),
                                                      ("cover", "book", book.cover)) if name]
    for key, table, name in files:
        bad = CONTROL.search(name)
        if bad:
            shown = name.encode("unicode_escape").decode("ascii")
            problem(f"file name '{shown}' in '{key}' holds the control character U+{ord(bad[0]):04X}: no file is "
                    "named so; correct the name", key, table)
    if config.print.trim not in TRIMS:
        choices = ", ".join(TRIMS)
        problem(f"unknown trim '{config.print.trim}' (one of {choices}): use one of them", "trim", "print")
    from .pdf.profiles import PROFILES

    if config.print.profile not in PROFILES:
        choices = ", ".join(PROFILES)
        problem(f"unknown print profile '{config.print.profile}' (one of {choices}): use one of them", "profile", "print")
    from .outputs import STORES

    for store in config.ebook.stores:
        if store not in STORES:
            problem(f"unknown store '{store}' (one of {', '.join(STORES)}): use one of them", "stores", "ebook")
    if config.print.interior not in INTERIORS:
        problem(f"unknown interior '{config.print.interior}' (one of {', '.join(INTERIORS)}): \"bw\" prints in gray, "
                "\"color\" in colour", "interior", "print")
    if config.print.paper not in PAPERS:
        problem(f"unknown paper '{config.print.paper}' (one of {', '.join(PAPERS)}): use one of them", "paper", "print")
    if config.print.binding not in BINDINGS:
        problem(f"unknown binding '{config.print.binding}' (one of {', '.join(BINDINGS)}): use one of them", "binding",
                "print")
    from .pdf.barcode import isbn13, price_code

    if book.isbn and not CONTROL.search(book.isbn):
        try:
            isbn13(book.isbn)
        except ValueError as why:
            problem(f"isbn '{book.isbn}' {why}", "isbn", "book")
    if config.print.price:
        try:
            price_code(config.print.price)
        except ValueError as why:
            problem(f"price '{config.print.price}' {why}", "price", "print")
    problems.raise_any()


# --- what metadata may hold ---------------------------------------------------------------------

# characters XML 1.0 (and so an EPUB) cannot carry, and the C1 controls no text means; tab and
# newline are whitespace, and the metadata's whitespace is folded anyway
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
IDENTIFIER_BAD = re.compile(r"[\s\"'<>\\`]")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80  # the outputs are named after the slug (reader.MAX_SLUG caps one made from the title)
MAX_IDENTIFIER = 255
ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$")


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be the book's identifier (dc:identifier, the EPUB's unique id), or None."""
    bad = IDENTIFIER_BAD.search(value)
    if bad:
        what = "a space or line break" if bad[0].isspace() else f"the character {bad[0]!r}"
        return f"holds {what}: make it one word, like 'urn:uuid:…' or 'urn:isbn:9781234567897'"
    if len(value) > MAX_IDENTIFIER:
        return f"is {len(value)} characters long; shorten it to at most {MAX_IDENTIFIER}"
    return None


def not_a_uuid(value: str) -> bool:
    """``urn:uuid:`` followed by something that is no UUID (EPUBCheck warns: OPF-085)."""
    import uuid

    if not value.lower().startswith("urn:uuid:"):
        return False
    try:
        uuid.UUID(value[9:])
    except ValueError:
        return True
    return False


def iso_date(value: str) -> bool:
    """``value`` is an ISO 8601 date as EPUB takes it: YYYY, YYYY-MM, YYYY-MM-DD, or a date and a time
    with its zone; and a real one (no month 13, no 31 April)."""
    match = ISO_DATE.match(value)
    if not match:
        return False
    year, month, day, time = match.groups()
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
        if time:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
