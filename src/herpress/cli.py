"""The ``herpress`` command: parse arguments, call one function, report.

Exit status: 0 success, 1 a problem in the book (printed as ``file:line: message``),
2 a usage error (typer's own).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .errors import BookError
from .paths import checked_folder, checked_output

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="One Markdown manuscript in: an EPUB 3 and a print-ready PDF out.")

BOOK_DIR = typer.Argument(Path("."), help="The book folder (holds manuscript/ and, optionally, styles/).",
                          file_okay=False, show_default=False)
OUTPUT = typer.Option(None, "--output", "-o", help="Where to write the file (default: BOOK_DIR/build/<slug>.<ext>).",
                      dir_okay=False)
PROFILE = typer.Option(None, "--profile", "-p", help="Print profile: kdp, ingramspark, lulu or screen "
                       "(default: \\[print] profile in book.toml, else kdp).", show_default=False)


def run() -> None:
    """The ``herpress`` console script. The process ends with the command, so the objects the
    build made are frozen first: the interpreter's last garbage collection would otherwise walk
    them all (~40 ms after an EPUB of 150,000 words) only to free memory the exit frees anyway."""
    try:
        app(prog_name="herpress")
    finally:
        gc.freeze()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"herpress {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """herpress makes books."""


def _run(action, *args, spinner: bool = True, **kwargs):
    with _terminate_as_interrupt():
        return _run_interruptible(action, *args, spinner=spinner, **kwargs)


@contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a ``kill``, a CI timeout) ends a command as Ctrl-C does: one line, temporary files
    removed, earlier outputs kept. The previous handler comes back after (tests run commands in-process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _run_interruptible(action, *args, spinner: bool = True, **kwargs):
    try:
        if spinner and sys.stderr.isatty():  # a spinner naming the step; rich is not even imported otherwise
            from rich.console import Console

            with Console(stderr=True).status("herpress") as status:
                return action(*args, report=lambda message: status.update(message), **kwargs)
        return action(*args, **kwargs)
    except BookError as error:
        print(f"{error}", file=sys.stderr)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        print("herpress: interrupted; earlier outputs are unchanged", file=sys.stderr)
        raise typer.Exit(130)
    except Exception as error:  # a bug in herpress or a library: say so in one line, keep earlier outputs
        if os.environ.get("HERPRESS_DEBUG"):
            raise
        print(_internal_error(error), file=sys.stderr)
        raise typer.Exit(1)


def _internal_error(error: Exception) -> str:
    return (f"herpress: internal error ({type(error).__name__}: {error}); earlier outputs are unchanged. "
            "Run again with HERPRESS_DEBUG=1 for the traceback, and please report it.")


def _done(result) -> None:
    book_warnings = getattr(getattr(result, "book", None), "warnings", None) or getattr(result, "book_warnings", [])
    for warning in book_warnings:  # the manuscript's: file:line: warning: …
        print(warning, file=sys.stderr)
    for warning in getattr(result, "warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    for notice in getattr(result, "notices", []):
        print(notice, file=sys.stderr)
    for fmt, path in result.outputs.items():
        extra = f" ({result.page_count} pages)" if fmt == "pdf" and result.page_count else ""
        verb = "up to date:" if getattr(result, "up_to_date", False) else "wrote"
        typer.echo(f"{verb} {path}{extra}")


STRICT = typer.Option(False, "--strict", help="Fail on anything that crosses the text block's edge "
                      "(by default a warning).")


@app.command()
def build(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE, strict: bool = STRICT) -> None:
    """Build the EPUB and the print PDF into BOOK_DIR/build/."""
    from .build import build as run

    _done(_run(run, book_dir, profile=profile, strict=strict))


@app.command()
def epub(book_dir: Path = BOOK_DIR, output: Optional[Path] = OUTPUT,
         stores: Optional[list[str]] = typer.Option(None, "--for", help="An edition to build: epub (the universal "
                                                    "one), kindle, kobo or apple; repeat for more (default: epub and "
                                                    "the stores in book.toml's \\[ebook] stores).",
                                                    show_default=False)) -> None:
    """Build only the EPUB (and its store editions)."""
    from .build import epub as run

    formats = tuple(stores) if stores else None
    if formats and output and len(formats) > 1:
        raise typer.BadParameter("one --for with --output", param_hint="--output")
    _done(_run(run, book_dir, formats, output=checked_output(book_dir, output) if output else None))


@app.command()
def pdf(book_dir: Path = BOOK_DIR, output: Optional[Path] = OUTPUT, profile: Optional[str] = PROFILE,
        strict: bool = STRICT,
        html: Optional[Path] = typer.Option(None, "--html", help="Also write the print HTML, CSS and files "
                                            "WeasyPrint lays out into this folder (for a browser, or "
                                            "'python -m weasyprint DIR/book.html').", show_default=False,
                                            file_okay=False)) -> None:
    """Build only the print PDF."""
    from .build import build as run

    _done(_run(run, book_dir, ("pdf",), outputs={"pdf": checked_output(book_dir, output)} if output else None,
               profile=profile, strict=strict, html=checked_folder(book_dir, html)))


@app.command()
def watch(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
          only: Optional[str] = typer.Option(None, "--only", help="One format to build: pdf, epub, kindle, kobo or "
                                             "apple (default: what herpress build makes).", show_default=False)) -> None:
    """Build, then build again whenever a file in manuscript/ or styles/ changes (Ctrl-C stops)."""
    from .outputs import names
    from .watch import watch as run

    if only is not None and only not in names():
        raise typer.BadParameter(" or ".join(names()), param_hint="--only")

    def built(result, seconds: float) -> None:
        _done(result)
        typer.echo(f"built in {seconds:.2f} s; watching {book_dir} (Ctrl-C stops)")

    def failed(error: Exception) -> None:
        if isinstance(error, BookError):
            print(f"{error}", file=sys.stderr)
        else:  # a bug: one line (the traceback with HERPRESS_DEBUG), and the watch goes on
            if os.environ.get("HERPRESS_DEBUG"):
                traceback.print_exception(error)
            print(_internal_error(error), file=sys.stderr)
        typer.echo(f"not built; watching {book_dir} (Ctrl-C stops)")

    signal.signal(signal.SIGTERM, _interrupt)  # stopped from outside (a background job ignores Ctrl-C): as Ctrl-C
    try:
        _run(run, book_dir, (only,) if only else None, profile=profile, built=built, failed=failed,
             spinner=False)  # a spinner would stand between the builds' lines
    except typer.Exit as stop:
        if stop.exit_code == 130:  # Ctrl-C is how a watch ends
            raise typer.Exit(0)
        raise


@app.command()
def preview(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
            port: int = typer.Option(0, "--port", min=0, max=65535, help="The port on 127.0.0.1 to serve on "
                                     "(default: a free one).", show_default=False),
            open_browser: bool = typer.Option(False, "--open", help="Open the preview in the web browser.")) -> None:
    """Serve the book on 127.0.0.1: its EPUB pages and print spreads, rebuilt and reloaded on every change
    (Ctrl-C stops)."""
    from .preview import preview as run

    signal.signal(signal.SIGTERM, _interrupt)  # as Ctrl-C (the server takes both over while it runs)
    try:
        _run(run, book_dir, port=port, open_browser=open_browser, profile=profile, spinner=False)
    except typer.Exit as stop:
        if stop.exit_code == 130:  # Ctrl-C is how a preview ends
            raise typer.Exit(0)
        raise


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@app.command()
def cover(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
          paper: Optional[str] = typer.Option(None, "--paper", help="white or cream (default: \\[print] paper, else white).",
                                              show_default=False),
          output: Optional[Path] = OUTPUT) -> None:
    """Build the full-wrap paperback cover into BOOK_DIR/build/<slug>-cover.pdf."""
    from .build import cover as run

    _done(_run(run, book_dir, profile=profile, paper=paper, output=checked_output(book_dir, output)))


@app.command()
def proof(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE) -> None:
    """Build the print PDF and render its spreads as PNGs into BOOK_DIR/build/proof/."""
    from .build import proof as run

    _done(_run(run, book_dir, profile=profile))


@app.command()
def stats(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
          format: str = typer.Option("text", "--format", help="text (a table) or json.")) -> None:
    """Words, reading time, print pages, figures, tables and notes per chapter, and the spine width."""
    import json

    from .stats import stats as run, table

    if format not in ("text", "json"):
        raise typer.BadParameter("text or json", param_hint="--format")
    result = _run(run, book_dir, profile=profile)
    if format == "json":
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in table(result):
            typer.echo(line)
    for notice in result.notices:
        print(notice, file=sys.stderr)


@app.command()
def init(new_dir: Path = typer.Argument(..., help="Folder for the new book (must not exist or be empty).",
                                        file_okay=False),
         source: Optional[Path] = typer.Option(None, "--from", help="An existing book (mdBook, pandoc project, "
                                               "folder of Markdown files) to make the new one from.",
                                               file_okay=False, show_default=False)) -> None:
    """Start a new book that builds at once (or, with --from, one made from an existing book)."""
    if source is not None:
        from .scaffold.convert import convert

        path = _run(convert, new_dir, source)
        typer.echo(f"made a herpress book from {source} in {path}; check the guesses in {path}/manuscript/book.toml, "
                   f"then build it with: herpress build {new_dir}")
        return
    from .scaffold import create

    path = _run(create, new_dir)
    typer.echo(f"created a new book in {path}; build it with: herpress build {new_dir}")


@app.command()
def check(book_dir: Path = BOOK_DIR,
          build: bool = typer.Option(False, "--build", help="Also build, then run the PDF preflight, EPUBCheck and Ace."),
          format: str = typer.Option("text", "--format", help="text (file:line:col: severity: message [code]) or json.")
          ) -> None:
    """Check the manuscript without building (or, with --build, the outputs too); exit 1 on any error."""
    import json

    from .check import check as run, summary

    if format not in ("text", "json"):
        raise typer.BadParameter("text or json", param_hint="--format")
    findings = _run(run, book_dir, build=build)
    if format == "json":
        typer.echo(json.dumps({"findings": [f.as_dict() for f in findings], "words": findings.words(),
                               "summary": summary(findings)}, indent=2))
    else:
        for finding in findings:
            typer.echo(str(finding))
        for row in findings.word_table:  # --build: each chapter's words in each medium
            typer.echo(row)
        typer.echo(summary(findings))
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)
