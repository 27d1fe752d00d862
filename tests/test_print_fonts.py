"""pdf/print_fonts.py: an author's SVG naming the faces of its machine is set in the theme's.

The book carries Japanese and Hindi prose, so its fallback faces include Noto Serif CJK and Noto
Serif Devanagari: the set with which fontconfig once set a Graphviz diagram's "Times,serif" in
Noto Serif CJK's wide Latin (the Rust book's diagrams, their labels running into each other).
"""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from herpress.build import build
from herpress.epub.raster import rasterise
from herpress.reader import load_book

LABEL = "index value capacity"
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="40pt" viewBox="0 0 300 40">'
       '<text x="8" y="26" font-family="{family}" font-size="14">' + LABEL + '</text></svg>')
# each kind of name an SVG gives, and the theme's face that stands in for it
NAMED = {"Times,serif": "Linux Libertine O", "Helvetica,sans-Serif": "Linux Biolinum O",
         "Courier,monospace": "DejaVu Sans Mono"}


def _with_other_scripts(book):
    chapter = book / "manuscript" / "introduction.md"
    chapter.write_text(chapter.read_text() + "\n\nA book is 本 in Japanese and पुस्तक in Hindi.\n"
                       "\n```\nlet x = 1;\n```\n")
    return book


@pytest.mark.parametrize("named", sorted(NAMED))
def test_an_svg_drawn_for_kindle_is_set_in_the_theme_face_its_family_stands_for(book, named):
    """The raster of a diagram naming a machine's face equals, pixel for pixel, the raster of the
    same diagram naming the theme's face outright."""
    model = load_book(_with_other_scripts(book))
    named_svg, theme_svg = (SVG.format(family=family).encode() for family in (named, NAMED[named]))
    drawn, expected = rasterise([named_svg, theme_svg], model)
    assert drawn == expected


def test_the_print_edition_sets_an_svg_of_the_authors_in_the_theme_faces(book):
    _with_other_scripts(book)
    for n, family in enumerate(sorted(NAMED)):
        (book / "manuscript" / f"diagram{n}.svg").write_text(SVG.format(family=family))
    chapter = book / "manuscript" / "introduction.md"
    chapter.write_text(chapter.read_text() + "".join(f"\n\n![A label drawn in {family}](diagram{n}.svg)\n"
                                                     for n, family in enumerate(sorted(NAMED))))
    result = build(book, ("pdf",))
    faces = []
    for page in PdfReader(result.outputs["pdf"]).pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: LABEL in text and faces.append(
            str(font["/BaseFont"]).split("+", 1)[-1]))
    # print.css declares the text faces as "Libertine": the same files under the CSS's name
    expected = [{NAMED[family].replace(" ", "-")} | ({"Libertine"} if family == "Times,serif" else set())
                for family in sorted(NAMED)]
    assert len(faces) == len(expected) and all(face in names for face, names in zip(faces, expected)), faces
