"""Print profiles: the services' numbers, and choosing a profile in book.toml."""

from __future__ import annotations

import pytest

from herpress.pdf import profiles
from herpress.config import load_config
from herpress.errors import BookError


def test_every_profile_is_complete_and_consistent():
    for name, profile in profiles.PROFILES.items():
        assert profile.name == name
        assert profile.bleed_sides in ("none", "outside", "all")
        assert [limit for limit, _ in profile.gutters] == sorted(limit for limit, _ in profile.gutters)
        assert profile.min_pages <= profile.max_pages


def test_services_rules():
    kdp, ingram, lulu, screen = (profiles.get(n) for n in ("kdp", "ingramspark", "lulu", "screen"))
    assert not kdp.bleeds(False) and kdp.bleeds(True) and kdp.bleed_sides == "outside"
    assert lulu.bleeds(False) and lulu.bleed_sides == "all" and lulu.safety >= 0.5
    assert lulu.inside_margin(100, 0.6) >= 0.5 + 0.2
    assert ingram.pdf_variant.startswith("pdf/x") and ingram.cmyk
    assert not kdp.annotations and not kdp.bookmarks
    assert screen.annotations and screen.bookmarks and screen.pdf_variant == "pdf/ua-1"
    assert (kdp.min_pages, kdp.max_pages) == (24, 828)


@pytest.mark.parametrize("pages, paper, spine", [(100, "white", 0.2252), (100, "cream", 0.25), (444, "white", None)])
def test_spine_width(pages, paper, spine):
    assert profiles.get("kdp").spine_width(pages, paper) == pytest.approx(pages * {"white": 0.002252, "cream": 0.0025}[paper])
    assert profiles.get("lulu").spine_width(pages, paper) == pytest.approx(pages / 444 + 0.06)


def test_unknown_profile_is_an_error():
    with pytest.raises(BookError, match="unknown print profile 'kpd'"):
        profiles.get("kpd")


BASE = '''[book]
title = "T"
creator = "C"
publisher = "P"
identifier = "urn:uuid:0"

[contents]
chapters = ["a.md"]

[print]
'''


def test_profile_and_paper_are_read_from_book_toml(tmp_path):
    path = tmp_path / "book.toml"
    path.write_text(BASE + 'profile = "lulu"\npaper = "cream"\ntrim = "5x8"\nfull_bleed = true\n')
    settings = load_config(path).print
    assert (settings.profile, settings.paper, settings.trim, settings.full_bleed) == ("lulu", "cream", "5x8", True)


@pytest.mark.parametrize("line, message, number", [('profile = "kindle"', "unknown print profile 'kindle'", 11),
                                                   ('paper = "blue"', "unknown paper 'blue'", 11),
                                                   ('full_bleed = "yes"', "'full_bleed' must be true or false", 11)])
def test_bad_print_settings_name_the_line(tmp_path, line, message, number):
    path = tmp_path / "book.toml"
    path.write_text(BASE + line + "\n")
    with pytest.raises(BookError) as error:
        load_config(path)
    assert message in str(error.value) and error.value.line == number
