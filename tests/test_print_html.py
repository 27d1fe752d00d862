"""``herpress pdf --html DIR``: the print HTML, CSS and files that plain WeasyPrint lays out into the same pages."""

from __future__ import annotations

import subprocess
import sys

import pytest
from checks import page_texts
from typer.testing import CliRunner

from herpress.build import build
from herpress.cli import app


@pytest.fixture(scope="module")
def floor(sample, sample_dir, tmp_path_factory):
    """The sample's print HTML folder (the parts come from the session's build: no layout again)."""
    folder = tmp_path_factory.mktemp("floor") / "html"
    result = build(sample_dir, ("pdf",), html=folder)
    return result, folder


def test_plain_weasyprint_prints_from_the_folder_what_herpress_printed(floor, tmp_path):
    result, folder = floor
    assert result.outputs["html"] == folder.resolve() / "book.html"
    out = tmp_path / "floor.pdf"
    run = subprocess.run([sys.executable, "-m", "weasyprint", str(folder / "book.html"), str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert page_texts(out) == page_texts(result.outputs["pdf"])  # glossary and index numbers included


def test_the_folder_holds_what_the_html_names_and_nothing_from_outside(floor):
    import re

    _, folder = floor
    html = (folder / "book.html").read_text()
    linked = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert linked == ["fonts.css", "print.css", "page-geometry.css"]
    for name in re.findall(r'\bsrc="([^"]+)"', html) + linked:
        assert (folder / name).is_file(), name
    for sheet in ("fonts.css", "print.css"):
        for reference in re.findall(r"url\(\s*['\"]?([^'\")]+)", (folder / sheet).read_text()):
            assert not reference.startswith(("/", "file:", "http")) and (folder / reference).is_file(), reference


def test_a_folder_written_before_is_replaced_whole(floor, sample_dir):
    _, folder = floor
    (folder / "images" / "stale.svg").write_text("<svg/>")
    build(sample_dir, ("pdf",), html=folder)
    assert not (folder / "images" / "stale.svg").exists() and (folder / "book.html").is_file()
    assert not list(folder.parent.glob(".html.*"))  # no staging folder left beside it


@pytest.mark.parametrize("where, said", [
    ("other", "holds other files"),
    ("manuscript/html", "holds the book's own files"),
])
def test_a_folder_that_is_not_herpress_s_to_write_is_refused(sample_dir, where, said):
    folder = sample_dir / where
    if where == "other":
        folder.mkdir(exist_ok=True)
        (folder / "notes.txt").write_text("mine")
    run = CliRunner().invoke(app, ["pdf", str(sample_dir), "--html", str(folder)])
    assert run.exit_code == 2 and said in run.output.replace("\n", " ")
    if where == "other":
        assert (folder / "notes.txt").read_text() == "mine"
    else:
        assert not folder.exists()
