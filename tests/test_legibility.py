"""herpress.pdf.legibility: the smallest type and the thinnest line of a print PDF, read back.

Small PDFs written here by hand with pikepdf (one page per case), and one laid out by WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from herpress.pdf import legibility
from herpress.pdf.legibility import legibility_problems, smallest_marks

REPO = Path(__file__).resolve().parents[1]


def make_pdf(path: Path, *pages: bytes, forms: dict | None = None, patterns: dict | None = None) -> Path:
    """A PDF of 6×9 in pages with these content streams. ``forms``: name → (content, /Matrix);
    ``patterns``: name → (content, /Matrix) of a tiling pattern. One font, /F1, named with a
    subset tag; every page shares one resource dictionary (as WeasyPrint's parts do)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name("/ABCDEF+TestSerif")))
    fonts = Dictionary(F1=font)
    xobjects = Dictionary()
    for name, (content, matrix) in (forms or {}).items():
        form = pdf.make_stream(content)
        form.Type, form.Subtype = Name.XObject, Name.Form
        form.BBox = Array([0, 0, 432, 648])
        if matrix is not None:
            form.Matrix = Array(matrix)
        form.Resources = Dictionary(Font=fonts)
        xobjects[Name("/" + name)] = form
    tiles = Dictionary()
    for name, (content, matrix) in (patterns or {}).items():
        tile = pdf.make_stream(content)
        tile.Type, tile.PatternType, tile.PaintType, tile.TilingType = Name.Pattern, 1, 1, 1
        tile.BBox, tile.XStep, tile.YStep = Array([0, 0, 10, 10]), 10, 10
        tile.Matrix = Array(matrix)
        tile.Resources = Dictionary()
        tiles[Name("/" + name)] = tile
    resources = pdf.make_indirect(Dictionary(Font=fonts, XObject=xobjects, Pattern=tiles))
    for content in pages:
        pdf.add_blank_page(page_size=(432, 648))
        page = pdf.pages[-1]
        page.obj.Resources = resources
        page.obj.Contents = pdf.make_stream(content)
    pdf.save(path)
    return path


def sizes(path: Path) -> list[float | None]:
    return [round(p.type.size, 4) if p.type else None for p in smallest_marks(path).pages]


def widths(path: Path) -> list[float | None]:
    return [round(p.line.width, 4) if p.line else None for p in smallest_marks(path).pages]


# ---------- type ----------

def test_type_is_scaled_by_the_ctm_and_the_text_matrix(tmp_path):
    path = make_pdf(tmp_path / "a.pdf",
                    b"q 1.5 0 0 1.5 0 0 cm BT /F1 6 Tf 10 10 Td (big) Tj ET Q",       # 9 pt
                    b"q 0.5 0 0 0.5 0 0 cm BT /F1 10 Tf 10 10 Td (small) Tj ET Q",    # 5 pt
                    b"BT /F1 1 Tf 12 0 0 12 72 72 Tm [(by) -20 (Tm)] TJ ET",          # 12 pt
                    b"q 2 0 0 2 0 0 cm Q BT /F1 8 Tf (after Q) Tj ET")                # the cm undone: 8 pt
    assert sizes(path) == [9.0, 5.0, 12.0, 8.0]
    marks = smallest_marks(path)
    assert marks.pages[1].type.font == "TestSerif"  # the subset tag dropped
    assert (marks.pages[1].type.x, marks.pages[1].type.y) == pytest.approx((5.0, 5.0))
    assert marks.smallest_type[0] == 2
    problems = legibility_problems(path, 7, 0.25, service="KDP")
    assert problems == ["page 2: type set at 5 pt (font TestSerif) — KDP's minimum is 7 pt"]


def test_type_in_a_form_is_scaled_by_its_matrix_and_the_ctm_at_the_call(tmp_path):
    forms = {"Fm1": (b"BT /F1 10 Tf (label) Tj ET", [0.5, 0, 0, 0.5, 0, 0])}
    path = make_pdf(tmp_path / "form.pdf",
                    b"q 1.2 0 0 1.2 0 0 cm /Fm1 Do Q",   # 10 × 0.5 × 1.2 = 6 pt
                    b"/Fm1 Do",                          # the same form, read once: 5 pt
                    b"q 0 2 -2 0 0 0 cm /Fm1 Do Q",      # turned and doubled: 10 pt
                    b"BT /F1 9 Tf (text) Tj ET",          # no form: 9 pt
                    forms=forms)
    assert sizes(path) == [6.0, 5.0, 10.0, 9.0]
    page = smallest_marks(path).pages[0]
    assert page.type.context == "form"
    assert legibility_problems(path, 7, 0.25)[0] == (
        "page 1: type set at 6 pt (font TestSerif, in a chart or SVG image?) — the printer's minimum is 7 pt")


def test_invisible_and_empty_text_is_not_type(tmp_path):
    path = make_pdf(tmp_path / "invisible.pdf",
                    b"BT /F1 4 Tf 3 Tr (hidden) Tj 0 Tr /F1 8 Tf (seen) Tj ET",
                    b"BT /F1 3 Tf 7 Tr (clip only) Tj ET BT 0 Tr /F1 9 Tf (seen) Tj ET",
                    b"BT /F1 2 Tf () Tj [-200] TJ /F1 10 Tf (seen) Tj ET",
                    b"q BT 3 Tr ET Q BT /F1 4 Tf (visible: Q restored mode 0) Tj ET")
    assert sizes(path) == [8.0, 9.0, 10.0, 4.0]


def test_rotated_and_horizontally_scaled_type_keeps_its_size(tmp_path):
    path = make_pdf(tmp_path / "rotated.pdf",
                    b"BT /F1 8 Tf 0 1 -1 0 100 100 Tm (upright label) Tj ET",      # turned 90°: 8 pt
                    b"q 0 1.25 -1.25 0 300 0 cm BT /F1 8 Tf (spine) Tj ET Q",      # turned and scaled: 10 pt
                    b"BT /F1 8 Tf 50 Tz (condensed) Tj ET",                        # Tz: narrower, not smaller
                    b"BT /F1 8 Tf 0.6 0.8 -0.8 0.6 0 0 Tm (turned 53 degrees) Tj ET",
                    b"q 1 0 0 0.5 0 0 cm BT /F1 8 Tf (squashed) Tj ET Q")           # half as tall: 4 pt
    assert sizes(path) == [8.0, 10.0, 8.0, 8.0, 4.0]


def test_a_size_just_under_the_limit_is_not_rounded_up_to_it(tmp_path):
    path = make_pdf(tmp_path / "close.pdf", b"BT /F1 6.96 Tf (x) Tj ET", b"BT /F1 6.999 Tf (x) Tj ET")
    assert legibility_problems(path, 7, 0.25) == [
        "page 1: type set at 6.96 pt (font TestSerif) — the printer's minimum is 7 pt"]  # 6.999: within tolerance


# ---------- lines ----------

def test_a_hairline_is_always_too_thin(tmp_path):
    path = make_pdf(tmp_path / "hairline.pdf",
                    b"0 w 10 10 m 200 10 l S",
                    b"q 10 0 0 10 0 0 cm 0 w 1 1 m 20 1 l S Q",  # still a hairline, however scaled
                    b"1 w 10 10 m 200 10 l S")
    assert widths(path) == [0.0, 0.0, 1.0]
    problems = legibility_problems(path, 7, 0.25, service="IngramSpark")
    assert [p.split(":")[0] for p in problems] == ["page 1", "page 2"]
    assert "hairline" in problems[0] and "IngramSpark's minimum is 0.25 pt" in problems[0]


def test_a_line_is_scaled_by_the_ctm(tmp_path):
    path = make_pdf(tmp_path / "scaled.pdf",
                    b"q 0.4 0 0 0.4 0 0 cm 0.5 w 10 10 m 200 10 l S Q",   # 0.2 pt
                    b"q 0 -0.4 0.4 0 0 600 cm 0.5 w 10 10 m 200 10 l S Q",  # turned: 0.2 pt
                    b"0.5 w 10 10 m 200 10 l S",                        # 0.5 pt
                    b"q 0.75 0 0 0.75 0 0 cm 0.333333 w 10 10 m 200 10 l S Q",  # 0.25 pt in CSS pixels
                    b"0.1 w 10 10 m S 1 w 10 10 m 20 20 l S")           # a lone moveto draws nothing
    assert widths(path) == [0.2, 0.2, 0.5, 0.25, 1.0]
    assert legibility_problems(path, 7, 0.25) == [
        "page 1: a line 0.2 pt thick — the printer's minimum is 0.25 pt",
        "page 2: a line 0.2 pt thick — the printer's minimum is 0.25 pt"]


def test_a_line_under_a_non_uniform_scale_is_measured_across_its_direction(tmp_path):
    squash = b"q 1 0 0 0.2 0 0 cm 1 w "
    path = make_pdf(tmp_path / "squashed.pdf",
                    squash + b"10 10 m 200 10 l S Q",   # horizontal: squashed to 0.2 pt (sqrt(det) would say 0.45)
                    squash + b"10 10 m 10 200 l S Q",   # vertical: its width is along x, 1 pt
                    squash + b"10 10 100 100 re S Q")   # a box: its top and bottom are 0.2 pt
    assert widths(path) == [0.2, 1.0, 0.2]


def test_lines_in_forms_and_patterns(tmp_path):
    forms = {"Fm1": (b"0.5 w 0 0 m 100 0 l S", [0.5, 0, 0, 0.5, 0, 0])}
    patterns = {"P1": (b"0.3 w 0 0 m 10 10 l S", [0.5, 0, 0, 0.5, 0, 0])}  # a hatch
    path = make_pdf(tmp_path / "nested.pdf",
                    b"/Fm1 Do",                                      # 0.25 pt
                    b"q 0.8 0 0 0.8 0 0 cm /Fm1 Do Q",               # 0.2 pt
                    b"/Pattern cs /P1 scn 0 0 100 100 re f",         # the hatch: 0.15 pt
                    b"q 2 0 0 2 0 0 cm /Pattern cs /P1 scn 0 0 50 50 re f Q",  # a pattern ignores the CTM
                    forms=forms, patterns=patterns)
    assert widths(path) == [0.25, 0.2, 0.15, 0.15]
    marks = smallest_marks(path)
    assert [p.line.context for p in marks.pages] == ["form", "form", "pattern", "pattern"]
    assert "in a pattern" in legibility_problems(path, 7, 0.25)[-1]


def test_thin_filled_rectangles_are_rules(tmp_path):
    path = make_pdf(tmp_path / "rules.pdf",
                    b"10 300 300 0.1 re f",                                  # a 0.1 pt rule
                    b"64.8 753.2 453.6 34 re 64.8 752.6 453.6 34.6 re f*",   # WeasyPrint's border-top: 0.6 ...
                    b"q 0.2 0 0 0.2 0 0 cm 64.8 753.2 453.6 34 re 64.8 752.6 453.6 34.6 re f* Q",  # ... × 0.2: 0.12
                    b"10 10 100 50 re 10 10 100 50.1 re f",                  # non-zero, one way: one box, 50.1 tall
                    b"10 10 100 50 re 110 10 -100 50.1 re f",                # non-zero, drawn both ways: a ring
                    b"0 0 0 0 re W n 10 10 m 300 10 l 300 10.1 l 10 10.1 l h f",  # a thin bar drawn as a path
                    b"20 20 0 300 re f 30 30 100 100 re f")                  # a zero-width box paints nothing
    assert widths(path) == [0.1, 0.6, 0.12, 50.1, 0.1, None, 100.0]
    marks = smallest_marks(path)
    assert marks.pages[0].line.kind == "rule"
    assert "(a filled rule: a border?)" in legibility_problems(path, 7, 0.25)[0]


# ---------- reading each form once ----------

def count_runs(monkeypatch) -> list:
    """The content streams the reader interprets, one entry each time."""
    runs = []
    run = legibility._Reader.run
    monkeypatch.setattr(legibility._Reader, "run", lambda self, stream, *a: runs.append(stream) or run(self, stream, *a))
    return runs


def test_a_form_is_read_once_whatever_its_scale(tmp_path, monkeypatch):
    forms = {"Fm1": (b"BT /F1 10 Tf (label) Tj ET 0.5 w 0 0 m 10 0 l S", None)}
    pages = [b"q %g 0 0 %g 0 0 cm /Fm1 Do Q" % (s, s) for s in (0.5, 1, 2)] * 20
    path = make_pdf(tmp_path / "shared.pdf", *pages, forms=forms)
    runs = count_runs(monkeypatch)
    assert sizes(path) == [5.0, 10.0, 20.0] * 20
    assert widths(path)[:3] == [0.25, 0.5, 1.0]
    assert len(runs) == 2 * (60 + 1)  # each page, and the form once (twice: sizes(), widths())


def test_copies_of_one_drawing_moved_apart_are_read_once_and_placed_right(tmp_path, monkeypatch):
    """WeasyPrint draws each use of an SVG image as its own form, which starts by moving there."""
    body = b"\nq BT /F1 6 Tf 5 5 Td (mark) Tj ET Q"
    forms = {"Fm1": (b"1 0 0 1 10 20 cm" + body, None), "Fm2": (b"1 0 0 1 300 400 cm" + body, None),
             "Fm3": (b"1 0 0 1 300 400 cm\nq BT /F1 5 Tf 5 5 Td (other) Tj ET Q", None)}
    path = make_pdf(tmp_path / "copies.pdf", b"/Fm1 Do", b"/Fm2 Do", b"q 2 0 0 2 0 0 cm /Fm2 Do Q", b"/Fm3 Do",
                    forms=forms)
    runs = count_runs(monkeypatch)
    pages = smallest_marks(path).pages
    assert [p.type.size for p in pages] == [6.0, 6.0, 12.0, 5.0]
    assert [(p.type.x, p.type.y) for p in pages] == [(15, 25), (305, 405), (610, 810), (305, 405)]
    assert len(runs) == 4 + 2  # the pages; Fm1 (Fm2 is a copy of it) and Fm3


# ---------- what WeasyPrint draws ----------

def test_a_weasyprint_pdf(tmp_path):
    """Type set at 6 pt, a 0.1 pt border-top (a filled band) and a 0.2 pt collapsed table rule (a stroke)."""
    weasyprint = pytest.importorskip("weasyprint")
    fonts = (REPO / "styles" / "fonts").as_uri()
    html = f"""<!doctype html><html><head><style>
      @font-face {{ font-family: Libertine; src: url({fonts}/LinLibertine_R.otf); }}
      @page {{ size: 5in 8in; margin: 0.75in; }}
      body {{ font-family: Libertine; font-size: 10pt; }}
      p.small {{ font-size: 6pt; border-top: 0.1pt solid black; padding-top: 2pt; }}
      table {{ border-collapse: collapse; break-before: page; }}
      td {{ border-bottom: 0.2pt solid black; }}
    </style></head><body>
      <p>Body text at ten points.</p>
      <p class="small">A note set at six points under a thin rule.</p>
      <table><tr><td>one</td><td>two</td></tr><tr><td>three</td><td>four</td></tr></table>
    </body></html>"""
    path = tmp_path / "weasy.pdf"
    weasyprint.HTML(string=html, base_url=str(tmp_path)).write_pdf(path)
    pages = smallest_marks(path).pages
    assert len(pages) == 2
    assert pages[0].type.size == pytest.approx(6.0, abs=0.01) and pages[0].type.font.startswith("Libertine")
    assert pages[0].line.width == pytest.approx(0.1, abs=0.005) and pages[0].line.kind == "rule"
    assert pages[1].type.size == pytest.approx(10.0, abs=0.01)
    assert pages[1].line.width == pytest.approx(0.2, abs=0.005) and pages[1].line.kind == "stroke"
    problems = legibility_problems(path, 7, 0.25, service="KDP")
    assert problems[0].startswith("page 1: type set at 6 pt (font Libertine")
    assert problems[1] == "page 1: a line 0.1 pt thick (a filled rule: a border?) — KDP's minimum is 0.25 pt"
    assert problems[2] == "page 2: a line 0.2 pt thick — KDP's minimum is 0.25 pt"
    assert len(problems) == 3
