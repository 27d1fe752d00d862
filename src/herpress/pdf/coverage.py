"""Every character the book prints is in a face the theme names: no tofu, nothing from the machine.

``theme.toml`` ``[fonts]`` gives three chains, each tried in order, character by character (as
WeasyPrint does with the print CSS's font-family lists):

* text — the ``text`` faces, then the ``fallback`` faces: everything but code;
* code — the ``code`` faces, then the ``fallback`` faces: what is inside ``<code>`` and ``<pre>``;
* charts — the ``charts`` faces, then the ``fallback`` faces: the labels of the charts.

A character is printable when some face of its chain has it (the cmaps are read with fontTools,
each file once per process, a fallback face only when a character needs it). Every character that
is not is reported once, with the places it occurs, its code point and Unicode name, and a fix:
the face that would have it and the Debian package that installs it, when the theme names one not
installed here, else "replace it". All of them are raised together (:class:`BookErrors`).

:func:`faces_in_use` tells the print writer which faces draw something, so that it declares only
those (an English book never loads a CJK face).
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import styles
from ..errors import BookError, BookErrors
from ..extensions.blocks import fences
from ..model import Book
from ..styles import Face
from ..xhtml import parse_xhtml

# Characters WeasyPrint lays out without drawing a glyph (controls and format characters are
# ignored the same way: soft hyphen, zero-width joiners, bidi marks, BOM, variation selectors).
INVISIBLE = {"\n", "\r", "\t", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
CODE_TAGS = {"code", "pre"}
CHAINS = {"text": ("text", "fallback"), "code": ("code", "fallback"), "charts": ("charts", "fallback")}
MAX_PLACES = 10  # places listed for one character
ANY_CHAPTER = "*"  # index entries: their text comes from the chapters' marks

# A missing face is named for the characters of its script: words of its file name → words of
# Unicode character names.
SCRIPTS = {"CJK": {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "BOPOMOFO", "KANGXI", "FULLWIDTH",
                   "HALFWIDTH"},
           "DROID": {"CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "BOPOMOFO", "FULLWIDTH", "HALFWIDTH"}}
SYMBOL_FACES = {"SYMBOLA", "EMOJI", "SYMBOLS"}


def invisible(char: str) -> bool:
    if char in INVISIBLE or char == " ":
        return True
    code = ord(char)
    return unicodedata.category(char) in ("Cc", "Cf") or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


@lru_cache(maxsize=64)
def cmap(path: Path) -> frozenset[int]:
    """The characters the font at ``path`` has; a file fontTools cannot read is a BookError naming it."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception as error:  # whatever the bytes make fontTools raise
        raise styles.not_a_font(path, error) from None


@dataclass
class Family:
    """The faces of one family in a chain (regular, bold…): a character is in it when one has it."""

    name: str
    faces: list[Face] = field(default_factory=list)

    @property
    def installed(self) -> list[Face]:
        return [face for face in self.faces if face.path is not None]

    @property
    def missing(self) -> list[Face]:
        return [face for face in self.faces if face.path is None]

    def has(self, chars: set[int]) -> set[int]:
        found: set[int] = set()
        for face in self.installed:
            found |= {code for code in chars & cmap(face.path) if face.draws(code)}
        return found


def chain(dirs: list[Path], context: str) -> list[Family]:
    """The families of ``context``'s chain, in order; a family named twice keeps its first place."""
    families: dict[tuple[str, str], Family] = {}
    for role in CHAINS[context]:
        for face in styles.faces(dirs, role):
            # a missing face cannot be read: it stands alone under its file name
            key = (face.family, "") if face.path is not None else (face.family, face.entry)
            families.setdefault(key, Family(face.family)).faces.append(face)
    return list(families.values())


@dataclass
class Survey:
    """Which families draw the book's characters, and the characters no family of their chain has."""

    used: list[Face]  # faces of the families that draw something (text faces included)
    missing: dict[str, list[tuple[str, Path | str]]]  # char → (context, source) where it is not printable
    chains: dict[str, list[Family]]


def printed_text(book: Book) -> list[tuple[str, str, Path | str]]:
    """(context, text, file it comes from) for everything the print edition sets."""
    meta = book.metadata
    config = book.config_file
    parts: list[tuple[str, str, Path | str]] = [
        ("text", " ".join([meta.title, meta.subtitle, meta.creator, meta.publisher, meta.rights, meta.edition,
                           meta.isbn]), config)]
    for chapter in book.chapters:
        prose, code = [chapter.title, chapter.part], []
        for fragment in [chapter.tree()] + [note.tree() for note in chapter.notes]:
            text, in_code = _split(fragment)
            prose.append(text)
            code.append(in_code)
        prose += [f"{figure.spec.title} {figure.spec.source or ''}" for figure in chapter.figures]
        charts = [figure.spec.drawn_text() for figure in chapter.figures]
        files = tuple(chapter.files) or (chapter.source,)  # its pages and included files, for the lines
        parts += [("text", " ".join(prose), files), ("code", " ".join(code), files), ("charts", " ".join(charts), files)]
    for entry in book.glossary:
        text, in_code = _split(entry.definition_html)
        parts += [("text", f"{entry.term} {text}", entry.source), ("code", in_code, entry.source)]
    for entry in book.index:
        parts.append(("text", f"{entry.term} {entry.sub or ''} {entry.see or ''}", ANY_CHAPTER))
    return parts


def survey(book: Book) -> Survey:
    """The book's characters against the theme's chains (once per book)."""
    key = id(book)
    known = _surveys.get(key)
    if known is not None and known[0]() is book:
        return known[1]
    result = _survey(book)
    _surveys[key] = (weakref.ref(book), result)
    return result


_surveys: dict[int, tuple[weakref.ref, Survey]] = {}


def _survey(book: Book) -> Survey:
    chains = {context: chain(book.style_dirs, context) for context in CHAINS}
    wanted: dict[str, dict[int, list[Path | str]]] = {context: {} for context in CHAINS}
    for context, text, source in printed_text(book):
        for char in dict.fromkeys(text):
            if not invisible(char):
                sources = wanted[context].setdefault(ord(char), [])
                if source not in sources:
                    sources.append(source)
    used: dict[str, Face] = {}
    missing: dict[str, list[tuple[str, Path | str]]] = {}
    for context, characters in wanted.items():
        remaining = set(characters)
        for family in chains[context]:
            if not remaining:
                break
            found = family.has(remaining)
            if found:
                used.update((face.entry, face) for face in family.installed)
                remaining -= found
        order = {code: n for n, code in enumerate(characters)}
        for code in sorted(remaining, key=order.__getitem__):
            missing.setdefault(chr(code), []).extend((context, source) for source in characters[code])
    return Survey(list(used.values()), missing, chains)


def faces_in_use(book: Book, roles: tuple[str, ...] = ("code", "charts", "fallback")) -> list[Face]:
    """The installed faces of ``roles`` whose families draw some character of the book."""
    return [face for face in survey(book).used if face.role in roles]


def check_coverage(book: Book) -> None:
    """Raise every character no face of its chain can draw: a BookError each, in one BookErrors."""
    found = survey(book)
    if not found.missing:
        return
    lines = _Lines(book)
    errors = [_error(book, char, places, found.chains, lines) for char, places in found.missing.items()]
    raise errors[0] if len(errors) == 1 else BookErrors(errors)


def _error(book: Book, char: str, occurrences: list[tuple[str, Path | str]], chains: dict[str, list[Family]],
           lines: "_Lines") -> BookError:
    contexts = list(dict.fromkeys(context for context, _ in occurrences))
    places: list[tuple[str, int | None]] = []
    for context, source in occurrences:
        for place in lines.find(source, char, context):
            if place not in places:
                places.append(place)
    if not places:
        places = [(None, None)]
    name = unicodedata.name(char, "unnamed character")
    where = " nor in ".join(f"the {context} chain ({_primary(chains[context], context)}, then the fallback faces)"
                            for context in contexts)
    missing = [face for context in contexts for family in chains[context] for face in family.missing]
    missing = list({face.entry: face for face in missing}.values())
    if missing:
        suspects = _suspects(char, missing, [CHAINS[context][0] for context in contexts])
        by_package: dict[str | None, list[Face]] = {}
        for face in suspects:
            by_package.setdefault(face.package, []).append(face)
        named = "; ".join(f"{', '.join(face.name for face in group)} "
                          f"({'Debian package ' + package if package else 'under ' + str(styles.SYSTEM_FONTS)})"
                          for package, group in by_package.items())
        packages = " ".join(package for package in by_package if package)
        install = f"run scripts/setup (as root), or apt-get install {packages}" if packages else "install it"
        fix = f"the theme's face that would have it is not installed here: {named}: {install}; or replace it"
    else:
        fix = ("replace it, or add a face that has it to [fonts] fallback in styles/theme.toml "
               "(a book's own theme names a file in its styles/fonts/)")
    shown = [f"{file}:{line}" if line else str(file) for file, line in places[1:MAX_PLACES] if file]
    more = len(places) - MAX_PLACES
    also = f"; also at {', '.join(shown)}" + (f" and {more} more places" if more > 0 else "") if shown else ""
    first_file, first_line = places[0]
    return BookError(f"U+{ord(char):04X} {name} ({char!r}) cannot be printed: it is in no face of {where}{also}: "
                     f"{fix}", first_file, first_line)


def _primary(families: list[Family], context: str) -> str:
    """The families a chain starts with (its own role's), for messages."""
    names = [family.name for family in families if family.faces[0].role == CHAINS[context][0]]
    return ", ".join(names) or f"no {context} face"


def _suspects(char: str, missing: list[Face], roles: list[str]) -> list[Face]:
    """The missing faces that would have ``char``: those made for its script (by the words of their
    file names), else the chain's own faces (text, code, charts), else, for a symbol, the symbol
    faces, else all of them."""
    words = set(unicodedata.name(char, "").replace("-", " ").split())
    script, symbols = [], []
    for face in missing:
        tokens = {token.upper() for token in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", Path(face.name).stem)}
        if words & set().union(*(SCRIPTS.get(token, {token}) for token in tokens)):
            script.append(face)
        if tokens & SYMBOL_FACES:
            symbols.append(face)
    own = [face for face in missing if face.role in roles]
    symbol = unicodedata.category(char) in ("So", "Sk", "Sm")
    return script or own or (symbol and symbols) or missing


class _Lines:
    """The lines of the book's source files, each read once, where a character occurs: for code and
    charts the lines in fences (or in backticks), for prose the others, else any line that has it."""

    def __init__(self, book: Book):
        self.book = book
        self.files: dict[str, list[tuple[str, bool]] | None] = {}

    def find(self, source: Path | str, char: str, context: str = "text") -> list[tuple[str | None, int | None]]:
        if source == ANY_CHAPTER:
            found = [place for chapter in self.book.chapters for place in self.find(chapter.source, char, context)
                     if place[1] is not None]
            return found or [("manuscript", None)]
        if not source:
            return [(None, None)]
        if isinstance(source, tuple):  # a chapter made of several files
            found = [place for file in source for place in self.find(file, char, context) if place[1] is not None]
            return found or [(str(source[0]), None)]
        lines = self._lines(str(source))
        if lines is None:
            return [(str(source), None)]
        having = [(number, line, fenced) for number, (line, fenced) in enumerate(lines, 1) if char in line]
        if context == "text":
            chosen = [n for n, line, fenced in having if not fenced and char in _BACKTICKS.sub("", line)]
        else:
            chosen = [n for n, line, fenced in having
                      if fenced or any(char in span for span in _BACKTICKS.findall(line))]
        numbers = chosen or [number for number, _, _ in having]
        return [(str(source), number) for number in numbers] or [(str(source), None)]

    def _lines(self, source: str) -> list[tuple[str, bool]] | None:
        """(line, inside a fenced block) for each line of ``source``."""
        if source not in self.files:
            try:
                text = (self.book.root / source).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                self.files[source] = None
                return None
            self.files[source] = [(line, state == "inside") for line, state, _ in fences(text.split("\n"))]
        return self.files[source]


_BACKTICKS = re.compile(r"`+[^`]*`+")


def _split(fragment) -> tuple[str, str]:
    """A model fragment's text: (outside code, inside ``<code>``/``<pre>``)."""
    if isinstance(fragment, str):
        if not fragment.strip():
            return "", ""
        fragment = parse_xhtml(fragment)
    prose: list[str] = []
    code: list[str] = []

    def walk(element, in_code: bool) -> None:
        here = in_code or element.tag in CODE_TAGS
        if isinstance(element.tag, str) and element.text:
            (code if here else prose).append(element.text)
        for child in element:
            walk(child, here)
            if child.tail:
                (code if here else prose).append(child.tail)

    walk(fragment, False)
    return " ".join(prose), " ".join(code)
