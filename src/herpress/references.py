"""What a stylesheet refers to — ``url()``, ``@import`` — and which references a book may make.

A stylesheet is read as CSS reads it (tinycss2, WeasyPrint's own tokenizer: comments, escapes
such as ``\\75 rl(`` and quoted ``url("…")`` all as a browser sees them), so nothing slips by as
text. The rules, each broken one an error at its line:

* the EPUB's ``epub.css`` goes into the EPUB as it is, beside the theme's fonts and nothing else:
  it may name only those fonts (``url(../fonts/NAME)``) and no ``@import``;
* a print stylesheet (``print.css``, ``print-cmyk.css``, ``cover.css``, what a ``.css.j2``
  template renders) is read by WeasyPrint, which may read the book folder and the styles only:
  a reference must be a relative path that stays inside them, or a ``data:`` URL; an imported
  stylesheet of the book's is checked in turn;
* CSS inside an SVG image (``<style>``, ``style=""``, ``fill="url(…)"``) may refer only to the
  SVG's own elements (``url(#gradient)``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .errors import BookError

SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
EPUB_FONT = re.compile(r"^(?:\.\./)?fonts/[^/\\?#]+$")
URL_FUNCTIONS = {"url", "src"}  # CSS Values 4: src("…") is url("…")
IMAGE_FUNCTIONS = {"image-set", "-webkit-image-set", "image", "cross-fade"}  # their strings are URLs
MAX_IMPORTS = 10


@dataclass(frozen=True)
class Reference:
    kind: str  # "url" or "import"
    target: str
    line: int  # 1-based, in the text given


def references(text: str) -> list[Reference]:
    """Every ``url()``, ``src()``, image-set string and ``@import`` in ``text`` (a stylesheet, a
    declaration list or a single value), with its line."""
    import tinycss2

    found: list[Reference] = []

    def walk(tokens) -> None:
        tokens = list(tokens or [])
        imported = None  # the token naming what an @import imports, counted once (as the import)
        for n, token in enumerate(tokens):
            kind = token.type
            if token is imported:
                continue
            if kind == "at-keyword" and token.lower_value == "import":
                imported = next((t for t in tokens[n + 1:] if t.type not in ("whitespace", "comment")), None)
                target = _target(imported)
                found.append(Reference("import", target if target is not None else "", token.source_line))
            elif kind == "url":
                found.append(Reference("url", token.value, token.source_line))
            elif kind == "function":
                if token.lower_name in URL_FUNCTIONS:
                    strings = [t for t in token.arguments if t.type == "string"]
                    found.append(Reference("url", strings[0].value if strings else "", token.source_line))
                elif token.lower_name in IMAGE_FUNCTIONS:
                    found.extend(Reference("url", t.value, t.source_line) for t in token.arguments
                                 if t.type == "string")
                walk(token.arguments)
            elif kind in ("() block", "[] block", "{} block"):
                walk(token.content)

    walk(tinycss2.parse_component_value_list(text, skip_comments=True))
    return found


def _target(token) -> str | None:
    if token is None:
        return None
    if token.type in ("string", "url"):
        return token.value
    if token.type == "function" and token.lower_name in URL_FUNCTIONS:
        strings = [t for t in token.arguments if t.type == "string"]
        return strings[0].value if strings else ""
    return None


def epub_problems(text: str, shown: str) -> list[BookError]:
    """``epub.css``: only the theme's fonts beside it, no @import."""
    problems = []
    for ref in references(text):
        if ref.kind == "import":
            problems.append(BookError(f"@import in {Path(shown).name}: the EPUB carries this one stylesheet; put the "
                                      "rules in it", shown, ref.line))
        elif not ref.target.startswith("#") and not EPUB_FONT.match(ref.target):
            problems.append(BookError(f"url({ref.target}) in {Path(shown).name}: the EPUB holds only the theme's fonts "
                                      "beside its stylesheet (url(../fonts/NAME)); nothing else may be referred to: remove it",
                                      shown, ref.line))
    return problems


def print_problems(text: str, shown: str, folder: Path, roots: tuple[Path, ...], own: Path | None = None,
                   seen: frozenset = frozenset()) -> list[BookError]:
    """A stylesheet WeasyPrint reads (at ``folder``, shown as ``shown``): every reference a relative
    path inside ``roots`` (the book folder, the style folders), or ``data:``. A stylesheet it
    imports from the book's own styles (``own``) is checked too."""
    problems = []
    for ref in references(text):
        target = ref.target.strip()
        what = "@import" if ref.kind == "import" else "url()"
        if ref.kind == "import" and not target:
            problems.append(BookError("@import without a file: name the file, or remove it", shown, ref.line))
            continue
        if not target or target.startswith("#") or target.lower().startswith("data:"):
            continue
        if SCHEME.match(target) or target.startswith(("/", "\\")):
            why = "herpress never reads from the network" if not re.match(r"^(file:|/|\\)", target, re.I) else \
                "herpress reads nothing outside the book folder: give a path relative to the stylesheet"
            problems.append(BookError(f"{what} refers to '{target}': {why}", shown, ref.line))
            continue
        path = Path(os.path.normpath(folder / unquote(target.split("#")[0].split("?")[0])))
        if not any(_inside(path, root) for root in roots):
            problems.append(BookError(f"{what} refers to '{target}', which lies outside the book folder: copy it into "
                                      "styles/", shown,
                                      ref.line))
            continue
        if ref.kind == "import" and own is not None and _inside(path, own) and path.suffix == ".css" \
                and path not in seen and len(seen) < MAX_IMPORTS and path.is_file():
            imported = _text(path)
            if imported is not None:
                problems += print_problems(imported, shown_in(own, path), path.parent, roots, own, seen | {path})
    return problems


def svg_problem(text: str) -> str | None:
    """Why CSS inside an SVG (a <style>, a style attribute, a presentation attribute) is refused,
    or None: it may refer only to the SVG's own elements (``url(#id)``)."""
    for ref in references(text):
        if ref.kind == "import":
            return "@import"
        if not ref.target.startswith("#"):
            return f"url({ref.target})"
    return None


def _inside(path: Path, root: Path) -> bool:
    """``path``, its links followed (as WeasyPrint's reads follow them), inside ``root``."""
    return path.resolve().is_relative_to(root.resolve())


def _text(path: Path) -> str | None:
    from .paths import read_regular

    try:
        return read_regular(path.resolve(), 4 * 2**20).decode("utf-8", errors="replace")
    except OSError:
        return None


def shown_in(own: Path, path: Path) -> str:
    """A file of the book's styles as messages name it: ``styles/…``."""
    try:
        return "styles/" + path.relative_to(own).as_posix()
    except ValueError:
        return str(path)
