"""book.toml: typed settings, and every mistake located by file and line."""

from __future__ import annotations

import pytest

from herpress.config import load_config
from herpress.errors import BookError

GOOD = """[book]
title = "A Book"
creator = "Someone"
publisher = "Press"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000000"

[contents]
chapters = ["one.md"]
"""


def config_error(tmp_path, text: str) -> BookError:
    path = tmp_path / "book.toml"
    path.write_text(text)
    with pytest.raises(BookError) as caught:
        load_config(path, shown_as="manuscript/book.toml")
    return caught.value


def test_good_config_loads(tmp_path):
    (tmp_path / "book.toml").write_text(GOOD)
    config = load_config(tmp_path / "book.toml")
    assert config.book.title == "A Book" and config.book.language == "en-US"
    assert config.contents.chapters == ["one.md"] and config.print.trim == "6x9"


def test_unknown_key_suggests_the_right_one(tmp_path):
    error = config_error(tmp_path, GOOD.replace('publisher = "Press"', 'publsher = "Press"'))
    assert str(error) == "manuscript/book.toml:4: unknown key 'publsher' in [book] (did you mean 'publisher'?)"


def test_wrong_type_names_the_line(tmp_path):
    error = config_error(tmp_path, GOOD.replace('chapters = ["one.md"]', "chapters = 3"))
    assert str(error) == "manuscript/book.toml:8: 'chapters' must be a list of strings"


def test_missing_metadata_is_a_default_and_a_warning(tmp_path):
    from herpress.sources import open_book

    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "book.toml").write_text(GOOD.replace('title = "A Book"\n', ""), encoding="utf-8")
    source = open_book(tmp_path)
    assert source.config.book.title == tmp_path.name.replace("-", " ").replace("_", " ").title()
    assert any("no title" in str(w) and str(w).startswith("manuscript/book.toml:") for w in source.warnings)


def test_toml_syntax_error_has_its_line(tmp_path):
    error = config_error(tmp_path, GOOD.replace('creator = "Someone"', "creator = Someone"))
    assert error.line == 3 and "invalid TOML" in error.message


def test_bad_language_tag(tmp_path):
    error = config_error(tmp_path, GOOD.replace("[contents]", 'language = "English"\n\n[contents]'))
    assert error.line == 7 and "language tag" in error.message


def test_missing_file(tmp_path):
    with pytest.raises(BookError, match="no book.toml"):
        load_config(tmp_path / "book.toml")


def test_not_utf8(tmp_path):
    (tmp_path / "book.toml").write_bytes(GOOD.encode().replace(b"A Book", b"A B\xf6ok"))
    with pytest.raises(BookError, match="not UTF-8"):
        load_config(tmp_path / "book.toml")
