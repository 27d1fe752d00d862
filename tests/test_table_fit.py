"""Tables too wide for the text block (herpress.pdf.table_fit): set smaller, turned, never cut."""

from __future__ import annotations

import re

from checks import page_texts

from herpress.pdf.interior import Typesetter
from herpress.pdf.table_fit import fit_tables
from herpress.xhtml import parse_xhtml
from herpress.pdf import profiles


def _plain(text: str) -> str:
    return re.sub(r"[\s\u2010-]+", "", text)


def test_every_cell_of_the_wide_tables_is_printed(wide_book):
    printed = _plain("".join(page_texts(wide_book.outputs["pdf"])))
    for r in range(5):
        for i in range(12):
            assert f"cell{r}x{i}longerword" in printed, (r, i)
    for r in range(6):
        for i in range(8):
            assert f"value_{r}_{i}_x" in printed, (r, i)


def test_a_table_that_fits_only_turned_is_turned_and_the_widest_is_set_small_and_broken(wide_book):
    book = wide_book.book
    profile = profiles.get(book.print_settings.profile)
    typesetter = Typesetter(book, profile)
    typesetter.set_geometry(40)
    fitted = fit_tables(typesetter.bodies, typesetter.geometry, typesetter.render_more)
    body = parse_xhtml(next(iter(fitted.values())))
    twelve, eight = [set((table.get("class") or "").split()) for table in body.iter("table")]
    assert {"fit-small", "fit-broken"} <= twelve  # too wide even turned: narrow columns, nothing cut
    assert "fit-turned" in eight and eight.isdisjoint({"fit-broken", "fit-hyphenated"})
    assert body.find(".//div[@class='turned-page']/div[@class='turned']/table") is not None


def test_a_narrow_table_is_left_as_it_is(marks_book):
    book = marks_book.book
    profile = profiles.get(book.print_settings.profile)
    typesetter = Typesetter(book, profile)
    typesetter.set_geometry(40)
    assert fit_tables(typesetter.bodies, typesetter.geometry, typesetter.render_more) == typesetter.bodies
