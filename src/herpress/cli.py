"""The ``herpress`` command: parse arguments, call one function, report.

Exit status: 0 success, 1 a problem in the book (printed as ``file:line: message``),
2 a usage error (typer's own), 130 interrupted.

``--quiet`` and ``--verbose`` are the app's, given before the command (``herpress -q build``).
Shell completion is click's protocol (``_HERPRESS_COMPLETE``), answered by :func:`run` before
typer parses anything; ``herpress completion`` prints or installs the shell's script. Typer's own
``--install-completion`` is left off: its options are built on every start.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
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



def _folders(incomplete: str) -> list[str]:
    """The folders whose path begins with what was typed, for shell completion."""
    head, _, start = incomplete.rpartition("/")
    parent = Path(head or ("/" if incomplete.startswith("/") else "."))
    try:
        found = sorted(entry.name for entry in os.scandir(parent) if entry.name.startswith(start)
                       and (start.startswith(".") or not entry.name.startswith(".")) and entry.is_dir())
    except OSError:
        return []
    prefix = incomplete[:len(incomplete) - len(start)]
    return [f"{prefix}{name}/" for name in found]


BOOK_DIR = typer.Argument(Path("."), help="The book folder (holds manuscript/ and, optionally, styles/).",
                          file_okay=False, show_default=False, autocompletion=_folders)
OUTPUT = typer.Option(None, "--output", "-o", help="Where to write the file (default: BOOK_DIR/build/<slug>.<ext>).",
                      dir_okay=False)


def _profiles(incomplete: str) -> list[str]:
    """The print profiles' names, for shell completion (only imported when completing)."""
    from .pdf.profiles import PROFILES

    return [name for name in PROFILES if name.startswith(incomplete)]


def _among(*choices: str):
    return lambda incomplete: [choice for choice in choices if choice.startswith(incomplete)]


def _formats(incomplete: str) -> list[str]:
    from .outputs import names

    return [name for name in names() if name.startswith(incomplete)]


PROFILE = typer.Option(None, "--profile", "-p", help="Print profile: kdp, ingramspark, lulu or screen "
                       "(default: \\[print] profile in book.toml, else kdp).", show_default=False,
                       autocompletion=_profiles)
COMPLETE_VAR = "_HERPRESS_COMPLETE"


def _checked_profile(profile: Optional[str]) -> Optional[str]:
    """``--profile``, when it names a print profile; else its problem said at once, exit 1 (before
    a watch or a preview starts)."""
    if profile is not None:
        from .pdf.profiles import get

        _run(get, profile, spinner=False)
    return profile


def run() -> None:
    """The ``herpress`` console script. The process ends with the command, so the objects the
    build made are frozen first: the interpreter's last garbage collection would otherwise walk
    them all (~40 ms after an EPUB of 150,000 words) only to free memory the exit frees anyway."""
    try:
        if os.environ.get(COMPLETE_VAR):  # a shell asking what may come next (herpress completion): typer
            _completion_classes()          # answers it, with the classes registered only when asked,
            os.environ["COLUMNS"] = "1000"  # and each option's help on one line (fish reads one a line)
        app(prog_name="herpress")
    finally:
        gc.freeze()


SHELLS = ("bash", "zsh", "fish")


def _completion_classes():
    """Register typer's completion classes (bash, zsh, fish, with typer's protocol:
    ``_HERPRESS_COMPLETE=complete_bash`` answers, ``source_bash`` prints the script); return
    click's lookup of them."""
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init

    completion_init()
    return get_completion_class


def _completion_script(shell: str) -> str:
    from typer.main import get_command

    return _completion_classes()(shell)(get_command(app), {}, "herpress", COMPLETE_VAR).source()


_verbosity = 0  # -1 with --quiet, 1 with --verbose: set by the app's callback for the command after it


def _say(line: str) -> None:
    """What a command did ("wrote …", "created …"): left out with --quiet."""
    if _verbosity >= 0:
        typer.echo(line)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"herpress {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit."),
         quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only problems (errors and warnings): "
                                    "no 'wrote' lines, no progress."),
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Name each step, with its time, as it "
                                      "finishes (and what the caches gave).")) -> None:
    """herpress makes books. --quiet and --verbose go before the command: herpress -q build."""
    global _verbosity
    if quiet and verbose:
        raise typer.BadParameter("--quiet or --verbose, not both", param_hint="'--quiet' / '--verbose'")
    _verbosity = -1 if quiet else 1 if verbose else 0


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
    from .forked import interrupt  # raises KeyboardInterrupt, though not inside a fork's hooks

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def _run_interruptible(action, *args, spinner: bool = True, **kwargs):
    try:
        live = spinner and _verbosity >= 0 and sys.stderr.isatty()  # rich is not even imported otherwise
        if live or (spinner and _verbosity > 0):
            with _Steps(live, verbose=_verbosity > 0) as steps:
                return action(*args, report=steps, **kwargs)
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


class _Steps:
    """The ``report`` callback of a command: on a terminal a spinner naming the step, with a bar
    where the step counts (a message with ``done`` and ``total``: :class:`herpress.build.Progress`);
    with --verbose each step and its time once the next begins or the command ends, with what the
    step's last progress message said it came to (``summary``)."""

    def __init__(self, live: bool, verbose: bool):
        self.live, self.verbose = live, verbose
        self.status = None
        self.step: str | None = None
        self.started = 0.0
        self.summary = ""

    def __enter__(self) -> "_Steps":
        if self.live:
            from rich.console import Console

            self.status = Console(stderr=True).status("herpress")
            self.status.__enter__()
        return self

    def __exit__(self, kind, value, traceback_) -> None:
        self._finish(ended=kind is None)
        if self.status is not None:
            self.status.__exit__(kind, value, traceback_)

    def __call__(self, message: str) -> None:
        summary = getattr(message, "summary", None)
        if summary is not None:  # how far the current step has come
            self.summary = summary or self.summary
            done, total = getattr(message, "done", None), getattr(message, "total", None)
            if self.status is not None and total:
                self._show(self._bar(str(message), done, total))
            return
        self._finish()
        self.step, self.started, self.summary = str(message), time.perf_counter(), ""
        if self.status is not None:
            self._show(self.step)

    def _show(self, renderable) -> None:
        self.status.update(renderable, spinner="dots")  # a new spinner: drawn now, not at the next tick

    @staticmethod
    def _bar(message: str, done: int, total: int):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_row(f"{message}: {done} of {total}", ProgressBar(total=total, completed=done, width=30))
        return grid

    def _finish(self, ended: bool = True) -> None:
        if self.verbose and self.step is not None:
            seconds = time.perf_counter() - self.started
            line = f"{self.step}: {seconds:.2f} s" + (f" ({self.summary})" if self.summary else "")
            if not ended:
                line = f"{self.step}: stopped after {seconds:.2f} s"
            if self.status is not None:
                self.status.console.print(line, markup=False, highlight=False, soft_wrap=True)  # above the spinner
            else:
                print(line, file=sys.stderr, flush=True)
        self.step = None


def _internal_error(error: Exception) -> str:
    return (f"herpress: internal error ({type(error).__name__}: {error}); earlier outputs are unchanged. "
            "Run again with HERPRESS_DEBUG=1 for the traceback, and please report it.")


def _done(result) -> None:
    book_warnings = getattr(getattr(result, "book", None), "warnings", None) or getattr(result, "book_warnings", [])
    for warning in book_warnings:  # the manuscript's: file:line: warning: …
        print(warning, file=sys.stderr)
    for warning in getattr(result, "warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    for notice in getattr(result, "notices", []) if _verbosity >= 0 else ():  # remarks, not problems
        print(notice, file=sys.stderr)
    for fmt, path in result.outputs.items():
        extra = f" ({result.page_count} pages)" if fmt == "pdf" and result.page_count else ""
        verb = "up to date:" if getattr(result, "up_to_date", False) else "wrote"
        _say(f"{verb} {path}{extra}")


STRICT = typer.Option(False, "--strict", help="Fail on anything that crosses the text block's edge "
                      "(by default a warning).")


@app.command()
def build(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE, strict: bool = STRICT) -> None:
    """Build the EPUB and the print PDF into BOOK_DIR/build/."""
    profile = _checked_profile(profile)
    from .build import build as run

    _done(_run(run, book_dir, profile=profile, strict=strict))


@app.command()
def epub(book_dir: Path = BOOK_DIR, output: Optional[Path] = OUTPUT,
         stores: Optional[list[str]] = typer.Option(None, "--for", help="An edition to build: epub (the universal "
                                                    "one), kindle, kobo or apple; repeat for more (default: epub and "
                                                    "the stores in book.toml's \\[ebook] stores).",
                                                    show_default=False,
                                                    autocompletion=_among("epub", "kindle", "kobo", "apple"))) -> None:
    """Build only the EPUB (and its store editions)."""
    from .build import epub as run

    formats = tuple(stores) if stores else None
    if formats and output and len(formats) > 1:
        raise typer.BadParameter("one --for with --output: give --for once, or leave --output out",
                                 param_hint="--output")
    _done(_run(run, book_dir, formats, output=checked_output(book_dir, output) if output else None))


@app.command()
def pdf(book_dir: Path = BOOK_DIR, output: Optional[Path] = OUTPUT, profile: Optional[str] = PROFILE,
        strict: bool = STRICT,
        html: Optional[Path] = typer.Option(None, "--html", help="Also write the print HTML, CSS and files "
                                            "WeasyPrint lays out into this folder (for a browser, or "
                                            "'python -m weasyprint DIR/book.html').", show_default=False,
                                            file_okay=False)) -> None:
    """Build only the print PDF."""
    profile = _checked_profile(profile)
    from .build import build as run

    _done(_run(run, book_dir, ("pdf",), outputs={"pdf": checked_output(book_dir, output)} if output else None,
               profile=profile, strict=strict, html=checked_folder(book_dir, html)))


@app.command()
def watch(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
          only: Optional[str] = typer.Option(None, "--only", help="One format to build: pdf, epub, kindle, kobo or "
                                             "apple (default: what herpress build makes).", show_default=False,
                                             autocompletion=_formats)) -> None:
    """Build, then build again whenever a file in manuscript/ or styles/ changes (Ctrl-C stops)."""
    profile = _checked_profile(profile)
    from .outputs import names
    from .watch import watch as run

    if only is not None and only not in names():
        raise typer.BadParameter(" or ".join(names()), param_hint="--only")

    def built(result, seconds: float) -> None:
        _done(result)
        _say(f"built in {seconds:.2f} s; watching {book_dir} (Ctrl-C stops)")

    def failed(error: Exception) -> None:
        if isinstance(error, BookError):
            print(f"{error}", file=sys.stderr)
        else:  # a bug: one line (the traceback with HERPRESS_DEBUG), and the watch goes on
            if os.environ.get("HERPRESS_DEBUG"):
                traceback.print_exception(error)
            print(_internal_error(error), file=sys.stderr)
        _say(f"not built; watching {book_dir} (Ctrl-C stops)")

    from .forked import interrupt

    signal.signal(signal.SIGTERM, interrupt)  # stopped from outside (a background job ignores Ctrl-C): as Ctrl-C
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
    profile = _checked_profile(profile)
    from .preview import preview as run

    from .forked import interrupt

    signal.signal(signal.SIGTERM, interrupt)  # as Ctrl-C (the server takes both over while it runs)
    try:
        _run(run, book_dir, port=port, open_browser=open_browser, profile=profile, spinner=False)
    except typer.Exit as stop:
        if stop.exit_code == 130:  # Ctrl-C is how a preview ends
            raise typer.Exit(0)
        raise



@app.command()
def cover(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
          paper: Optional[str] = typer.Option(None, "--paper", help="white or cream (default: \\[print] paper, else white).",
                                              show_default=False, autocompletion=_among("white", "cream")),
          binding: Optional[str] = typer.Option(None, "--binding", help="paperback or hardcover (default: \\[print] "
                                                "binding, else paperback).", show_default=False,
                                                autocompletion=_among("paperback", "hardcover")),
          output: Optional[Path] = OUTPUT) -> None:
    """Build the full-wrap cover (the paperback's, or with --binding hardcover the printed case) into
    BOOK_DIR/build/<slug>-cover.pdf."""
    profile = _checked_profile(profile)
    if binding is not None and binding not in ("paperback", "hardcover"):
        raise typer.BadParameter("paperback or hardcover", param_hint="--binding")
    from .build import cover as run

    _done(_run(run, book_dir, profile=profile, paper=paper, binding=binding, output=checked_output(book_dir, output)))


@app.command()
def proof(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE) -> None:
    """Build the print PDF and render its spreads as PNGs into BOOK_DIR/build/proof/."""
    profile = _checked_profile(profile)
    from .build import proof as run

    _done(_run(run, book_dir, profile=profile))


@app.command()
def stats(book_dir: Path = BOOK_DIR, profile: Optional[str] = PROFILE,
          format: str = typer.Option("text", "--format", help="text (a table) or json.",
                                     autocompletion=_among("text", "json"))) -> None:
    """Words, reading time, print pages, figures, tables and notes per chapter, and the spine width."""
    profile = _checked_profile(profile)
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
    for notice in result.notices if _verbosity >= 0 else ():
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
        _say(f"made a herpress book from {source} in {path}; check the guesses in {path}/manuscript/book.toml, "
             f"then build it with: herpress build {new_dir}")
        return
    from .scaffold import create

    path = _run(create, new_dir)
    _say(f"created a new book in {path}; build it with: herpress build {new_dir}")


@app.command()
def check(book_dir: Path = BOOK_DIR,
          build: bool = typer.Option(False, "--build", help="Also build, then run the PDF preflight, EPUBCheck and Ace."),
          format: str = typer.Option("text", "--format", help="text (file:line:col: severity: message [code]) or json.",
                                     autocompletion=_among("text", "json"))
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
        _say(summary(findings))
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@app.command()
def completion(shell: Optional[str] = typer.Argument(None, help="bash, zsh or fish (default: the one $SHELL names).",
                                                     show_default=False, autocompletion=_among(*SHELLS)),
               install: bool = typer.Option(False, "--install", help="Write the script where the shell reads "
                                            "completions, and say where.")) -> None:
    """Print the shell completion script for herpress (or, with --install, install it)."""
    shell = shell or Path(os.environ.get("SHELL", "")).name
    if shell not in SHELLS:
        raise typer.BadParameter("bash, zsh or fish (name one: herpress completion bash)", param_hint="SHELL")
    script = _completion_script(shell)
    if not install:
        typer.echo(script)
        return
    path, then = _completion_file(shell)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script + "\n", encoding="utf-8")
    except OSError as error:
        print(f"{path}: cannot write the {shell} completion ({error.strerror or error}); run herpress completion "
              f"{shell} > FILE and load FILE from your shell's start-up file", file=sys.stderr)
        raise typer.Exit(1)
    _say(f"wrote the {shell} completion to {path}; {then}")


def _completion_file(shell: str) -> tuple[Path, str]:
    """Where ``shell`` finds herpress's completion by itself, and what the author still has to do."""
    home = Path.home()
    if shell == "bash":  # bash-completion loads a command's file from here when it is first completed
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        return (data / "bash-completion" / "completions" / "herpress",
                "new shells load it through bash-completion (without that package, add "
                f"'source {data / 'bash-completion' / 'completions' / 'herpress'}' to ~/.bashrc)")
    if shell == "zsh":  # zsh finds completion functions on $fpath; ~/.zfunc is the usual one of a user's
        folder = Path(os.environ.get("ZDOTDIR") or home) / ".zfunc"
        return (folder / "_herpress", f"add 'fpath=({folder} $fpath)' before compinit in ~/.zshrc if it is not there, "
                "then open a new shell")
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")  # fish loads completions/<command>.fish
    return config / "fish" / "completions" / "herpress.fish", "new fish shells load it"
