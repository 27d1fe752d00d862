"""Paths a book names stay inside the book, and are read only when they are regular files.

Every file herpress reads because the book names it — a chapter, ``book.toml``, an image, a
style file, a font, a template — is resolved (links followed) and must lie inside the book
folder (a style file: or herpress's own styles); and it is opened without blocking and read only
when it is a regular file, so a FIFO or a device named as a chapter is an error, not a build that
waits forever. What a build writes stays inside the book as well: ``build/`` may not lead outside
it, and ``-o`` may not name a file the book is made from.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import BookError


class NotRegular(OSError):
    """The path names a FIFO, a device, a socket or a folder, not a file."""

    def __init__(self, path: Path, kind: str):
        super().__init__(errno.EINVAL, f"not a regular file (a {kind})", str(path))
        self.kind = kind


class TooLarge(OSError):
    def __init__(self, path: Path, size: int):
        super().__init__(errno.EFBIG, "file too large", str(path))
        self.size = size


def within(path: Path, *roots: Path) -> bool:
    """Whether ``path``, its links followed, lies inside one of ``roots``."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def _kind(mode: int) -> str:
    return ("folder" if stat.S_ISDIR(mode) else "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")


def not_regular(path: Path) -> str | None:
    """What ``path`` (its links followed) is when it is not a regular file ("FIFO", "folder"…);
    None for a regular file or one that is not there."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else _kind(mode)


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of ``path`` when it is a regular file (of at most ``limit`` bytes). Opened with
    O_NONBLOCK, so that opening a FIFO returns at once (and is then refused) instead of waiting for
    a writer; the check is made on the open file, so nothing can swap the file in between.
    Raises :class:`NotRegular`, :class:`TooLarge` or the OSError of the open."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(path, _kind(info.st_mode))
        if limit is not None and info.st_size > limit:
            raise TooLarge(path, info.st_size)
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb") as stream:
            descriptor = None
            data = stream.read(-1 if limit is None else limit + 1)
    finally:
        if descriptor is not None:
            os.close(descriptor)
    if limit is not None and len(data) > limit:  # it grew while being read
        raise TooLarge(path, len(data))
    return data


def read_inside(root: Path, path: Path, where: str, limit: int | None = None, what: str = "file") -> bytes:
    """``read_regular`` for a file the book names: refused with a BookError at ``where`` when it
    leads outside ``root``, is missing, is not a regular file, or is larger than ``limit``."""
    if not within(path, root):
        raise BookError(f"refused: this {what} lies outside the book folder (links are followed); copy it into the book",
                        where)
    try:
        return read_regular(path.resolve(), limit)
    except FileNotFoundError:
        raise BookError(f"{what} not found: create it, or correct its name", where) from None
    except NotRegular as error:
        raise BookError(f"not a regular file (a {error.kind}): herpress reads only files; put the file itself there",
                        where) from None
    except TooLarge as error:
        raise BookError(f"this {what} is {error.size / 2**20:.1f} MB, more than herpress reads "
                        f"({(limit or 0) / 2**20:.0f} MB): make it smaller", where) from None
    except OSError as error:
        raise BookError(f"cannot read: {error.strerror}; check the file's permissions", where) from None


# --- outputs ------------------------------------------------------------------------------------

def output_folder(book_dir: Path) -> Path:
    """``BOOK_DIR/build``, refused when it (or its ``.cache``) is a link that leads outside the
    book folder, or is not a folder: a build writes only inside the book."""
    root = book_dir.resolve()
    out = root / "build"
    for path, name in ((out, "build/"), (out / ".cache", "build/.cache/")):
        if not (path.is_symlink() or path.exists()):
            continue
        if not path.resolve().is_relative_to(root):
            raise BookError(f"{name} leads outside the book folder (to {path.resolve()}): herpress writes its "
                            f"outputs only inside the book; remove the link", name.rstrip("/"))
        if not path.is_dir():
            raise BookError(f"{name} is not a folder: herpress writes its outputs into it; move the file away",
                            name.rstrip("/"))
    return out


def output_problem(book_dir: Path, output: Path) -> str | None:
    """Why ``output`` (a ``-o`` path) may not be written, or None: it is a folder, lies in the
    book's manuscript or styles folder (herpress's own styles too), or is a file the book is made
    from (a chapter, book.toml, an image…)."""
    from .styles import default_styles_dir

    target = output.resolve()
    if target.is_dir():
        return f"'{output}' is a folder: give the file to write"
    root = book_dir.resolve()
    folders = [root / "manuscript", root / "styles", default_styles_dir()]
    inputs: list[Path] = []
    try:
        from .sources import open_book

        source = open_book(book_dir)
    except Exception:  # noqa: BLE001 - whatever is wrong with the book, the build says it
        source = None
    if source is not None:
        if source.base != source.root:
            folders.append(source.base)
        inputs = [path.resolve() for path in source.inputs()]
        if source.config_file:
            inputs.append((source.root / source.config_file).resolve())
    for folder in folders:
        if folder.exists() and target.is_relative_to(folder.resolve()):
            return (f"'{output}' lies in {_shown(root, folder)}, which holds the book's own files: "
                    "write outputs elsewhere (the default is build/)")
    if target in inputs:
        return f"'{output}' is a file of the book ({_shown(root, target)}): it would be overwritten"
    return None


def checked_output(book_dir: Path, output: Path | None) -> Path | None:
    """``output`` when it may be written (:func:`output_problem`); else the command's usage error."""
    if output is None:
        return None
    problem = output_problem(book_dir, output)
    if problem is not None:
        import typer

        raise typer.BadParameter(problem, param_hint="'--output' / '-o'")
    return output


def _shown(root: Path, path: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() + ("/" if resolved.is_dir() else "") \
        if resolved.is_relative_to(root) else str(path)


HTML_MARK = "book.html"  # the print HTML folder's page (herpress.pdf.print_html): a folder holding it may be written again


def html_folder_refusal(folder: Path) -> str | None:
    """Why ``folder`` may not be written as the print HTML folder, or None."""
    if folder.exists() and (not folder.is_dir() or folder.is_symlink()):
        return f"'{folder}' is not a folder"
    if folder.is_dir() and any(folder.iterdir()) and not (folder / HTML_MARK).is_file():
        return f"'{folder}' holds other files: give an empty folder, or one --html wrote before"
    return None


def checked_folder(book_dir: Path, folder: Path | None) -> Path | None:
    """``folder`` (``--html``) when it may be written: outside the book's own files, and empty or
    one ``--html`` wrote before; else the command's usage error."""
    if folder is None:
        return None
    problem = html_folder_refusal(folder)
    if problem is None:
        problem = output_problem(book_dir, folder / "book.html")
    if problem is not None:
        import typer

        raise typer.BadParameter(problem, param_hint="'--html'")
    return folder
