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
