"""Where presentation comes from: a book's own ``styles/`` first, then herpress's defaults.

A book may override any single file (a stylesheet, a template, ``theme.toml``) by
putting a file of the same name in its ``styles/`` folder.
"""

from __future__ import annotations

import tomllib
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


def fonts(dirs: list[Path], role: str) -> list[Path]:
    """The font files the theme names for ``role`` ("text" or "charts")."""
    return [find(dirs, name) for name in theme(dirs).get("fonts", {}).get(role, [])]


def chart_fonts(dirs: list[Path]) -> list[Path]:
    return fonts(dirs, "charts")


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
