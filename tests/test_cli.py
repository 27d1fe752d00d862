"""The command line: exit statuses, error format, --version, init."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from herpress import __version__
from herpress.cli import app

runner = CliRunner()


def herpress(*args, cwd=None):
    """Run the real console entry point in a subprocess (no traceback may escape)."""
    return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"herpress {__version__}"


def test_every_command_has_help():
    for command in ("build", "epub", "pdf", "init"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_help_does_not_import_the_layout_engine():
    code = "import sys; from herpress.cli import app; print(any(m.split('.')[0] in ('weasyprint', 'matplotlib', 'ebooklib') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_usage_error_exits_2():
    assert runner.invoke(app, ["build", "a", "b"]).exit_code == 2
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


def test_missing_manuscript_is_a_book_error(tmp_path):
    result = herpress("build", tmp_path)
    assert result.returncode == 1
    assert "no manuscript/ folder" in result.stderr and "Traceback" not in result.stderr


def test_book_error_names_file_and_line(tmp_path):
    runner.invoke(app, ["init", str(tmp_path / "b")])
    chapter = tmp_path / "b" / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\nSee [@fig:nowhere].\n")
    line = chapter.read_text().splitlines().index("See [@fig:nowhere].") + 1
    result = herpress("epub", tmp_path / "b")
    assert result.returncode == 1
    assert result.stderr.strip() == (f"manuscript/01-first-chapter.md:{line}: unknown label 'fig:nowhere' in "
                                     "[@fig:nowhere]: mark the target {#fig:nowhere}, or correct the label")
    assert not (tmp_path / "b" / "build" / "b.epub").exists()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["init", str(tmp_path / "x")])
    assert result.exit_code == 1 and (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_init_book_builds_both_outputs(init_book):
    assert init_book.outputs["epub"].stat().st_size > 0
    assert init_book.outputs["pdf"].read_bytes().startswith(b"%PDF")
    assert init_book.outputs["epub"].parent.name == "build"


def test_output_option_writes_where_asked(tmp_path, init_book):
    target = tmp_path / "elsewhere.epub"
    result = herpress("epub", init_book.book.root, "-o", target)
    assert result.returncode == 0, result.stderr
    assert target.is_file()


def test_the_console_script_freezes_what_it_made_before_the_interpreter_exits():
    code = ("import gc, sys; from herpress.cli import run; sys.argv = ['herpress', '--version']\n"
            "try:\n    run()\nexcept SystemExit as done:\n    print(done.code, gc.get_freeze_count() > 1000)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()[-2:] == ["0", "True"]
