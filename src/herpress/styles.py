"""Where presentation comes from: a book's own ``styles/`` first, then herpress's defaults.

A book may override any single file (a stylesheet, a template, ``theme.toml``) by
putting a file of the same name in its ``styles/`` folder.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import BookError

_PACKAGE = Path(__file__).resolve().parent


def default_styles_dir() -> Path:
    """The packaged styles (wheel) or the repository's ``styles/`` (editable install)."""
    packaged = _PACKAGE / "styles"
    return packaged if packaged.is_dir() else _PACKAGE.parents[1] / "styles"


def style_dirs(book_root: Path) -> list[Path]:
    own = book_root / "styles"
    dirs = [own] if own.is_dir() else []
    default = default_styles_dir()
    if default.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(default)
    return dirs


def find(dirs: list[Path], name: str) -> Path:
    for directory in dirs:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise BookError(f"style file '{name}' not found in {', '.join(str(d) for d in dirs)}")


def theme(dirs: list[Path]) -> dict:
    return _theme(find(dirs, "theme.toml"))


@lru_cache(maxsize=8)
def _theme(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BookError(f"invalid TOML: {error}", path)


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


def theme_file(dirs: list[Path]) -> Path:
    return find(dirs, "theme.toml")


def is_default_theme(dirs: list[Path]) -> bool:
    return theme_file(dirs).parent.resolve() == default_styles_dir().resolve()


def faces(dirs: list[Path], role: str) -> list[Face]:
    """The faces the theme names for ``role`` ("text", "code", "charts" or "fallback"), in order."""
    table = theme(dirs).get("fonts", {})
    entries = table.get(role, [])
    where = _shown(theme_file(dirs))
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise BookError(f"[fonts] {role} must be a list of font file names", where)
    packages = table.get("packages", {})
    ranges = table.get("ranges", {})
    return [dataclasses.replace(face, ranges=_ranges(ranges.get(face.entry, ""), face.entry, where))
            if ranges.get(face.entry) else face for face in (_face(dirs, entry, role, packages, where) for entry in entries)]


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
            raise BookError(f"[fonts] {role}: '{entry}' lies outside {SYSTEM_FONTS}", where)
        package = next((name for folder, name in packages.items()
                        if Path(relative).is_relative_to(folder)), None)
        return Face(entry, role, path if path.is_file() else None, package)
    if Path(entry).is_absolute() or ".." in Path(entry).parts:
        raise BookError(f"[fonts] {role}: '{entry}' lies outside the styles folder", where)
    for directory in dirs:
        candidate = (directory / entry).resolve()
        if candidate.is_relative_to(directory.resolve()) and candidate.is_file():
            return Face(entry, role, candidate)
    raise BookError(f"[fonts] {role}: font file '{entry}' not found in {', '.join(str(d) for d in dirs)}", where)


def _shown(path: Path) -> str:
    """The theme file as messages name it: styles/theme.toml for a book's own."""
    return "styles/theme.toml" if path.parent.resolve() != default_styles_dir().resolve() else str(path)


@lru_cache(maxsize=64)
def face_info(path: Path) -> tuple[str, int, bool]:
    """(family name, weight, italic) from the font's name and OS/2 tables (face 0 of a collection)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True, fontNumber=0) as font:
        names = font["name"]
        family = str(names.getDebugName(16) or names.getDebugName(1) or path.stem)
        os2 = font["OS/2"] if "OS/2" in font else None
        weight = os2.usWeightClass if os2 is not None else 400
        italic = bool(os2.fsSelection & 0x201) if os2 is not None else False
    return family, weight, italic


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
    """The templates of ``book``'s style folders, compiled once per template text: the compiled
    code is kept in ``build/.cache/templates/`` (Jinja re-compiles whatever changed)."""
    return templates(book.style_dirs, book.root / "build" / ".cache" / "templates")


def templates(dirs: list[Path], cache: Path | None = None):
    """A Jinja2 environment over the ``templates/`` folders, escaping for (X)HTML; one per process."""
    return _environment(tuple(dirs), cache)


@lru_cache(maxsize=4)
def _environment(dirs: tuple[Path, ...], cache: Path | None):
    import jinja2

    bytecode = None
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(cache))
        except OSError:  # a read-only book folder: compile every time
            pass
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=bytecode,
    )
