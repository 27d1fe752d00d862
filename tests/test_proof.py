"""Proof spreads: facing pages side by side, page 1 alone on the right."""

from __future__ import annotations

from PIL import Image

from herpress.pdf.proof import GAP, render_spreads, spreads


def test_spreads_pair_pages_as_the_book_opens():
    assert spreads(0) == []
    assert spreads(1) == [(None, 0)]
    assert spreads(4) == [(None, 0), (1, 2), (3, None)]
    assert spreads(5) == [(None, 0), (1, 2), (3, 4)]


def test_render_spreads_of_a_built_book(init_book, tmp_path):
    from pypdf import PdfReader

    path = init_book.outputs["pdf"]
    reader = PdfReader(str(path))
    written = render_spreads(path, tmp_path / "proof", dpi=30)
    assert len(written) == len(spreads(len(reader.pages)))
    trim = reader.pages[0].trimbox
    page_width = round(float(trim.width) / 72 * 30)
    with Image.open(written[0]) as first:
        assert abs(first.width - (2 * page_width + GAP)) <= 2
        left = first.crop((0, 0, page_width, first.height)).convert("L")
        right = first.crop((page_width + GAP, 0, first.width, first.height)).convert("L")
        assert left.getextrema() == (128, 128)  # nothing left of page 1: the inside of the front cover
        assert right.getextrema()[0] < 128  # page 1 (the half title) has type on it
    render_spreads(path, tmp_path / "proof", dpi=30)
    assert sorted(p.name for p in (tmp_path / "proof").iterdir()) == [p.name for p in written]
