"""The build function: outputs appear whole or not at all."""

from __future__ import annotations

import pytest

from herpress.build import atomic, build
from herpress.errors import BookError


def test_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"previous good build")
    with pytest.raises(RuntimeError):
        with atomic(target) as temporary:
            temporary.write_bytes(b"half a fi")
            raise RuntimeError("crash in the middle")
    assert target.read_bytes() == b"previous good build"
    assert list(tmp_path.iterdir()) == [target]


def test_failed_build_leaves_previous_outputs_intact(tmp_path, init_book):
    import shutil

    book = tmp_path / "copy"
    shutil.copytree(init_book.book.root / "manuscript", book / "manuscript")
    first = build(book)
    before = {fmt: path.read_bytes() for fmt, path in first.outputs.items()}
    chapter = book / "manuscript" / "01-first-chapter.md"
    chapter.write_text(chapter.read_text() + "\n[[undefined term]]\n")
    with pytest.raises(BookError):
        build(book)
    assert {fmt: path.read_bytes() for fmt, path in first.outputs.items()} == before
