"""A pandoc project's Markdown as its author wrote it for pandoc and pandoc-crossref (the shape of
natolambert/rlhf-book): fenced divs, a table caption right under its last row, ``{#tbl:…}`` and
``{#fig:…}`` labels, bare ``@fig:…`` references, implicit figures, pandoc's image sizes, and
``[[A]]`` in a book with no glossary (extensions/divs.py, tables.py, image_figures.py,
crossrefs.py; rawhtml.py for the sizes)."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from herpress.build import build
from herpress.errors import BookError
from herpress.reader import load_book
from herpress.xhtml import parse_xhtml

from checks import epubcheck, messages

DOT = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==")

CHAPTER = """\
# Rollouts

As @fig:tree shows, and as [@fig:counts] counts, the tree grows; Table @tbl:kinds lists the
kinds, and @eq:loss stays as written. A judge answers "[[A]]" or "[[B|b]]".

![A tree of rollouts](images/dot.png){#fig:tree .center width=550px data-dark-src="images/dot.png"}

```chart
label = "fig:counts"
type = "column"
title = "Rollouts per step"
description = "Rollouts per step rose from 2 to 6."
[data]
"Step 1" = 2
"Step 2" = 6
```

::: {.table-wrap #wrapped}
| Kind | Count |
|---|---|
| Leaf | 3 |
Table: The kinds of node. {#tbl:kinds}
:::

![An unlabelled picture, captioned as pandoc captions it](images/dot.png){width=50%}

| Step | Rollouts |
|---|---|
| 1 | 2 |

: The steps, captioned pandoc's shortest way. {#tbl:steps}

$$ L = -\\log \\sigma(r) $$ {#eq:loss}
"""


def write_project(root: Path, chapter: str = CHAPTER) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "images" / "dot.png").write_bytes(DOT)
    (root / "metadata.yaml").write_text("title: A Pandoc Book\nauthor: Pat Writer\nlang: en\n", encoding="utf-8")
    (root / "chapters" / "01-rollouts.md").write_text(textwrap.dedent(chapter), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path):
    return write_project(tmp_path / "book")


def _body(book):
    return parse_xhtml(book.chapters[0].body_html)


def test_labelled_images_and_charts_are_numbered_in_one_sequence_and_referred_to(project):
    book = load_book(project)
    chapter = book.chapters[0]
    assert [(i.label, i.number, i.caption) for i in chapter.illustrations] == [("fig:tree", "1.1", "A tree of rollouts")]
    assert [(f.label, f.number) for f in chapter.figures] == [("fig:counts", "1.2")]
    body = _body(book)
    figure = body.find(".//figure[@id='fig-tree']")
    assert figure is not None and figure.find("img").get("src") == "images/dot.png"
    assert "".join(figure.find("figcaption").itertext()) == "Figure 1.1 A tree of rollouts"
    refs = {ref.get("href"): ref.text for ref in body.iterfind(".//a[@class='xref']")}
    assert refs == {"#fig-tree": "Figure 1.1", "#fig-counts": "Figure 1.2", "#tbl-kinds": "Table 1.1"}


def test_a_caption_written_as_a_colon_after_a_table_is_its_caption(project):
    """``: caption`` under a table (pandoc's shortest way) is the table's caption, not a definition
    without a term (aosabook/500lines' modeller chapter: EPUBCheck's RSC-005, Ace's definition-list)."""
    body = _body(load_book(project))
    captions = ["".join(c.itertext()) for c in body.iterfind(".//table/caption")]
    assert captions == ["Table 1.1 The kinds of node.", "Table 1.2 The steps, captioned pandoc’s shortest way."]
    assert body.find(".//dd") is None


def test_herpress_stats_counts_a_labelled_image_as_a_figure(project):
    from herpress.stats import stats

    assert stats(project).figures == 2  # the image and the chart


def test_a_fenced_div_keeps_its_table_and_the_caption_under_the_last_row(project):
    body = _body(load_book(project))
    div = body.find(".//div[@class='table-wrap']")
    assert div is not None and div.get("id") == "rollouts--wrapped"  # the author's id, made the chapter's
    table = div.find("table")
    assert "".join(table.find("caption").itertext()) == "Table 1.1 The kinds of node."
    assert [row.findtext("td") for row in table.iterfind("tbody/tr")] == ["Leaf"]  # the caption is no row
    assert ":::" not in "".join(body.itertext())


def test_an_unlabelled_image_is_a_captioned_unnumbered_figure_in_a_pandoc_project(project):
    body = _body(load_book(project))
    figures = [f for f in body.iterfind(".//figure[@class='image']") if f.get("id") is None]
    assert [f.findtext("figcaption") for f in figures] == ["An unlabelled picture, captioned as pandoc captions it"]
    assert figures[0].find("img").get("style") == "width: 50%" and figures[0].find("img").get("width") is None
    assert _body(load_book(project)).find(".//figure[@id='fig-tree']/img").get("width") == "550"


def test_an_unlabelled_image_stays_an_image_outside_a_pandoc_project(tmp_path):
    root = tmp_path / "plain"
    root.mkdir()
    (root / "images").mkdir()
    (root / "images" / "dot.png").write_bytes(DOT)
    (root / "ch1.md").write_text("# One\n\n![A dot, never shown as a caption](images/dot.png)\n", encoding="utf-8")
    body = _body(load_book(root))
    assert body.find(".//figure") is None and body.find(".//p/img") is not None


def test_what_pandoc_crossref_numbers_and_herpress_does_not_stays_as_written(project):
    text = "".join(_body(load_book(project)).itertext())
    assert "@eq:loss stays as written" in text
    assert "[[A]]” or “[[B|b]]" in text  # no glossary in the book: brackets, not glossary marks


def test_glossary_marks_without_a_glossary_are_still_an_error_in_herpress_layout(tmp_path):
    root = tmp_path / "hp"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "book.toml").write_text('[book]\ntitle = "T"\n[contents]\nchapters = ["a.md"]\n')
    (root / "manuscript" / "a.md").write_text("# A\n\nA [[term]] the glossary lacks.\n")
    with pytest.raises(BookError) as caught:
        load_book(root)
    assert "marked as a glossary term" in str(caught.value)


def test_a_bare_reference_to_no_label_is_an_error_at_its_line(tmp_path):
    root = write_project(tmp_path / "book", "# One\n\nText.\n\nSee @fig:missing here.\n")
    with pytest.raises(BookError) as caught:
        load_book(root)
    assert (caught.value.file, caught.value.line) == ("chapters/01-rollouts.md", 5)
    assert "unknown label 'fig:missing'" in caught.value.message


def test_the_pandoc_project_builds_an_epub_epubcheck_accepts(project):
    result = build(project, ("epub",))
    assert messages(epubcheck(result.outputs["epub"])) == []


def test_an_empty_column_head_is_a_plain_cell(tmp_path):
    """rlhf-book's Likert scales leave column heads blank: an empty ``th`` heads nothing (Ace's
    empty-table-header), so it is a ``td``; the heads with text stay headers."""
    root = write_project(tmp_path / "book", "# One\n\n| A>B |   | B>A |\n|---|---|---|\n| 1 | 2 | 3 |\n")
    head = _body(load_book(root)).find(".//thead/tr")
    assert [(cell.tag, cell.text) for cell in head] == [("th", "A>B"), ("td", None), ("th", "B>A")]
