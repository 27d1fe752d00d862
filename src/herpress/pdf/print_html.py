"""``herpress pdf --html DIR``: the print edition as the HTML, CSS and files WeasyPrint lays out.

``DIR/book.html`` is the whole book as one document — each chapter's print HTML as the layout
had it (code lightened, tables fitted, figures moved down), the front and back matter as one
document sets them — linking, in the layout's order: ``fonts.css`` (the code, chart and fallback
faces the book uses, copied into ``DIR/fonts/``, and the font chains), ``print.css`` (and
``print-cmyk.css``) with the files they name (the text faces, the continuation mark, the colour
profile) and ``page-geometry.css`` (the trim, margins and the gutter the page count settled). The
blocks around a note WeasyPrint set away from its call carry class ``relief``, as laid out.
The charts and the book's images sit at the names the HTML gives them.

So ``python -m weasyprint DIR/book.html floor.pdf`` lays out what herpress laid out, as plain
WeasyPrint does — one document, on one core — and a browser shows it, for an author debugging
their styles. The glossary and index print the page numbers herpress printed (laid out a part at a
time, :mod:`.parts`); for the screen profile, laid out as one document, the stand-ins of its first
layout, which herpress then replaces (:mod:`.backmatter`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath

from .. import styles
from ..model import Book
from ..paths import HTML_MARK
from .interior import Printed, print_html, sheet_names
from .print_fonts import face_rules

URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
SOURCE = re.compile(r'\bsrc="([^"]+)"')
MARK = HTML_MARK  # a folder holding it was written here: it may be written again


def write_print_html(book: Book, printed: Printed, folder: Path) -> Path:
    """Write the print HTML folder (replacing the one written before, all at once); its book.html."""
    folder = folder.resolve()
    staging = folder.with_name(f".{folder.name}.writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _write(book, printed, staging)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
            staging.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / MARK


def _write(book: Book, printed: Printed, out: Path) -> None:
    from .relief import relieved_bodies

    sheets = ["fonts.css"]
    (out / "fonts.css").write_text(face_rules(book, lambda face: _copied(face.path, out / "fonts")), encoding="utf-8")
    names = sheet_names(book, printed.profile)
    for name in names:
        source = styles.find(book.style_dirs, name)
        text = source.read_text(encoding="utf-8")
        for _, reference in URL.findall(text):
            _copy_relative(source.parent, reference, out)
        (out / name).write_text(text, encoding="utf-8")
        sheets.append(name)
    env = styles.templates_for(book)
    (out / "page-geometry.css").write_text(env.get_template("print/page-geometry.css.j2").render(g=printed.geometry),
                                           encoding="utf-8")
    sheets.append("page-geometry.css")
    bodies = relieved_bodies(book, {chapter.slug: printed.bodies[chapter.slug] for chapter in book.chapters},
                             printed.relieved)
    html = print_html(book, bodies, stylesheets=sheets, page_lists=printed.page_lists)
    for name in dict.fromkeys(SOURCE.findall(html)):
        asset = book.assets.get(name)
        if asset is not None and _inside(name):
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(asset.data)
        else:
            _copy_relative(book.base, name, out)
    (out / MARK).write_text(html, encoding="utf-8")


def _inside(name: str) -> bool:
    """A relative name that stays inside the folder it is relative to."""
    path = PurePosixPath(name)
    return bool(name) and ":" not in name and not path.is_absolute() and ".." not in path.parts


def _copy_relative(base: Path, name: str, out: Path) -> None:
    """Copy the file ``name`` (relative to ``base``, and inside it) to the same name in ``out``."""
    if not _inside(name):
        return  # a URL, or a path out of the book: the stylesheets and the book are checked for those before
    source = (base / name).resolve()
    if source.is_file() and source.is_relative_to(base.resolve()):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out / name)


def _copied(path: Path, folder: Path) -> str:
    """Copy a font into ``folder``; its URL relative to the folder's parent."""
    folder.mkdir(exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists() and target.read_bytes() != path.read_bytes():
        target, n = folder / f"{path.stem}-{n}{path.suffix}", n + 1
    shutil.copyfile(path, target)
    return f"fonts/{target.name}"
