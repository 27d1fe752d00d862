"""A friendlier command line: shell completion, --quiet and --verbose, progress on a terminal,
and every error ending with the next step to take."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from herpress.cli import app
from herpress.errors import BookError, each

runner = CliRunner()
CONSOLE_SCRIPT = Path(sys.executable).parent / "herpress"


def herpress(*args, env=None):
    return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


# --- completion -------------------------------------------------------------------------------

def completions(words: str, shell: str = "bash") -> list[str]:
    """What herpress offers after ``words`` (a trailing space: a new word), by the protocol the
    shell's script speaks (typer's: ``_HERPRESS_COMPLETE=complete_bash``, COMP_WORDS, COMP_CWORD)."""
    count = len(words.split())
    env = {"_HERPRESS_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": words,
           "_TYPER_COMPLETE_FISH_ACTION": "get-args",
           "COMP_WORDS": words, "COMP_CWORD": str(count if words.endswith(" ") else count - 1)}
    result = herpress(env=env)
    assert result.returncode == 0, result.stderr
    if shell == "bash":
        return result.stdout.split()
    return re.findall(r'\("([^"]+)":', result.stdout) if shell == "zsh" else [line.split("\t")[0] for line in
                                                                               result.stdout.splitlines()]


def test_completion_offers_commands_options_and_profile_names():
    assert completions("herpress bu") == ["build"]
    assert completions("herpress pdf --pro") == ["--profile"]
    assert completions("herpress pdf --profile ") == ["kdp", "ingramspark", "lulu", "screen"]
    assert completions("herpress pdf --profile in") == ["ingramspark"]
    assert completions("herpress --q") == ["--quiet"]
    assert completions("herpress epub --for k") == ["kindle", "kobo"]
    assert "build" in completions("herpress bu", "zsh") and "--profile" in completions("herpress pdf --pro", "zsh")
    assert completions("herpress pdf --pro", "fish") == ["--profile"]


def test_completion_offers_folders_for_the_book(tmp_path):
    (tmp_path / "my-book").mkdir()
    (tmp_path / "my-notes.txt").write_text("")
    assert completions(f"herpress build {tmp_path}/my") == [f"{tmp_path}/my-book/"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_bash_script_completes_in_bash():
    script = herpress("completion", "bash")
    assert script.returncode == 0 and "complete -o default -F _herpress_completion herpress" in script.stdout
    probe = ('source /dev/stdin; COMP_WORDS=(herpress pdf --pro); COMP_CWORD=2; _herpress_completion herpress; '
             'echo "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "--norc", "-c", probe], input=script.stdout, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{CONSOLE_SCRIPT.parent}:{os.environ['PATH']}"}, timeout=60)
    assert done.stdout.split() == ["--profile"], done.stderr


def test_completion_install_writes_where_each_shell_reads(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": "", "XDG_CONFIG_HOME": "", "ZDOTDIR": ""}
    places = {"bash": tmp_path / ".local/share/bash-completion/completions/herpress",
              "zsh": tmp_path / ".zfunc/_herpress", "fish": tmp_path / ".config/fish/completions/herpress.fish"}
    for shell, place in places.items():
        result = herpress("completion", shell, "--install", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"wrote the {shell} completion to {place};")
        assert "_HERPRESS_COMPLETE=complete_" + shell in place.read_text()
    assert herpress("completion", "tcsh").returncode == 2
    assert not (tmp_path / ".bashrc").exists()  # nothing of the author's own is edited


# --- --quiet and --verbose --------------------------------------------------------------------

def test_quiet_prints_nothing_on_success_and_the_error_on_failure(book):
    quiet = herpress("--quiet", "epub", book)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == "", quiet.stderr
    assert [path.suffix for path in (book / "build").iterdir() if not path.name.startswith(".")] == [".epub"]
    assert herpress("-q", "epub", book).stdout == ""  # up to date: said by nothing either
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nSee [@fig:nowhere].\n")
    failed = herpress("-q", "epub", book)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.startswith("manuscript/01-first-chapter.md:") and "unknown label 'fig:nowhere'" in failed.stderr
    assert runner.invoke(app, ["-q", "init", str(book.parent / "new")]).output == ""
    assert runner.invoke(app, ["--quiet", "--verbose", "build", str(book)]).exit_code == 2


def test_verbose_names_each_step_with_its_time_and_no_progress_in_a_pipe(book):
    result = herpress("--verbose", "pdf", book)
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert [re.sub(r" \(.*", "", line.split(":")[0]) for line in steps] == [
        "Reading the manuscript", "Writing the pdf", "Reading the outputs back"], result.stderr
    assert all(re.search(r": \d+\.\d\d s", line) for line in steps)
    assert re.search(r"Writing the pdf .*: \d+\.\d\d s \(\d+ parts laid out, 0 taken from the cache\)$", steps[1])
    assert "Laying out" not in result.stderr and "\x1b" not in result.stderr  # no progress, no terminal codes
    assert result.stdout.startswith("wrote ")
    plain = herpress("epub", book)
    assert plain.returncode == 0 and plain.stderr == "" and plain.stdout.startswith("wrote ")
    again = herpress("-v", "pdf", book)
    assert again.stderr.splitlines()[0].startswith("Up to date: ")


def on_a_terminal(*args) -> tuple[int, str, str]:
    """Run herpress with its stderr a pseudo-terminal; what it drew there, read until it closed."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "herpress", *map(str, args)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "TERM": "xterm-256color",
                                                                          "COLUMNS": "120"})
    os.close(slave)
    drawn = b""
    try:
        while select.select([master], [], [], 300)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # every end of the terminal closed
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(master)
    out = process.stdout.read().decode()
    process.stdout.close()
    return process.wait(timeout=60), out, drawn.decode(errors="replace")


def test_a_terminal_shows_each_chapter_laid_out(book):
    status, out, drawn = on_a_terminal("pdf", book)
    assert status == 0 and out.startswith("wrote "), drawn
    assert "Laying out the chapters: 1 of 2" in drawn and "Laying out the chapters: 2 of 2" in drawn
    assert "Laying out the folios, back and front matter: 4 of 4" in drawn
    status, out, drawn = on_a_terminal("-q", "epub", book)
    assert status == 0 and out == "" and "Reading the manuscript" not in drawn  # --quiet: no spinner


# --- every error ends with the next step ------------------------------------------------------

NEXT_STEP = re.compile(r"(?:[:;] |\(|\bor |\bthen |\binstead )(?:add|check|choose|convert|copy|correct|create|define|"
                       r"describe|fix|flatten|give|keep|leave|list|make|mark|move|name|put|remove|rename|replace|"
                       r"run|save|shorten|split|use|write|did you mean)\b")
CHAPTER = "manuscript/01-first-chapter.md"
TOML = "manuscript/book.toml"


def _chapter(text):
    return {CHAPTER: "# Chapter\n\n" + text + "\n"}


def _toml(old, new):
    return lambda book: (book / TOML).write_text((book / TOML).read_text().replace(old, new, 1))


BAD = {
    "no manuscript": lambda book: shutil.rmtree(book / "manuscript") or (book / "notes.txt").write_text("x"),
    "no book.toml": lambda book: (book / TOML).unlink(),
    "invalid TOML": _toml("[book]", "[book\n"),
    "unknown key": _toml("[book]", "[book]\nzzz = 1"),
    "mistyped key": _toml("[book]", "[book]\ntitel = 'x'"),
    "not a string": _toml("[book]", "[book]\nsubtitle = 3"),
    "not a list": _toml('chapters = [', 'chapters = "x"\nold = ['),
    "bad date": _toml("[book]", "[book]\ndate = '24 November 2026'"),
    "bad language": _toml('language = "en-US"', 'language = "en_us!"'),
    "unknown profile": _toml('profile = "kdp"', 'profile = "kindle"'),
    "missing chapter": _toml('"01-first-chapter.md"]', '"01-first-chapter.md", "missing.md"]'),
    "unclosed fence": _chapter("```python\nprint(1)\n"),
    "unclosed div": _chapter('<div class="box">\n\nInside.'),
    "unclosed chart": _chapter('```chart\nlabel = "fig:x"\n'),
    "missing image": _chapter("![A dot](images/missing.png)"),
    "image outside": _chapter("![A dot](../../outside.png)"),
    "remote image": _chapter("![A dot](https://example.com/a.png)"),
    "unknown label": _chapter("See [@fig:nowhere]."),
    "label twice": _chapter("## A {#sec:a}\n\n## B {#sec:a}"),
    "unknown term": _chapter("See [[no such term]]."),
    "empty index mark": _chapter("Word{^ }."),
    "no heading": {CHAPTER: "Just text.\n"},
    "raw script": _chapter("<script>alert(1)</script>"),
    "glossary twice": {"manuscript/glossary.md": "# Glossary\n\nTerm\n:   one\n\nterm\n:   two\n"},
    "glossary empty": {"manuscript/glossary.md": "# Glossary\n\nNothing here.\n"},
}


def problems_of(book: Path) -> list[BookError]:
    from herpress.reader import load_book

    try:
        load_book(book)
    except BookError as error:
        return each(error)
    return []


@pytest.mark.parametrize("case", BAD)
def test_every_error_says_what_to_do_next(book, case):
    change = BAD[case]
    if callable(change):
        change(book)
    else:
        for name, text in change.items():
            (book / name).write_text(text, encoding="utf-8")
    found = problems_of(book)
    assert found, f"{case}: no error"
    for error in found:
        message = error.message
        assert NEXT_STEP.search(message), f"{case}: no next step in {str(error)!r}"
        assert "\n" not in message and "!" not in re.sub(r"'[^']*'|<![^>]*>", "", message), message
        assert message[0].islower() or message[0] in "'<[@{\"", message  # house style: lowercase after file:line:


def test_the_command_line_s_own_errors_say_what_to_do_next(tmp_path, book):
    for args in (["pdf", str(book), "--profile", "kpd"], ["build", str(tmp_path / "nowhere")], ["build", str(tmp_path)]):
        result = herpress(*args)
        assert result.returncode == 1 and NEXT_STEP.search(result.stderr), result.stderr
    assert "did you mean --profile kdp?" in herpress("pdf", book, "--profile", "kpd").stderr
    wrong = herpress("epub", book, "--for", "pdf")
    assert wrong.returncode == 1 and NEXT_STEP.search(wrong.stderr), wrong.stderr
