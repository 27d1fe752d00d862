"""The print interior's inks (issue 19): a black-and-white interior holds gray only, IngramSpark's
colour PDF/X holds CMYK only under 240 % total ink, each read back here with pikepdf and a
Ghostscript CMYK render independently of :mod:`herpress.pdf.inks`' own reader."""

from __future__ import annotations

import re
import shutil
import subprocess

import pikepdf
import pytest

from herpress.build import build
from herpress.pdf import inkcheck, inks

from conftest import REPO


def _sample_under(tmp_path_factory, name: str, interior: str):
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(REPO / "manuscript", folder / "manuscript")
    toml = folder / "manuscript" / "book.toml"
    toml.write_text(toml.read_text().replace("[contents]", f'[print]\ninterior = "{interior}"\n\n[contents]'))
    return build(folder, ("pdf",), profile="ingramspark")


@pytest.fixture(scope="session")
def bw_ingramspark(tmp_path_factory):
    return _sample_under(tmp_path_factory, "bw", "bw")


@pytest.fixture(scope="session")
def colour_ingramspark(tmp_path_factory):
    return _sample_under(tmp_path_factory, "colour", "color")


COLOUR_OPS = {"g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN"}


def colours_of(path):
    """Every colour the PDF sets, read here on its own: (page, operator, operands) for each colour
    operator of each page's content and of every form and pattern reached from it (recursively),
    and (page, "image", colour space) for each image."""
    found = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            def visit(stream, resources, depth=0):
                for operands, operator in pikepdf.parse_content_stream(stream):
                    if str(operator) in COLOUR_OPS:
                        found.append((number, str(operator), [str(v) if isinstance(v, pikepdf.Name) else float(v)
                                                              for v in operands if not isinstance(v, pikepdf.Array)]))
                for key in ("/XObject", "/Pattern"):
                    for child in ((resources or {}).get(key) or {}).values():
                        if child.get("/Subtype") == "/Image":
                            found.append((number, "image", str(child.get("/ColorSpace"))))
                        elif depth < 10 and isinstance(child, pikepdf.Stream):
                            visit(child, child.get("/Resources"), depth + 1)
            visit(page.obj, page.obj.get("/Resources"))
        icc = [str(obj.get("/N")) for obj in pdf.objects
               if isinstance(obj, pikepdf.Stream) and "/N" in obj and "/Alternate" in obj or
               (isinstance(obj, pikepdf.Array) and len(obj) and str(obj[0]) == "/ICCBased")]
        intents = [{"condition": str(intent.get("/OutputConditionIdentifier", "")),
                    "profile components": int(intent.DestOutputProfile.N) if "/DestOutputProfile" in intent else None}
                   for intent in pdf.Root.get("/OutputIntents", [])]
    return found, icc, intents


def test_a_black_and_white_interior_holds_gray_only(bw_ingramspark):
    found, icc, intents = colours_of(bw_ingramspark.outputs["pdf"])
    operators = {op for _, op, _ in found}
    assert "g" in operators and ({"rg", "RG"} & operators) == set(), operators
    for page, op, operands in found:
        if op in ("k", "K"):
            assert operands[:3] == [0, 0, 0], (page, op, operands)  # black ink alone
        if op in ("cs", "CS"):
            assert operands[0] in ("/DeviceGray", "/Pattern"), (page, op, operands)
        if op == "image":
            assert operands == "/DeviceGray", (page, operands)
    assert not icc, "a black-and-white interior embeds no ICC profile"
    assert intents and all(intent["profile components"] is None for intent in intents), intents
    assert intents[0]["condition"] == inks.GRAY_CONDITION


def test_the_charts_are_drawn_in_gray_tones_in_a_black_and_white_interior(bw_ingramspark):
    found, _, _ = colours_of(bw_ingramspark.outputs["pdf"])
    pages = {page for page, op, _ in found if op == "g"}
    tones = {round(operands[0], 2) for _, op, operands in found if op == "g"}
    assert len(tones) >= 3, tones  # text black, rules and the charts' fills: more than black and white
    assert len(pages) > 10


def test_a_colour_interior_for_ingramspark_holds_no_rgb_and_stays_under_its_ink_limit(colour_ingramspark):
    path = colour_ingramspark.outputs["pdf"]
    found, _, intents = colours_of(path)
    operators = {op for _, op, _ in found}
    assert not ({"rg", "RG"} & operators), operators
    assert any(op == "k" and operands[:3] != [0, 0, 0] for _, op, operands in found), "the charts keep their colour"
    for page, op, operands in found:
        if op in ("cs", "CS"):
            assert operands[0] in ("/DeviceGray", "/DeviceCMYK", "/Pattern"), (page, op, operands)
        if op == "image":
            assert operands in ("/DeviceGray", "/DeviceCMYK"), (page, operands)
    assert intents[0]["profile components"] == 4  # a CMYK output intent
    # total ink on a CMYK render by Ghostscript, read here from its TIFFs
    import numpy
    from PIL import Image

    out = path.parent / "render"
    out.mkdir()
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiff32nc", "-r40",
                    f"-sOutputFile={out}/p%03d.tif", str(path)], check=True)
    most = [float(numpy.asarray(Image.open(tif), dtype=numpy.float32).sum(axis=-1).max()) / 255 * 100
            for tif in sorted(out.glob("p*.tif"))]
    assert len(most) == len(pikepdf.open(path).pages)
    assert max(most) <= 240.5, max(most)
    assert max(most) > 100, "the charts' colours print in more than one ink"
    shutil.rmtree(out)


def test_text_prints_in_black_ink_alone_in_the_colour_interior(colour_ingramspark):
    found, _, _ = colours_of(colour_ingramspark.outputs["pdf"])
    text_pages = {page for page, op, operands in found if (op == "k" and operands == [0, 0, 0, 1])
                  or (op == "g" and operands == [0])}
    assert len(text_pages) > 20


@pytest.mark.parametrize("rgb", [(0.1, 0.05, 0.2), (0.3, 0.0, 0.0), (0.0, 0.2, 0.1)])
def test_dark_colours_are_capped_at_the_ink_limit_and_black_is_kept(rgb):
    inking = inks.Inking("cmyk", REPO / "styles" / "color" / "default_cmyk.icc", 2.40)
    c, m, y, k = inking.colour(rgb, "rgb")
    assert c + m + y + k <= 2.40 + 1e-6
    free = inks.Inking("cmyk", REPO / "styles" / "color" / "default_cmyk.icc", None).colour(rgb, "rgb")
    assert sum(free) > 2.40, free  # the profile alone would have laid down more
    assert k == pytest.approx(free[3])


def test_neutrals_become_gray_and_gray_keeps_its_lightness():
    inking = inks.Inking("gray")
    assert inking.colour((0.0, 0.0, 0.0), "rgb") == (0.0,)
    assert inking.colour((0.5, 0.5, 0.5), "rgb") == (0.5,)
    red, green = inking.colour((1.0, 0.0, 0.0), "rgb")[0], inking.colour((0.0, 1.0, 0.0), "rgb")[0]
    assert red < green  # green is the lighter, as the eye sees it
    cmyk = inks.Inking("cmyk", REPO / "styles" / "color" / "default_cmyk.icc", 2.4)
    assert cmyk.colour((0.2, 0.2, 0.2), "rgb") == (0.2,)  # a gray in a CMYK file: black ink alone


def test_an_authors_colour_image_is_printed_in_gray_with_a_warning_naming_it(tmp_path):
    from PIL import Image

    folder = tmp_path / "photo-book"
    manuscript = folder / "manuscript"
    (manuscript / "images").mkdir(parents=True)
    Image.new("RGB", (900, 600), (200, 40, 40)).save(manuscript / "images" / "red.png")
    Image.new("RGB", (900, 600), (90, 90, 90)).save(manuscript / "images" / "gray.png")
    (manuscript / "book.toml").write_text(
        '[book]\ntitle = "Photos"\ncreator = "T"\npublisher = "T"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000ab"\n\n[contents]\nchapters = ["one.md"]\n')
    (manuscript / "one.md").write_text("# One\n\nA red one:\n\n![A red square](images/red.png)\n\n"
                                       "A gray one:\n\n![A gray square](images/gray.png)\n")
    result = build(folder, ("pdf",))
    said = [str(w) for w in result.book.warnings]
    assert any("images/red.png is in colour" in w and "one.md:5" in w for w in said), said
    assert not any("gray.png" in w for w in said), said
    found, _, _ = colours_of(result.outputs["pdf"])
    images = [operands for _, op, operands in found if op == "image"]
    assert images and set(images) == {"/DeviceGray"}, images
    with pikepdf.open(result.outputs["pdf"]) as pdf:  # each decodes, to the gray of its colour
        tones = set()
        for page in pdf.pages:
            for image in page.get_images().values():
                pixels = pikepdf.PdfImage(image).as_pil_image()
                assert pixels.mode == "L" and pixels.size == (900, 600)
                tones.add(pixels.getpixel((450, 300)))
    red = round(inks.gray_of(200 / 255, 40 / 255, 40 / 255) * 255)
    assert tones == {red, 90}, (tones, red)  # the red square as light as it was; the gray one as it was


def test_the_reader_names_the_pages_that_break_the_rule(sample, profile_pdfs):
    """The sample's default build (KDP, black and white) reads back gray; the screen PDF, which is
    read in colour, has RGB in its charts, and read as a gray interior the reader says where."""
    assert inkcheck.ink_problems(inkcheck.read_inks(sample.outputs["pdf"]), "gray", "KDP") == []
    problems = inkcheck.ink_problems(inkcheck.read_inks(profile_pdfs["screen"][0]), "gray", "KDP")
    assert problems and re.search(r"RGB colour on pages? \d+", problems[0]), problems


def test_an_unknown_interior_is_reported_at_its_line(book):
    from typer.testing import CliRunner

    from herpress.cli import app

    toml = book / "manuscript" / "book.toml"
    text = toml.read_text().replace('interior = "bw"', 'interior = "sepia"')
    toml.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith('interior = "sepia"'))
    result = CliRunner().invoke(app, ["pdf", str(book)])
    assert result.exit_code == 1
    assert f"manuscript/book.toml:{line}: unknown interior 'sepia'" in result.output, result.output


def test_a_profile_given_on_the_command_line_chooses_the_charts_tones(tmp_path):
    """``--profile screen`` on a black-and-white book: the screen PDF is read in colour, so its
    charts are drawn in colour (the tones are chosen as the book is read, before any layout)."""
    from herpress.build import read_book

    shutil.copytree(REPO / "manuscript", tmp_path / "manuscript")
    for profile, coloured in (("screen", True), ("kdp", False)):
        book = read_book(tmp_path, profile=profile)
        figure = book.figures[0] if hasattr(book, "figures") and book.figures else \
            next(f for chapter in book.chapters for f in chapter.figures)
        svg = book.assets[figure.print_svg_name].data.decode()
        fills = set(re.findall(r"fill: ?#([0-9a-f]{6})", svg))
        hues = {f for f in fills if len({f[0:2], f[2:4], f[4:6]}) > 1}
        assert bool(hues) == coloured, (profile, sorted(fills))


@pytest.mark.parametrize("profile, cmyk", [("kdp", True), ("ingramspark", True), ("lulu", False)])
def test_the_printers_covers_are_in_cmyk_with_the_barcode_in_black_ink_alone(small_book, tmp_path, profile, cmyk):
    import dataclasses

    from herpress.config import PrintSettings
    from herpress.pdf.cover import write_cover

    book = dataclasses.replace(small_book, metadata=dataclasses.replace(small_book.metadata, isbn="978-0-306-40615-7"),
                               print_settings=PrintSettings(profile=profile))
    path = tmp_path / "cover.pdf"
    write_cover(book, path, 200)
    found, _, intents = colours_of(path)
    operators = {op for _, op, _ in found}
    if not cmyk:  # Lulu converts an RGB cover itself
        assert {"rg", "RG"} & operators or any(op == "cs" and v == ["/DeviceRGB"] for _, op, v in found), operators
        return
    assert not ({"rg", "RG"} & operators), operators
    assert any(op == "k" and operands[:3] != [0, 0, 0] for _, op, operands in found), "the cover keeps its colours"
    assert any((op == "g" and operands == [0]) or (op == "k" and operands == [0, 0, 0, 1])
               for _, op, operands in found), "the bars in black ink alone"
    if profile == "ingramspark":
        assert intents and intents[0]["profile components"] == 4
        assert max(inkcheck.rendered_ink(path)) <= 2.405


@pytest.mark.parametrize("space", ["gray", "cmyk"])
def test_the_quick_rewrite_of_a_text_page_sets_what_the_parsed_one_does(tmp_path, space):
    """A stream setting colours only by device operators is rewritten in place (WeasyPrint's text
    pages); one holding a literal string is parsed. Both must set the same colours."""
    body = (b"q 0.2 0.4 0.6 rg 0 0 0 RG BT /F1 9 Tf 1 0 0 1 72 700 Tm [<0012> -20 <0013>] TJ ET "
            b"10 10 m 20 20 l S .1 .2 .3 .4 k 0 0 10 10 re f 1 0 0 rg 0.5 0.5 0.5 RG Q")
    results = []
    for extra in (b"", b" BT (a) Tj ET"):
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.pages[0].obj.Contents = pdf.make_stream(body + extra)
        source, target = tmp_path / "in.pdf", tmp_path / f"out{len(results)}.pdf"
        pdf.save(source)
        inking = inks.Inking(space, REPO / "styles" / "color" / "default_cmyk.icc", 2.4 if space == "cmyk" else None)
        inks.recolour(source, target, inking, __import__("herpress.pdf.profiles", fromlist=["get"]).get("kdp"))
        with pikepdf.open(target) as out:
            results.append([(str(op), [round(float(v), 4) for v in operands])
                            for operands, op in pikepdf.parse_content_stream(out.pages[0])
                            if str(op) in COLOUR_OPS])
    assert results[0] == results[1][:len(results[0])], results
    assert {op for op, _ in results[0]} <= {"g", "G", "k", "K"}


def test_an_image_with_an_alpha_channel_is_set_on_white_with_no_transparency_left(tmp_path):
    """KDP wants transparency flattened and PDF/X-1a allows none: a converted image loses its soft
    mask, its transparent pixels white, its opaque ones as they were."""
    from PIL import Image

    folder = tmp_path / "alpha-book"
    (folder / "manuscript" / "images").mkdir(parents=True)
    picture = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    picture.paste((60, 60, 60, 255), (0, 0, 450, 600))  # left half opaque gray, right half transparent
    picture.save(folder / "manuscript" / "images" / "half.png")
    (folder / "manuscript" / "book.toml").write_text(
        '[book]\ntitle = "Alpha"\ncreator = "T"\npublisher = "T"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000ac"\n\n[contents]\nchapters = ["one.md"]\n')
    (folder / "manuscript" / "one.md").write_text("# One\n\nHalf of it:\n\n![Half gray](images/half.png)\n")
    result = build(folder, ("pdf",))
    with pikepdf.open(result.outputs["pdf"]) as pdf:
        images = [image for page in pdf.pages for image in page.get_images().values()]
        assert images and all("/SMask" not in image for image in images)
        pixels = pikepdf.PdfImage(images[0]).as_pil_image()
        assert pixels.getpixel((200, 300)) == 60 and pixels.getpixel((700, 300)) == 255
        assert not any("/Group" in obj for obj in pdf.objects if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)))


def test_a_form_drawn_on_many_pages_is_read_once_and_counts_on_each(tmp_path, monkeypatch):
    """Pages that share resources (WeasyPrint gives a part's pages one dictionary) reach the same
    forms: each is read once (the Rust book's were read on every page: 14.9 s for 748 pages), and
    what it sets counts on every page that reaches it, whichever page the read-back kept."""
    from herpress.pdf import inkcheck

    pdf = pikepdf.new()
    form = pdf.make_stream(b"0.2 0.4 0.6 rg 0 0 10 10 re f", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, 10, 10])
    resources = pdf.make_indirect(pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm1=form)))
    for n in range(3):
        pdf.add_blank_page()
        pdf.pages[n].obj.Resources = resources
        pdf.pages[n].obj.Contents = pdf.make_stream(b"0.5 g /Fm1 Do")
    pdf.save(tmp_path / "shared.pdf")
    read = []
    real = inkcheck._read_stream
    monkeypatch.setattr(inkcheck, "_read_stream", lambda stream, *rest: (read.append(stream.objgen), real(stream, *rest)))
    found = inkcheck.read_inks(tmp_path / "shared.pdf")
    assert len(read) == len(set(read)) == 4  # each page's content once, and the form once
    assert found.pages == {"gray": [1, 2, 3], "rgb": [1, 2, 3]}
