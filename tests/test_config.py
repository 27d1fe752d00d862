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
    assert str(error) == "manuscript/book.toml:8: 'chapters' must be a list of strings: write chapters = [\"…\", \"…\"]"


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


# --- metadata an EPUB or a file system could not hold ---------------------------------------------

@pytest.mark.parametrize("line, words", [
    ('identifier = "urn:uuid:0000\\"0000"', "the character '\"'"),
    ('identifier = "urn:isbn:978\\n0306406157"', "a space or line break"),
    ('identifier = "my book"', "a space or line break"),
    ('date = "2026-13-45"', "is not an ISO 8601 date"),
    ('date = "2026-02-30"', "is not an ISO 8601 date"),
    ('date = "24 November 2026"', "is not an ISO 8601 date"),
    ('language = "en_us!"', "language tag"),
    ('subtitle = "Bell\\u0007"', "control character U+0007"),
    ('slug = "../../escaped"', "slug"),
    ('slug = "' + "a" * 81 + '"', "slug"),
])
def test_metadata_values_are_checked_at_their_line(tmp_path, line, words):
    if line.startswith("identifier"):  # line 5 of GOOD
        text = GOOD.replace('identifier = "urn:uuid:00000000-0000-4000-8000-000000000000"', line)
    else:
        text = GOOD.replace('publisher = "Press"\n', 'publisher = "Press"\n' + line + "\n")
    error = config_error(tmp_path, text)
    assert error.line == 5 and words in error.message, str(error)


def test_every_bad_value_is_reported_in_one_run(tmp_path):
    text = GOOD.replace('publisher = "Press"\n', 'publisher = "Press"\ndate = "2026-13-45"\nlanguage = "x"\n') \
        .replace('title = "A Book"', 'title = "A\\u0000Book"').replace('chapters = ["one.md"]', 'chapters = ["o\\u0000ne.md"]')
    error = config_error(tmp_path, text)
    assert [(e.line, e.message.split(" ")[0]) for e in error.errors] == [(2, "'title'"), (5, "date"), (6, "'x'"),
                                                                         (10, "file")]
    assert "U+0000" in error.errors[-1].message


@pytest.mark.parametrize("value", ["2026", "2026-11", "2026-11-24", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00+02:00"])
def test_iso_dates_are_accepted(tmp_path, value):
    (tmp_path / "book.toml").write_text(GOOD.replace('[contents]', f'date = "{value}"\n\n[contents]'))
    assert load_config(tmp_path / "book.toml").book.date == value


def test_an_unquoted_toml_date_is_taken_as_written(tmp_path):
    (tmp_path / "book.toml").write_text(GOOD.replace('[contents]', 'date = 2026-11-24\n\n[contents]'))
    assert load_config(tmp_path / "book.toml").book.date == "2026-11-24"


def test_a_uuid_identifier_that_is_no_uuid_is_a_warning(tmp_path):
    from herpress.sources import open_book

    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "book.toml").write_text(GOOD.replace("00000000-0000-4000-8000-000000000000", "12"))
    warnings = [str(w) for w in open_book(tmp_path).warnings]
    assert any(w.startswith("manuscript/book.toml:1: warning: identifier 'urn:uuid:12' is marked as a UUID")
               for w in warnings), warnings


def test_book_toml_that_is_a_fifo_is_refused_without_waiting(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "manuscript").mkdir()
    os.mkfifo(tmp_path / "manuscript" / "book.toml")
    result = subprocess.run([sys.executable, "-m", "herpress", "check", str(tmp_path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "manuscript/book.toml" in result.stdout and "not a regular file" in result.stdout
