"""Where presentation comes from: a book's own ``styles/`` first, then herpress's defaults.

A book may override any single file (a stylesheet, a template, ``theme.toml``) by
putting a file of the same name in its ``styles/`` folder. What it puts there stays inside the
book: ``styles/`` and every file in it must lie inside the book folder (links are followed),
are read only when they are regular files, and its stylesheets may refer to nothing outside it
(:mod:`herpress.references`, checked when the styles are first looked up, so ``herpress check``
reports them too); its templates are rendered in a sandbox (:mod:`herpress.templating`).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import BookError, Problems
from .paths import read_inside, within

_PACKAGE = Path(__file__).resolve().parent


def default_styles_dir() -> Path:
    """The packaged styles (wheel) or the repository's ``styles/`` (editable install)."""
    packaged = _PACKAGE / "styles"
    return packaged if packaged.is_dir() else _PACKAGE.parents[1] / "styles"


DEFAULT_DIR = default_styles_dir()


def style_dirs(book_root: Path) -> list[Path]:
    """The book's own ``styles/`` (when it has one), then herpress's. Refused: a ``styles/`` that
    leads outside the book, and stylesheets of it that refer outside (every such reference, each
    at its line)."""
    own = book_root / "styles"
    dirs = []
    if own.is_symlink() or own.exists():
        if not within(own, book_root):
            raise BookError(f"refused: styles/ leads outside the book folder (to {own.resolve()}); put the folder itself there",
                            "styles")
        if own.is_dir():
            dirs.append(own)
            check_stylesheets(own, book_root)
    default = default_styles_dir()
    if default.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(default)
    return dirs


STYLESHEETS = ("epub.css", "print.css", "print-cmyk.css", "cover.css")  # what the writers read


def check_stylesheets(own: Path, book_root: Path) -> None:
    """The book's own stylesheets: ``epub.css`` as the EPUB carries it, the others (and what they
    import) as WeasyPrint reads them (:mod:`herpress.references`). Checked again only when one of
    them changed."""
    signature = []
    for path in (own / name for name in STYLESHEETS):
        try:
            info = path.stat()
        except OSError:
            continue
        signature.append((path.name, info.st_size, info.st_mtime_ns, info.st_ino))
    errors = _stylesheet_errors(own.resolve(), book_root.resolve(), tuple(signature))
    if errors:
        problems = Problems()
        for error in errors:
            problems.add(BookError(error.message, error.file, error.line))
        problems.raise_any()


@lru_cache(maxsize=16)
def _stylesheet_errors(own: Path, root: Path, signature: tuple) -> tuple[BookError, ...]:
    from .references import epub_problems, print_problems

    problems = Problems()
    for name, *_ in signature:
        shown = f"styles/{name}"
        with problems.collecting():
            text = read_inside(own, own / name, shown, 4 * 2**20, "stylesheet").decode("utf-8", errors="replace")
            for problem in epub_problems(text, shown) if name == "epub.css" else \
                    print_problems(text, shown, own, (root, own, default_styles_dir().resolve()), own):
                problems.add(problem)
    return tuple(problems.errors)


def find(dirs: list[Path], name: str) -> Path:
    """The first style folder's file ``name``: a regular file inside its folder (a link that
    leads out of it is refused, not passed over)."""
    from .paths import not_regular

    for directory in dirs:
        candidate = directory / name
        if directory == DEFAULT_DIR:  # herpress's own: trusted, and looked in on every build
            if candidate.is_file():
                return candidate
            continue
        if not (candidate.is_symlink() or candidate.exists()):
            continue
        shown = _shown_style(candidate)
        if not within(candidate, directory):
            raise BookError(f"refused: this style file leads outside its folder (to {candidate.resolve()}); put the file "
                            "itself there", shown)
        kind = not_regular(candidate)
        if kind:
            raise BookError(f"not a regular file (a {kind}): herpress reads style files only from files; put the file "
                            "itself there", shown)
        return candidate
    raise BookError(f"style file '{name}' not found in {', '.join(str(d) for d in dirs)}")


def theme(dirs: list[Path]) -> dict:
    return _theme(find(dirs, "theme.toml"))


@lru_cache(maxsize=8)
def _theme(path: Path) -> dict:
    try:
        return tomllib.loads(_theme_text(path))
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        raise BookError(f"invalid TOML: {error}; fix the syntax there", _shown_style(path), int(line[1]) if line else None)


@lru_cache(maxsize=8)
def _theme_text(path: Path) -> str:
    return read_inside(path.parent, path, _shown_style(path), 2**20, "theme").decode("utf-8", errors="replace")


def _shown_style(path: Path) -> str:
    """A style file as messages name it: ``styles/…`` for a book's own, the full path for herpress's."""
    if path.is_relative_to(default_styles_dir()) or "styles" not in path.parts:
        return str(path)
    parts = path.parts
    return Path(*parts[len(parts) - 1 - parts[::-1].index("styles"):]).as_posix()


# --- fonts ------------------------------------------------------------------------------------
#
# ``theme.toml`` ``[fonts]`` names font files by role: ``text``, ``code``, ``charts`` and the
# ``fallback`` chain. An entry is a path inside the styles folder ("fonts/LinLibertine_R.otf": the
# book's own styles/ first, then herpress's), or, in herpress's default theme only,
# "system:<path>": a font installed on the machine, looked up under SYSTEM_FONTS and nowhere else.
# A book's own theme never reads outside the book.

SYSTEM_FONTS = Path("/usr/share/fonts")
SYSTEM = "system:"
ROLES = ("text", "code", "charts", "fallback")


@dataclass(frozen=True)
class Face:
    """One font file the theme names; ``path`` is None for a system face not installed here."""

    entry: str  # as written in theme.toml
    role: str
    path: Path | None
    package: str | None = None  # the Debian package that installs a system face
    ranges: tuple[tuple[int, int], ...] = ()  # the characters it may draw ([fonts.ranges]); () = all it has

    def draws(self, code: int) -> bool:
        return not self.ranges or any(start <= code <= end for start, end in self.ranges)

    @property
    def system(self) -> bool:
        return self.entry.startswith(SYSTEM)

    @property
    def name(self) -> str:
        return Path(self.entry.removeprefix(SYSTEM)).name

    @property
    def family(self) -> str:
        """The family name in the font (what CSS and matplotlib call it); the file name when absent."""
        return face_info(self.path)[0] if self.path else Path(self.name).stem

    @property
    def weight(self) -> int:
        return face_info(self.path)[1] if self.path else 400

    @property
    def italic(self) -> bool:
        return face_info(self.path)[2] if self.path else False


_DEFAULT = default_styles_dir().resolve()


def theme_file(dirs: list[Path]) -> Path:
    return find(dirs, "theme.toml")


def is_default_theme(dirs: list[Path]) -> bool:
    return theme_file(dirs).parent.resolve() == default_styles_dir().resolve()


def faces(dirs: list[Path], role: str) -> list[Face]:
    """The faces the theme names for ``role`` ("text", "code", "charts" or "fallback"), in order.
    Every entry that is refused (outside the styles folder, not there, not a font) is reported,
    each at its line of theme.toml."""
    table = theme(dirs).get("fonts", {})
    entries = table.get(role, [])
    path = theme_file(dirs)
    where = _shown(path)
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise BookError(f"[fonts] {role} must be a list of font file names: write {role} = [\"Face.ttf\", …]", where, _theme_line(path, f"{role}"))
    packages = table.get("packages", {})
    ranges = table.get("ranges", {})
    problems = Problems()
    found = []
    for entry in entries:
        with problems.collecting():
            try:
                face = _face(dirs, entry, role, packages, where)
                if face.path is not None and not face.system and not face.path.is_relative_to(_DEFAULT):
                    face_info(face.path)  # a book's own file that is not a font: said here, at its line
                if ranges.get(entry):
                    face = dataclasses.replace(face, ranges=_ranges(ranges[entry], entry, where))
            except BookError as error:
                raise error.located(where, _theme_line(path, f'"{entry}"'))
            found.append(face)
    problems.raise_any()
    return found


def _ranges(value: str, entry: str, where: str) -> tuple[tuple[int, int], ...]:
    """``"U+0000-058F, U+0900-FFFF"`` → ((0, 0x58F), (0x900, 0xFFFF))."""
    found = []
    for part in str(value).split(","):
        match = re.fullmatch(r"\s*U\+([0-9A-Fa-f]{1,6})(?:-([0-9A-Fa-f]{1,6}))?\s*", part)
        if not match:
            raise BookError(f"[fonts.ranges] '{entry}': '{part.strip()}' is not a range like U+0000-058F", where)
        start = int(match[1], 16)
        found.append((start, int(match[2], 16) if match[2] else start))
    return tuple(found)


def _face(dirs: list[Path], entry: str, role: str, packages: dict, where: str) -> Face:
    if entry.startswith(SYSTEM):
        if not is_default_theme(dirs):
            raise BookError(f"[fonts] {role}: '{entry}' names a font of the machine; a book's own theme may name "
                            "only files in its styles/ folder (copy the font into styles/fonts/)", where)
        relative = entry.removeprefix(SYSTEM)
        root = SYSTEM_FONTS.resolve()
        path = (SYSTEM_FONTS / relative).resolve()
        if Path(relative).is_absolute() or not path.is_relative_to(root):
            raise BookError(f"[fonts] {role}: '{entry}' lies outside {SYSTEM_FONTS}: copy the font into styles/fonts/", where)
        package = next((name for folder, name in packages.items()
                        if Path(relative).is_relative_to(folder)), None)
        return Face(entry, role, path if path.is_file() else None, package)
    if Path(entry).is_absolute() or ".." in Path(entry).parts or "\0" in entry:
        raise BookError(f"[fonts] {role}: '{entry}' lies outside the styles folder: copy the font into styles/fonts/", where)
    from .paths import not_regular

    for directory in dirs:
        candidate = directory / entry
        if directory == DEFAULT_DIR:  # herpress's own fonts: trusted
            if candidate.is_file():
                return Face(entry, role, candidate.resolve())
            continue
        if not (candidate.is_symlink() or candidate.exists()):
            continue
        if not within(candidate, directory):  # a link out of the styles folder
            raise BookError(f"[fonts] {role}: '{entry}' leads outside the styles folder (to {candidate.resolve()})",
                            where)
        kind = not_regular(candidate)
        if kind:
            raise BookError(f"[fonts] {role}: '{entry}' is not a regular file (a {kind})", where)
        return Face(entry, role, candidate.resolve())
    raise BookError(f"[fonts] {role}: font file '{entry}' not found in {', '.join(str(d) for d in dirs)}: add it to "
                    "styles/fonts/, or correct the name", where)



def _theme_line(path: Path, needle: str) -> int | None:
    try:
        text = _theme_text(path)
    except BookError:
        return None
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else None


def _shown(path: Path) -> str:
    """The theme file as messages name it: styles/theme.toml for a book's own."""
    return "styles/theme.toml" if path.parent.resolve() != default_styles_dir().resolve() else str(path)


@lru_cache(maxsize=64)
def face_info(path: Path) -> tuple[str, int, bool]:
    """(family name, weight, italic) from the font's name and OS/2 tables (face 0 of a collection).
    A file fontTools cannot read is a BookError naming it."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            names = font["name"]
            family = str(names.getDebugName(16) or names.getDebugName(1) or path.stem)
            os2 = font["OS/2"] if "OS/2" in font else None
            weight = os2.usWeightClass if os2 is not None else 400
            italic = bool(os2.fsSelection & 0x201) if os2 is not None else False
    except Exception as error:  # fontTools raises what the bytes make it raise: TTLibError, struct.error, KeyError…
        raise not_a_font(path, error) from None
    return family, weight, italic


def not_a_font(path: Path, error: Exception) -> BookError:
    """The error for a font file that cannot be read as one."""
    detail = str(error) or type(error).__name__
    return BookError(f"font file '{_shown_style(path)}' is not an OpenType or TrueType font fontTools can read "
                     f"({detail}): replace it, or take it out of theme.toml")


def fonts(dirs: list[Path], role: str) -> list[Path]:
    """The font files the theme names for ``role`` that are there (a system face may be missing)."""
    return [face.path for face in faces(dirs, role) if face.path is not None]


def chart_fonts(dirs: list[Path]) -> list[Path]:
    """The chart faces, the first the main one, then the fallback faces installed here."""
    return fonts(dirs, "charts") + fonts(dirs, "fallback")


def system_fonts_digest(dirs: list[Path]) -> str:
    """Name, size and modification time of every system face the theme names (for cache keys)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        named = [face for role in ROLES for face in faces(dirs, role) if face.system]
    except BookError:
        return ""  # the build reports it
    for face in named:
        try:
            stat = face.path.stat() if face.path else None
        except OSError:
            stat = None
        digest.update(f"{face.entry}\0{stat.st_size if stat else -1}\0{stat.st_mtime_ns if stat else -1}\0".encode())
    return digest.hexdigest()


def templates_for(book):
    """The templates of ``book``'s style folders, in the sandbox (:mod:`herpress.templating`)."""
    return templates(book.style_dirs, book.root)


def templates(dirs: list[Path], root: Path | None = None):
    """A sandboxed Jinja2 environment over the ``templates/`` folders, escaping for (X)HTML; one per
    process and book. ``root``, the book folder, names its templates in messages (``styles/templates/…``);
    the templates under it are a book's own, checked before they are compiled."""
    if root is None:
        own = [d for d in dirs if d.resolve() != _DEFAULT]
        root = own[0].parent if own else None
    return _environment(tuple(dirs), root.resolve() if root is not None else None)


@lru_cache(maxsize=4)
def _environment(dirs: tuple[Path, ...], root: Path | None):
    from .templating import Sandbox

    return Sandbox(dirs, root)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '"\\\n\r\f' else c for c in text) + '"'
