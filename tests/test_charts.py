"""Charts: parsing ```chart blocks and drawing them with real matplotlib and fonts."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from herpress.charts import EBOOK, ChartImages, ChartSpec, cache_key, draw_chart, parse_chart_spec, print_frame
from herpress.charts._style import MIN_LINE_PT
from herpress.config import TRIMS, PrintSettings
from herpress.errors import BookError
from herpress.pdf.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]
FONTS = [ROOT / "styles/fonts/LinBiolinum_R.otf", ROOT / "styles/fonts/LinBiolinum_RB.otf"]
MD = Path("chapters/03-ending.md")
FENCE = 40   # line of the opening ```chart fence in MD

HEAD = '''label = "fig:poll"
type = "{type}"
title = "How audiences read the ending"
description = "Most respondents found the ending bittersweet."
'''
POLL = HEAD.format(type="bar") + '''source = "Letterboxd user surveys"
unit = "%"
y_label = "Share of respondents"
[data]
Bittersweet = 41
Sad = 28
Happy = 12
"Open-ended" = 11
Ambiguous = 8
'''
SCALE = '''label = "fig:scale"
type = "bar"
title = "Samantha's attention"
description = "Theodore is one of 8,316 people she talks with, and of 641 she loves."
log_scale = true
y_label = "People (log scale)"
[data]
"Theodore" = 1
"Users she loves" = 641
"Users she talks with" = 8316
'''
SERIES = '''series = ["Theatres", "Streaming"]
[data]
"2013" = [1.2, 0.3]
"2014" = [2.5, 1.1]
"2015" = [0.8, 2.9]
'''


def parse(text: str, folder: Path | None = None) -> ChartSpec:
    return parse_chart_spec(text, file=MD, line=FENCE, manuscript_dir=folder or ROOT / "tests")


def fails(text: str, folder: Path | None = None) -> BookError:
    with pytest.raises(BookError) as caught:
        parse(text, folder)
    return caught.value


def body_line(text: str, start: str) -> int:
    """Manuscript line of the first body line starting with ``start``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(start):
            return FENCE + number
    raise AssertionError(start)


# --- parsing ---------------------------------------------------------------

def test_inline_data_keeps_order_and_fields():
    spec = parse(POLL)
    assert spec.label == "fig:poll" and spec.type == "bar"
    assert spec.categories == ("Bittersweet", "Sad", "Happy", "Open-ended", "Ambiguous")
    assert spec.series == (("", (41.0, 28.0, 12.0, 11.0, 8.0)),)
    assert spec.unit == "%" and spec.source == "Letterboxd user surveys"
    assert spec.x_label == "" and spec.y_label == "Share of respondents"
    assert spec.log_scale is False


def test_inline_several_series():
    spec = parse(HEAD.format(type="line") + SERIES)
    assert spec.categories == ("2013", "2014", "2015")
    assert spec.series == (("Theatres", (1.2, 2.5, 0.8)), ("Streaming", (0.3, 1.1, 2.9)))
    assert spec.source is None


def test_csv_data(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/poll.csv").write_text(
        "\ufeffReading,Share\nBittersweet,41\n\nSad, 28\n\"Open, ended\",\"8,316\"\n",
        encoding="utf-8")
    spec = parse(HEAD.format(type="column") + 'data = "data/poll.csv"\n', tmp_path)
    assert spec.categories == ("Bittersweet", "Sad", "Open, ended")
    assert spec.series == (("Share", (41.0, 28.0, 8316.0)),)


def test_csv_several_series(tmp_path):
    (tmp_path / "v.csv").write_text("Year,Theatres,Streaming\n2013,1.2,0.3\n2014,2.5,1.1\n")
    spec = parse(HEAD.format(type="stacked-bar") + 'data = "v.csv"\n', tmp_path)
    assert spec.series == (("Theatres", (1.2, 2.5)), ("Streaming", (0.3, 1.1)))


def test_digest_is_stable_and_covers_fields():
    assert parse(POLL).digest() == parse(POLL).digest()
    assert len(parse(POLL).digest()) == 64
    assert parse(POLL).digest() != parse(POLL.replace("Sad = 28", "Sad = 29")).digest()
    assert parse(POLL).digest() != parse(POLL.replace('unit = "%"', 'unit = ""')).digest()


# --- errors in the block: (text, line starting with, words in the message) ----

BAD_BLOCKS = {
    "toml syntax": (POLL.replace("Sad = 28", "Sad = 28 28"), "Sad", "not valid TOML"),
    "unknown key": (POLL.replace("y_label", "ylabel"), "ylabel", "did you mean 'y_label'"),
    "missing key": (POLL.replace('description = "Most respondents found the ending '
                                 'bittersweet."\n', ""), None, "'description'"),
    "wrong type": (POLL.replace('unit = "%"', "unit = 5"), "unit", "quoted string"),
    "log not bool": (SCALE.replace("log_scale = true", 'log_scale = "yes"'), "log_scale",
                     "true or false"),
    "unknown type": (HEAD.format(type="pei") + "[data]\na = 1\n", "type", "did you mean 'pie'"),
    "bad label": (POLL.replace("fig:poll", "Figure 1"), "label", "fig:name"),
    "empty data": (HEAD.format(type="bar") + "[data]\n", "[data]", "empty"),
    "not a number": (POLL.replace("Happy = 12", 'Happy = "12"'), "Happy", "not a number"),
    "boolean": (POLL.replace("Happy = 12", "Happy = true"), "Happy", "not a number"),
    "nan": (POLL.replace("Happy = 12", "Happy = nan"), "Happy", "finite"),
    "inf": (POLL.replace("Happy = 12", "Happy = -inf"), "Happy", "finite"),
    "negative slice": (POLL.replace('"bar"', '"pie"').replace("Sad = 28", "Sad = -28"),
                       "Sad", "greater than zero"),
    "log of zero": (SCALE.replace('"Theodore" = 1', '"Theodore" = 0'), '"Theodore"',
                    "log scale"),
    "nine slices": (HEAD.format(type="donut") + "[data]\n"
                    + "".join(f"s{i} = {i + 1}\n" for i in range(9)), "s8", "at most 8"),
    "too many": (HEAD.format(type="column") + "[data]\n"
                 + "".join(f"c{i} = {i}\n" for i in range(201)), "c200", "at most 200"),
    "series count": (HEAD.format(type="line") + SERIES.replace("[2.5, 1.1]", "[2.5]"),
                     '"2014"', "2 series"),
    "arrays need series": (HEAD.format(type="line") + SERIES.split("\n", 1)[1], '"2013"',
                           "series names"),
    "several series in bar": (HEAD.format(type="bar") + SERIES, "type", "stacked-bar"),
}


@pytest.mark.parametrize("case", sorted(BAD_BLOCKS))
def test_block_errors_point_at_the_line(case):
    text, start, words = BAD_BLOCKS[case]
    error = fails(text)
    assert error.file == MD
    assert error.line == (body_line(text, start) if start else FENCE), str(error)
    assert words in error.message
    assert str(error).startswith(f"{MD}:{error.line}: ")


def test_toml_error_at_end_of_document():
    error = fails(POLL + "Extra =\n")
    assert error.line == body_line(POLL + "Extra =\n", "Extra")


# --- errors in CSV files ---------------------------------------------------

def csv_block(name: str) -> str:
    return HEAD.format(type="bar") + f"data = '{name}'\n"


def test_csv_missing(tmp_path):
    error = fails(csv_block("data/none.csv"), tmp_path)
    assert (error.file, error.line) == (MD, body_line(csv_block("x"), "data"))
    assert "not found" in error.message


def test_csv_not_utf8_points_at_the_csv(tmp_path):
    (tmp_path / "p.csv").write_bytes("Name,Share\nA,1\nCaf\u00e9,2\n".encode("latin-1"))
    error = fails(csv_block("p.csv"), tmp_path)
    assert (error.file, error.line) == (tmp_path / "p.csv", 3)
    assert "UTF-8" in error.message


def test_csv_bad_number_points_at_its_row(tmp_path):
    (tmp_path / "p.csv").write_text("Name,Share\nA,1\nB,lots\n")
    error = fails(csv_block("p.csv"), tmp_path)
    assert (error.file, error.line) == (tmp_path / "p.csv", 3)
    assert "'lots'" in error.message and "not a number" in error.message


def test_csv_ragged_row(tmp_path):
    (tmp_path / "p.csv").write_text("Name,Share\nA,1,2\n")
    assert fails(csv_block("p.csv"), tmp_path).line == 2


def test_csv_unreadable(tmp_path):
    (tmp_path / "p.csv").mkdir()
    assert "not a file" in fails(csv_block("p.csv"), tmp_path).message


@pytest.mark.parametrize("name", ["../outside.csv", "data/../../outside.csv", "/etc/passwd",
                                  "C:\\data\\x.csv", "link/outside.csv", "alias.csv"])
def test_csv_outside_the_book_is_refused(tmp_path, name):
    book = tmp_path / "book"
    (book / "data").mkdir(parents=True)
    (tmp_path / "outside.csv").write_text("Name,Share\nA,1\n")
    (book / "link").symlink_to(tmp_path, target_is_directory=True)
    (book / "alias.csv").symlink_to(tmp_path / "outside.csv")
    error = fails(csv_block(name), book)
    assert (error.file, error.line) == (MD, body_line(csv_block(name), "data"))
    assert "book folder" in error.message


def test_symlink_inside_the_book_is_fine(tmp_path):
    (tmp_path / "real.csv").write_text("Name,Share\nA,1\n")
    (tmp_path / "alias.csv").symlink_to(tmp_path / "real.csv")
    assert parse(csv_block("alias.csv"), tmp_path).categories == ("A",)


# --- drawing ---------------------------------------------------------------

def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


DRAWN = {
    "bar": POLL,
    "column": POLL.replace('"bar"', '"column"'),
    "pie": POLL.replace('"bar"', '"pie"'),
    "donut": POLL.replace('"bar"', '"donut"'),
    "line": HEAD.format(type="line") + SERIES,
    "stacked-bar": HEAD.format(type="stacked-bar") + SERIES,
}


@pytest.mark.parametrize("kind", sorted(DRAWN))
def test_every_type_draws_text_labels(kind):
    spec = parse(DRAWN[kind])
    images = draw_chart(spec, fonts=FONTS, cache_dir=None)
    assert isinstance(images, ChartImages) and images.cached is False
    svg = images.svg.decode("utf-8")
    assert "<text" in svg and "Linux Biolinum O" in svg
    for category in spec.categories:
        assert f">{category}<" in svg or f">{category} " in svg, category
    # the ebooks' SVG: the same labels as outlines of the book's face (matplotlib writes each
    # label's text in a comment before its glyphs), no text a reading system would set in its own
    outlined = images.outlined.decode("utf-8")
    assert "<text" not in outlined and 'id="LinBiolinumO-' in outlined
    for category in spec.categories:
        assert f"<!-- {category} -->" in outlined or f"<!-- {category} " in outlined, category
    if kind in ("bar", "column", "pie", "donut"):
        assert "41%" in svg and "8%" in svg
    if kind == "line":
        assert ">2.9<" in svg and ">Streaming<" in svg
    width, height = png_size(images.png)
    assert width == 1350 and 400 < height < 2300   # 4.5 in at 300 dpi


def test_same_bytes_every_time(tmp_path):
    first = draw_chart(parse(POLL), fonts=FONTS, cache_dir=tmp_path / "a")
    second = draw_chart(parse(POLL), fonts=FONTS, cache_dir=tmp_path / "b")
    assert first.cached is second.cached is False
    assert first.svg == second.svg and first.png == second.png
    assert b"<dc:date" not in first.svg


def test_log_scale_uses_plain_numbers():
    svg = draw_chart(parse(SCALE), fonts=FONTS, cache_dir=None).svg.decode()
    for tick in (">1<", ">10<", ">100<", ">1,000<", ">10,000<", ">8,316<", ">641<"):
        assert tick in svg
    assert "10^" not in svg and "10<tspan" not in svg


def test_author_text_is_shown_literally():
    text = POLL.replace("Sad = 28", '"$5 tier and $10 tier" = 28').replace(
        "Happy = 12", '"A very long category name that would never fit beside a bar" = 12')
    svg = draw_chart(parse(text), fonts=FONTS, cache_dir=None).svg.decode()
    assert "$5 tier and $10 tier" in svg
    assert "A very long category name that would never fit beside a bar" not in svg
    assert "A very long category name" in svg    # wrapped over lines


def test_drawing_leaves_matplotlib_settings_alone():
    import matplotlib
    before = dict(matplotlib.rcParams)
    draw_chart(parse(POLL), fonts=FONTS, cache_dir=None)
    assert dict(matplotlib.rcParams) == before


def test_cache_hit(tmp_path):
    spec = parse(POLL)
    drawn = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path)
    key = cache_key(spec, FONTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{key}.outlined.svg", f"{key}.png", f"{key}.svg"]
    again = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path)
    assert again.cached is True and (again.svg, again.png, again.outlined) == (drawn.svg, drawn.png, drawn.outlined)
    assert cache_key(spec, FONTS[:1]) != key and cache_key(spec, []) == spec.digest()


def test_warm_cache_does_not_import_matplotlib(tmp_path):
    draw_chart(parse(SCALE), fonts=FONTS, cache_dir=tmp_path)
    script = f"""
import sys
from pathlib import Path
from herpress.charts import draw_chart, parse_chart_spec
spec = parse_chart_spec({SCALE!r}, file=Path("x.md"), line=1, manuscript_dir=Path("."))
images = draw_chart(spec, fonts={[str(f) for f in FONTS]!r}, cache_dir=Path({str(tmp_path)!r}))
assert images.cached is True, "not cached"
assert "matplotlib" not in sys.modules, "matplotlib imported"
print("ok")
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


def test_a_chart_names_only_the_fallback_faces_its_text_needs():
    """The theme's 40 fallback faces all named made matplotlib look each text up in each (77,000
    look-ups, 15 s for the benchmark's three charts); a face is named when the chart draws a
    character the faces before it lack — and then the character is drawn in it."""
    import re

    from herpress import styles

    fonts = styles.chart_fonts(styles.style_dirs(ROOT))
    assert len(fonts) > 20  # the default theme's fallback faces

    def named(spec: ChartSpec) -> set[bytes]:
        svg = draw_chart(spec, fonts=fonts, cache_dir=None).svg
        return set(re.findall(rb"font-family[:=]\s*([^;\"]+)", svg))

    assert named(parse(POLL)) == {b"'Linux Biolinum O'"}
    tokyo = parse(POLL.replace("Sad = 28", '"\u6771\u4eac" = 28'))
    assert named(tokyo) == {b"'Linux Biolinum O', 'Noto Serif CJK JP'"}
    assert "\u6771\u4eac".encode() in draw_chart(tokyo, fonts=fonts, cache_dir=None).svg


def test_missing_font_is_a_book_error(tmp_path):
    with pytest.raises(BookError):
        draw_chart(parse(POLL), fonts=[tmp_path / "none.otf"], cache_dir=None)


@pytest.mark.parametrize("content, words", [
    ("", "empty"),
    ("Name,Share\n", "no rows"),
    ("Name\nA\n", "at least one data column"),
    ("Name,Share\nA,1\nA,2\n", "appears twice"),
])
def test_csv_shape_errors(tmp_path, content, words):
    (tmp_path / "p.csv").write_text(content)
    error = fails(csv_block("p.csv"), tmp_path)
    assert error.file == tmp_path / "p.csv" and words in error.message


def test_series_key_with_csv_is_refused(tmp_path):
    (tmp_path / "p.csv").write_text("Name,Share\nA,1\n")
    text = 'series = ["x"]\n' + csv_block("p.csv")
    assert fails(text, tmp_path).line == FENCE + 1


def test_line_needs_two_points_and_crlf_lines_count():
    assert "two points" in fails(HEAD.format(type="line") + "[data]\na = 1\n").message
    text = POLL.replace("Sad = 28", "Sad = = 28").replace("\n", "\r\n")
    assert fails(text).line == body_line(POLL, "Sad")


def test_charts_missing_from_the_cache_are_drawn_while_the_caller_goes_on(tmp_path, monkeypatch):
    """On two cores the drawing runs in another process: the caller gets its answer first (here,
    before the drawing is even allowed to start), and the images when it asks for them."""
    from herpress.charts import draw

    go, real = tmp_path / "go", draw._render

    def render_when_told(*args):
        deadline = time.monotonic() + 30  # drawn in the caller's process, it would wait for nothing
        while not go.exists():
            if time.monotonic() > deadline:
                raise AssertionError("the chart was drawn before the caller went on")
            time.sleep(0.01)
        return real(*args)

    monkeypatch.setattr(draw, "_render", render_when_told)  # the forked process inherits it
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    cached = draw.draw_charts([parse(POLL)], fonts=FONTS, cache_dir=tmp_path / "cache")
    scale = draw.draw_charts([parse(SCALE)], fonts=FONTS, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()  # nothing drawn yet, and the call has returned
    go.touch()
    (poll,) = cached()
    assert b"<svg" in poll.svg and poll.png.startswith(b"\x89PNG") and poll.cached is False
    assert scale()[0].svg != poll.svg
    again = draw.draw_charts([parse(POLL), parse(SCALE)], fonts=FONTS, cache_dir=tmp_path / "cache")()
    assert [images.cached for images in again] == [True, True] and again[0].svg == poll.svg


def test_an_error_in_the_drawing_process_reaches_the_caller(tmp_path, monkeypatch):
    from herpress.charts import draw

    def fail(*args):
        raise BookError("font file for charts not found", "styles/fonts/missing.otf")

    monkeypatch.setattr(draw, "_render", fail)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    images = draw.draw_charts([parse(POLL)], fonts=FONTS, cache_dir=tmp_path)
    with pytest.raises(BookError, match=r"^styles/fonts/missing.otf: font file for charts not found$"):
        images()


def test_a_book_that_stops_on_a_problem_leaves_no_process_drawing_its_charts(tmp_path):
    """The charts are drawn on another core while the book is read; when the reading stops on a
    problem, the drawing process has ended too, its charts cached, before the error reaches the
    caller (who may remove the cache folder: test_fuzz's folders were written into after that)."""
    import multiprocessing

    from checks import write_manuscript

    from herpress.reader import load_book

    chart = '```chart\nlabel = "fig:a"\ntype = "bar"\ntitle = "A"\ndescription = "One bar."\n[data]\n"x" = 1\n```\n'
    book = write_manuscript(tmp_path / "book", {"book.toml": '[book]\ntitle = "T"\n[contents]\nchapters = ["a.md"]\n',
                                                "a.md": f"# A\n\n{chart}\nSee [@fig:missing].\n"})
    with pytest.raises(BookError, match="unknown label"):
        load_book(book, cache_dir=tmp_path / "cache")
    assert multiprocessing.active_children() == []
    assert sorted(p.suffix for p in (tmp_path / "cache").iterdir()) == [".png", ".svg", ".svg"]  # drawn and kept


# --- a black-and-white interior: the print SVG in greys ----------------------

STEP = 12  # L* that any two series' tones keep apart in grey, at least
FIVE = '''series = ["Theatres", "Streaming", "Rental", "Broadcast", "Festivals"]
unit = "%"
[data]
"2013" = [40, 25, 15, 12, 8]
"2014" = [30, 30, 18, 12, 10]
"2015" = [20, 42, 16, 14, 8]
'''
GREY = {
    "stacked-bar": HEAD.format(type="stacked-bar") + FIVE,
    "line": HEAD.format(type="line") + FIVE,
    "pie": POLL.replace('"bar"', '"pie"') + "Confusing = 5\n",  # six slices
    "donut": POLL.replace('"bar"', '"donut"'),
}
SVG_NS = {"s": "http://www.w3.org/2000/svg", "x": "http://www.w3.org/1999/xlink"}


def painted(svg: bytes) -> set[str]:
    """Every colour the SVG fills or strokes with, in a style or an attribute."""
    import re

    found = re.findall(r'\b(?:fill|stroke)(?::\s*|=")([^;"\s]+)', svg.decode())
    return {c for c in found if c != "none" and not c.startswith("url(")}


def neutral(colour: str) -> bool:
    return len(colour) == 7 and colour[0] == "#" and colour[1:3] == colour[3:5] == colour[5:7]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, from their CIE L*."""
    from herpress.charts._style import lightness

    def luminance(c):
        lum = lightness(c)
        return ((lum + 16) / 116) ** 3 if lum > 8 else lum / 903.3
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _style(element) -> dict[str, str]:
    items = (item.partition(":") for item in element.get("style", "").split(";"))
    return {key.strip(): value.strip() for key, _, value in items if key.strip()}


def series_looks(kind: str, svg: bytes) -> list[tuple[str, tuple]]:
    """Each series' (or slice's) tone and what else tells it apart: for fills the hatch (the
    outline of its pattern's lines; None for a plain fill), for lines the dashes and the marker."""
    from lxml import etree

    tree = etree.fromstring(svg)
    if kind == "line":
        looks = []
        for line in tree.xpath("//s:g[@id='legend_1']/s:g[starts-with(@id, 'line2d_')]", namespaces=SVG_NS):
            style = _style(line.find("s:path", SVG_NS))
            marker = line.find(".//s:use", SVG_NS).get(f"{{{SVG_NS['x']}}}href")[1:]
            outline = tree.xpath(f"//s:path[@id='{marker}']/@d", namespaces=SVG_NS)[0]
            looks.append((style["stroke"], (style.get("stroke-dasharray", "solid"), outline)))
        return looks
    where = "s:g[@id='legend_1']" if kind == "stacked-bar" else "s:g[@id='axes_1']"
    looks = []
    for patch in tree.xpath(f"//{where}/s:g[starts-with(@id, 'patch_')]/s:path", namespaces=SVG_NS):
        fill = _style(patch)["fill"]
        if not fill.startswith("url("):
            looks.append((fill, (None,)))
            continue
        (pattern,) = tree.xpath(f"//s:pattern[@id='{fill[5:-1]}']", namespaces=SVG_NS)
        hatch = pattern.find("s:path", SVG_NS)
        looks.append((pattern.find("s:rect", SVG_NS).get("fill"),
                      ("".join(hatch.get("d").split()), _style(hatch)["stroke"])))
    return looks


@pytest.mark.parametrize("kind", sorted(GREY))
def test_grey_print_svg_tells_series_apart_by_tone_and_pattern(kind):
    """A black-and-white interior prints hues as like greys: the print SVG is drawn in neutral
    greys whose series differ in lightness and also by hatch (fills) or dash and marker (lines);
    the ebooks, read in colour, keep their colours."""
    from herpress.charts._style import lightness

    spec = parse(GREY[kind])
    images = draw_chart(spec, fonts=FONTS, cache_dir=None, print_tones="gray")
    assert painted(images.svg) and all(neutral(c) for c in painted(images.svg)), painted(images.svg)
    looks = series_looks(kind, images.svg)
    count = len(spec.series) if kind == "line" or kind == "stacked-bar" else len(spec.categories)
    assert len(looks) == count, looks
    tones = [lightness(tone) for tone, _ in looks]
    gaps = [abs(a - b) for i, a in enumerate(tones) for b in tones[i + 1:]]
    assert min(gaps) >= STEP, tones
    assert len({pattern for _, pattern in looks}) == count, looks
    if kind != "line":  # a hatch reads on its ground (non-text contrast: 3:1)
        assert all(contrast(tone, pattern[1]) >= 3 for tone, pattern in looks if pattern[0]), looks
    assert any(not neutral(c) for c in painted(images.outlined))
    colour = draw_chart(spec, fonts=FONTS, cache_dir=None)   # the colour print SVG is in colour still
    assert any(not neutral(c) for c in painted(colour.svg)) and colour.outlined == images.outlined


def test_grey_segment_labels_read_on_their_fills():
    """A stacked segment's value is set on a box of the segment's tone: white or ink, whichever
    reads (4.5:1, WCAG's for small text), on every grey."""
    from lxml import etree

    svg = draw_chart(parse(GREY["stacked-bar"]), fonts=FONTS, cache_dir=None, print_tones="gray").svg
    labels = etree.fromstring(svg).xpath("//s:g[starts-with(@id, 'text_')][s:g[starts-with(@id, 'patch_')]]",
                                         namespaces=SVG_NS)
    pairs = {(_style(label.find("s:g/s:path", SVG_NS))["fill"], _style(label.find("s:text", SVG_NS))["fill"])
             for label in labels}
    assert len({ground for ground, _ in pairs}) == 5, pairs   # a label on each series
    assert all(contrast(ground, text) >= 4.5 for ground, text in pairs), pairs


def test_grey_and_colour_print_svgs_are_cached_apart(tmp_path, monkeypatch):
    """The colour print SVG is never served for grey, nor the grey for colour; the ebooks' images,
    in colour for both, are drawn once."""
    from herpress.charts import draw

    drawn, real = [], draw._render

    def render(spec, fonts, print_tones, ebooks, *frame):
        drawn.append((print_tones, ebooks))
        return real(spec, fonts, print_tones, ebooks, *frame)

    monkeypatch.setattr(draw, "_render", render)
    spec = parse(GREY["stacked-bar"])
    colour = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path)
    gray = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path, print_tones="gray")
    assert drawn == [("color", True), ("gray", False)]   # only the grey print SVG was drawn
    assert gray.cached is False and gray.svg != colour.svg and all(neutral(c) for c in painted(gray.svg))
    assert (gray.outlined, gray.png) == (colour.outlined, colour.png)
    key = cache_key(spec, FONTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{key}.svg", f"{key}.gray.svg", f"{key}.outlined.svg", f"{key}.png"])
    for tones, first in (("color", colour), ("gray", gray), ("color", colour)):
        again = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path, print_tones=tones)
        assert again.cached is True and (again.svg, again.outlined, again.png) == (first.svg, first.outlined, first.png)
    assert len(drawn) == 2
    fresh = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path / "fresh", print_tones="gray")  # grey first
    assert fresh.svg == gray.svg and (fresh.outlined, fresh.png) == (colour.outlined, colour.png)
    assert drawn[-1] == ("gray", True)
    with pytest.raises(ValueError, match="print_tones"):
        draw_chart(spec, fonts=FONTS, cache_dir=tmp_path, print_tones="grey")


def test_the_drawing_process_draws_the_print_svg_in_grey(tmp_path, monkeypatch):
    from herpress.charts import draw

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    spec = parse(GREY["pie"])
    (images,) = draw.draw_charts([spec], fonts=FONTS, cache_dir=tmp_path, print_tones="gray")()
    assert images.cached is False and all(neutral(c) for c in painted(images.svg))
    assert (tmp_path / f"{cache_key(spec, FONTS)}.gray.svg").read_bytes() == images.svg
    assert any(not neutral(c) for c in painted(images.outlined))


@pytest.mark.parametrize("interior, profile, grey", [("bw", "kdp", True), ("color", "kdp", False),
                                                     ("bw", "screen", False)])
def test_the_book_prints_its_charts_in_grey_on_a_black_and_white_interior(tmp_path, interior, profile, grey):
    from checks import write_manuscript

    from herpress.reader import load_book

    chart = "```chart\n" + GREY["stacked-bar"] + "```\n"
    toml = (f'[book]\ntitle = "T"\n[contents]\nchapters = ["a.md"]\n'
            f'[print]\ninterior = "{interior}"\nprofile = "{profile}"\n')
    book = load_book(write_manuscript(tmp_path / "book", {"book.toml": toml, "a.md": f"# A\n\n{chart}"}),
                     cache_dir=tmp_path / "cache")
    (figure,) = book.figures
    printed, ebook = book.assets[figure.print_svg_name].data, book.assets[figure.svg_name].data
    assert all(neutral(c) for c in painted(printed)) is grey
    assert any(not neutral(c) for c in painted(ebook))


# --- print sizes: type at 7 pt or more, lines at 0.25 pt or more, on every trim -------------

MIN_TYPE, MIN_LINE = 7.0, 0.25   # KDP's and IngramSpark's minimums, as preflight checks them
CROWDED = {  # the charts that crowd a page most, one of each kind
    "bar, 25 categories": HEAD.format(type="bar") + 'unit = "%"\ny_label = "Share of respondents"\n[data]\n'
    + "".join(f'"Category number {i}" = {3 * i + 1}\n' for i in range(25)),
    "bar, 60 categories": HEAD.format(type="bar") + "[data]\n" + "".join(f'"Item {i}" = {7 * i + 1}\n' for i in range(60)),
    "stacked bar, 5 series": HEAD.format(type="stacked-bar") + FIVE.replace(
        '"2015" = [20, 42, 16, 14, 8]\n', "".join(f'"{2015 + i}" = [{20 - i}, {42 + i}, 16, 14, 8]\n' for i in range(6))),
    "pie, 8 slices": HEAD.format(type="pie") + 'unit = "%"\n[data]\n' + "".join(
        f'"Slice called {name}" = {value}\n' for name, value in zip("abcdefgh", (30, 20, 15, 10, 9, 7, 5, 4))),
    "donut, 8 slices": HEAD.format(type="donut") + "[data]\n" + "".join(
        f'"A long name for slice {name}" = {value}\n' for name, value in zip("abcdefgh", (30, 20, 15, 10, 9, 7, 5, 4))),
    "column, 40 columns": HEAD.format(type="column") + 'x_label = "Year"\ny_label = "Films"\n[data]\n'
    + "".join(f'"{1980 + i}" = {13 * i % 97 + 3}\n' for i in range(40)),
    "line, 4 series": HEAD.format(type="line") + 'series = ["North", "South", "East", "West"]\n'
    'y_label = "Tickets (millions)"\n[data]\n' + "".join(f'"{2000 + i}" = [{i + 1}.5, {10 - i}.2, {i * 3 % 7}.1, 4.4]\n'
                                                          for i in range(10)),
}


def stand_in(trim: str):
    """What the page geometry reads of a book."""
    return SimpleNamespace(print_settings=PrintSettings(trim=trim))


def page_counts(profile) -> list[int]:
    return sorted({profile.min_pages, profile.max_pages, *(limit for limit, _ in profile.gutters),
                   *(limit + 1 for limit, _ in profile.gutters if limit < profile.max_pages)})


@pytest.mark.parametrize("trim", sorted(TRIMS))
def test_the_print_frame_is_the_narrowest_text_block_of_its_trim(trim):
    """Under every profile and at every page count, the text block is at least as wide as the print
    charts are drawn, and its image height at least as tall as they may be: the layout only ever
    enlarges them. And the frame is that narrowest block, not narrower (charts drawn needlessly small)."""
    from herpress.pdf.interior import geometry

    frame = print_frame(trim)
    shapes = [geometry(stand_in(trim), profile, pages) for profile in PROFILES.values() for pages in page_counts(profile)]
    assert all(shape.text_width >= frame.width and shape.image_height >= frame.height for shape in shapes)
    assert min(shape.text_width for shape in shapes) - frame.width < 0.01
    assert min(shape.image_height for shape in shapes) - frame.height < 0.01
    assert frame.font >= MIN_TYPE and frame != EBOOK


def svg_size(svg: bytes) -> tuple[float, float]:
    """Inches: the width and height an SVG of matplotlib's says (in pt)."""
    import re

    head = svg[:2000].decode()
    return tuple(float(re.search(rf'{name}="([\d.]+)pt"', head).group(1)) / 72 for name in ("width", "height"))


@pytest.fixture(scope="module")
def crowded_svgs():
    """The print SVGs of CROWDED for each trim, drawn once (and not the ebooks' images)."""
    from herpress.charts import draw

    return {trim: {name: draw._render(parse(text), FONTS, "color", False, print_frame(trim))[0]
                   for name, text in CROWDED.items()} for trim in TRIMS}


@pytest.mark.parametrize("trim", sorted(TRIMS))
def test_print_charts_are_only_ever_enlarged(trim, crowded_svgs):
    """print.css sets a chart 100 % of the text width and no taller than the image height: its
    scale is the smaller of the two ratios, and it is 1 or more for every profile and page count —
    the type drawn at 7 pt at least prints so. Only the bar charts grow past the common height."""
    from herpress.pdf.interior import geometry

    for name, svg in crowded_svgs[trim].items():
        width, height = svg_size(svg)
        assert width == pytest.approx(print_frame(trim).width) and height <= print_frame(trim).height + 1e-9, name
        if not name.startswith(("bar", "stacked")):
            assert height <= 2.8, name   # a chart that is not a bar chart stays about as tall as it was
        for profile in PROFILES.values():
            for pages in page_counts(profile):
                shape = geometry(stand_in(trim), profile, pages)
                scale = min(shape.text_width / width, shape.image_height / height)
                assert scale >= 1, (name, profile.name, pages, scale)


def lay_out(svgs: list[bytes], trim: str, profile: str, pages: int, folder: Path) -> Path:
    """The charts as the print edition lays them out: each a ``figure.chart`` (the print figure's
    markup) on a page of its own, under the book's print.css and the page geometry of ``profile``
    for a book of ``pages`` pages, the chart face declared for WeasyPrint. The PDF's path."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from herpress import styles
    from herpress.pdf.interior import geometry

    shape = geometry(stand_in(trim), PROFILES[profile], pages)
    page_css = styles.templates([styles.default_styles_dir()]).get_template("print/page-geometry.css.j2").render(g=shape)
    faces = "".join(f'@font-face {{ font-family: "Linux Biolinum O"; src: url("{font.as_uri()}"); font-weight: {weight}; }}'
                    for font, weight in zip(FONTS, ("normal", "bold")))
    figures = []
    for n, svg in enumerate(svgs):
        (folder / f"chart-{n}.svg").write_bytes(svg)
        figures.append(f'<figure class="chart"><img src="chart-{n}.svg" alt="A chart."/>'
                       f'<figcaption><span class="figure-number">Figure {n + 1}</span> A title</figcaption></figure>')
    fonts = FontConfiguration()
    sheets = [CSS(string=faces + ":root { --text-fonts: Libertine; }", font_config=fonts),
              CSS(filename=str(styles.default_styles_dir() / "print.css"), font_config=fonts),
              CSS(string=page_css + "figure.chart { break-before: page; }", font_config=fonts)]
    pdf = folder / f"{trim}-{profile}-{pages}.pdf"
    HTML(string="<html><body>" + "".join(figures) + "</body></html>", base_url=f"{folder}/").write_pdf(
        pdf, stylesheets=sheets, font_config=fonts)
    return pdf


@pytest.mark.parametrize("trim", sorted(TRIMS))
def test_print_charts_print_type_at_7pt_and_lines_at_a_quarter_point(trim, crowded_svgs, tmp_path):
    """Laid out by WeasyPrint as the print edition does and read back: at the narrowest text block
    (KDP's 828 pages, IngramSpark's 1,200) the charts' type is 7 pt and more, their lines 0.25 pt and
    more (grid, ticks, hatching, leader lines), and on the widest (the screen PDF), where the tall
    bar charts are held to the image height. The ebooks' drawing laid out so prints type under 7 pt:
    what is measured is the charts'."""
    from herpress.pdf.legibility import legibility_problems, smallest_marks

    svgs = list(crowded_svgs[trim].values())
    for profile, pages in (("kdp", 828), ("ingramspark", 1200), ("screen", 10)):
        pdf = lay_out(svgs, trim, profile, pages, tmp_path)
        marks = smallest_marks(pdf)
        assert len(marks.pages) == len(svgs), (profile, pages)  # a chart a page, none split
        assert legibility_problems(pdf, MIN_TYPE, MIN_LINE) == [], (profile, pages)
        if profile == "kdp" and pages == 828:  # about the drawing's own sizes: the chart's type is what was read
            assert min(page.type.size for page in marks.pages) == pytest.approx(MIN_TYPE, abs=0.05)
            assert all(page.type.size <= 8.05 for page in marks.pages), [page.type for page in marks.pages]
            assert min(page.line.width for page in marks.pages) < 0.55
    ebook = [draw_chart(parse(CROWDED[name]), fonts=FONTS, cache_dir=None).svg for name in ("bar, 60 categories",
                                                                                          "column, 40 columns")]
    assert legibility_problems(lay_out(ebook, trim, "kdp", 828, tmp_path), MIN_TYPE, MIN_LINE)


@pytest.mark.parametrize("name", sorted(CROWDED))
def test_no_text_of_a_print_chart_is_set_under_7pt(name, crowded_svgs):
    """Every text the drawing sets (ticks, values, legend, axis titles, slice labels, totals, labels
    inside stacked segments) and every line it strokes, in the print SVG at the drawing's own size."""
    import re

    for trim, svgs in crowded_svgs.items():
        svg = svgs[name].decode()
        sizes = [float(size) for size in re.findall(r"font-size: ?([\d.]+)px", svg)]
        assert sizes and min(sizes) >= MIN_TYPE, (trim, sorted(set(sizes)))
        widths = [float(width) for width in re.findall(r"stroke-width: ?([\d.]+)", svg)]
        assert widths and min(widths) >= MIN_LINE_PT, (trim, sorted(set(widths)))


def test_a_bar_chart_grows_to_the_page_before_its_type_shrinks(crowded_svgs):
    """25 rows fit a 5x8 page at the full print type; 60 do not: the chart is then as tall as the
    page allows, set at 7 pt, and its names thinned out (every bar kept) rather than set smaller."""
    import re

    frame = print_frame("5x8")
    for name, full in (("bar, 25 categories", True), ("bar, 60 categories", False)):
        svg = crowded_svgs["5x8"][name].decode()
        assert svg_size(svg.encode())[1] == pytest.approx(frame.height), name
        sizes = {float(size) for size in re.findall(r"font-size: ?([\d.]+)px", svg)}
        assert min(sizes) == (frame.font if full else MIN_TYPE), (name, sizes)
        shown = sum(1 for i in range(60) if f">Item {i}<" in svg)
        assert (shown == 0) if full else (25 < shown < 60), shown
    few = draw_chart(parse(POLL), fonts=FONTS, cache_dir=None, print_frame=frame).svg
    assert svg_size(few)[1] < 2.5   # five bars: no taller than they need


def test_print_svgs_of_other_trims_are_cached_apart_and_the_ebooks_images_shared(tmp_path, monkeypatch):
    from herpress.charts import draw

    drawn, real = [], draw._render

    def render(spec, fonts, print_tones, ebooks, frame):
        drawn.append((print_tones, ebooks, frame))
        return real(spec, fonts, print_tones, ebooks, frame)

    monkeypatch.setattr(draw, "_render", render)
    spec = parse(GREY["stacked-bar"])
    small, large = print_frame("5x8"), print_frame("6x9")
    first = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path, print_frame=small)
    other = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path, print_frame=large)
    gray = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path, print_frame=small, print_tones="gray")
    assert drawn == [("color", True, small), ("color", False, large), ("gray", False, small)]
    assert len({first.svg, other.svg, gray.svg}) == 3 and (first.outlined, first.png) == (other.outlined, other.png)
    assert svg_size(first.svg)[0] == pytest.approx(small.width) and svg_size(other.svg)[0] == pytest.approx(large.width)
    assert svg_size(first.outlined)[0] == pytest.approx(EBOOK.width) and png_size(first.png)[0] == 1350
    key = cache_key(spec, FONTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{key}.{small.tag()}.svg", f"{key}.{large.tag()}.svg", f"{key}.{small.tag()}.gray.svg",
         f"{key}.outlined.svg", f"{key}.png"])
    again = draw.draw_charts([spec], fonts=FONTS, cache_dir=tmp_path, print_frame=large)()
    assert again[0].cached and again[0].svg == other.svg and len(drawn) == 3
    plain = draw_chart(spec, fonts=FONTS, cache_dir=tmp_path)   # the ebooks' frame: one drawing for all
    assert drawn[-1] == ("color", True, EBOOK) and svg_size(plain.svg) == svg_size(plain.outlined)


@pytest.mark.parametrize("trim", ["5x8", "6x9"])
def test_the_book_draws_its_print_charts_for_its_trim(tmp_path, trim):
    from checks import write_manuscript

    from herpress.reader import load_book

    chart = "```chart\n" + GREY["stacked-bar"] + "```\n"
    toml = f'[book]\ntitle = "T"\n[contents]\nchapters = ["a.md"]\n[print]\ntrim = "{trim}"\n'
    book = load_book(write_manuscript(tmp_path / "book", {"book.toml": toml, "a.md": f"# A\n\n{chart}"}),
                     cache_dir=tmp_path / "cache")
    (figure,) = book.figures
    assert svg_size(book.assets[figure.print_svg_name].data)[0] == pytest.approx(print_frame(trim).width)
    assert svg_size(book.assets[figure.svg_name].data)[0] == pytest.approx(EBOOK.width)
