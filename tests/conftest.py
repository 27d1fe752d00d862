"""One build of each book per test session, shared by every test that reads its outputs."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/checks.py

from herpress.build import build  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """A copy of the repository's own book (the guide to *Her*), so tests never touch build/."""
    folder = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "manuscript", folder / "manuscript")
    return folder


@pytest.fixture(scope="session")
def sample(sample_dir):
    """The sample book built once: ``result.outputs['epub']``, ``['pdf']``, ``result.book``."""
    return build(sample_dir)


@pytest.fixture(scope="session")
def init_book(tmp_path_factory):
    """A book made by ``herpress init`` through the real CLI, then built."""
    from typer.testing import CliRunner

    from herpress.cli import app

    folder = tmp_path_factory.mktemp("init") / "my-book"
    result = CliRunner().invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    return build(folder)


@pytest.fixture
def book(tmp_path, init_book):
    """A fresh copy of the ``herpress init`` book's manuscript, for a test to change."""
    folder = tmp_path / "book"
    shutil.copytree(init_book.book.root / "manuscript", folder / "manuscript")
    return folder


@pytest.fixture(scope="session")
def profile_pdfs(sample, tmp_path_factory):
    """The sample book's interior laid out once under each print profile: name → (pdf path, PrintLayout)."""
    from herpress import profiles
    from herpress.writers.pdf import write_pdf

    folder = tmp_path_factory.mktemp("profiles")
    return {name: (folder / f"{name}.pdf", write_pdf(sample.book, folder / f"{name}.pdf", profiles.get(name)))
            for name in profiles.PROFILES}


@pytest.fixture(scope="session")
def small_book(init_book):
    """The small ``herpress init`` book, read into the model (for trims, covers and reproducibility)."""
    return init_book.book


@pytest.fixture(scope="session")
def sample_layout(sample):
    """The sample book laid out again by the PDF writer, to read where each element fell
    (``page.anchors``) independently of the page numbers the book prints."""
    from herpress.writers.pdf import layout

    return layout(sample.book)


MARKS_FILLER = ("Filler{^filler} text goes on, and on, about [[filler]] and nothing else, so that the "
                "chapter runs over several pages and the marks fall on pages in a row. ") * 4


@pytest.fixture(scope="session")
def marks_book(tmp_path_factory):
    """A small book built to both formats whose glossary and index marks fall on consecutive pages,
    twice on one page, in a footnote, as sub-entries and "see" references; with a captioned table."""
    folder = tmp_path_factory.mktemp("marks")
    manuscript = folder / "manuscript"
    manuscript.mkdir()
    (manuscript / "book.toml").write_text(
        '[book]\ntitle = "Marks"\ncreator = "T"\npublisher = "T"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000aa"\n\n'
        '[contents]\nchapters = ["long.md", "short.md"]\nglossary = "glossary.md"\n')
    paragraphs = "\n\n".join(MARKS_FILLER for _ in range(14))
    (manuscript / "long.md").write_text(
        "# The Long Chapter {#ch:long}\n\n"
        "An [[échelon]]{^échelon} and an [[Echo]]{^echo}, then the echo again{^echo} in one paragraph."
        "[^n]\n\n" + paragraphs + "\n\n## Later {#sec:later}\n\nThe end{^filler!end of} of [[filler]].\n\n"
        "[^n]: A note that marks [[apple]]{^apple} and {^Zebra}.\n")
    (manuscript / "short.md").write_text(
        "# The Short Chapter {#ch:short}\n\n"
        "Back to [@sec:later], [@ch:long] and [@tab:counts]{^Alias|see filler}.\n\n"
        "Table: How often each mark appears {#tab:counts}\n\n| Mark | Times |\n|---|---|\n| filler | many |\n")
    (manuscript / "glossary.md").write_text(
        "# Glossary\n\nZebra crossing\n:   Never marked.\n\nfiller\n:   Words that fill.\n\n"
        "Échelon\n:   A level.\n\nApple\n:   A fruit.\n\nEcho\n:   Said again.\n")
    return build(folder)
