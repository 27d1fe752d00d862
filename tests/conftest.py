"""One build of each book per test session, shared by every test that reads its outputs."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/checks.py

from herpress.build import build  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """A copy of the repository's own book (the guide to *Her*), so tests never touch build/."""
    folder = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "manuscript", folder / "manuscript")
    return folder


@pytest.fixture(scope="session")
def sample(sample_dir):
    """The sample book built once: ``result.outputs['epub']``, ``['pdf']``, ``result.book``."""
    return build(sample_dir)


@pytest.fixture(scope="session")
def init_book(tmp_path_factory):
    """A book made by ``herpress init`` through the real CLI, then built."""
    from typer.testing import CliRunner

    from herpress.cli import app

    folder = tmp_path_factory.mktemp("init") / "my-book"
    result = CliRunner().invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    return build(folder)


@pytest.fixture
def book(tmp_path, init_book):
    """A fresh copy of the ``herpress init`` book's manuscript, for a test to change."""
    folder = tmp_path / "book"
    shutil.copytree(init_book.book.root / "manuscript", folder / "manuscript")
    return folder


@pytest.fixture(scope="session")
def profile_pdfs(sample, tmp_path_factory):
    """The sample book's interior laid out once under each print profile (in its inks, as a build
    writes it): name → (pdf path, PrintLayout)."""
    from herpress.pdf import profiles
    from herpress.pdf.interior import write_pdf

    folder = tmp_path_factory.mktemp("profiles")
    return {name: (folder / f"{name}.pdf", write_pdf(sample.book, folder / f"{name}.pdf", profiles.get(name)))
            for name in profiles.PROFILES}


@pytest.fixture(scope="session")
def small_book(init_book):
    """The small ``herpress init`` book, read into the model (for trims, covers and reproducibility)."""
    return init_book.book


@pytest.fixture(scope="session")
def sample_layout(sample):
    """The sample book laid out again by the PDF writer, to read where each element fell
    (``page.anchors``) independently of the page numbers the book prints."""
    from herpress.pdf.interior import layout

    return layout(sample.book)


MARKS_FILLER = ("Filler{^filler} text goes on, and on, about [[filler]] and nothing else, so that the "
                "chapter runs over several pages and the marks fall on pages in a row. ") * 4


@pytest.fixture(scope="session")
def marks_book(tmp_path_factory):
    """A small book built to both formats whose glossary and index marks fall on consecutive pages,
    twice on one page, in a footnote, as sub-entries and "see" references; with a captioned table."""
    folder = tmp_path_factory.mktemp("marks")
    manuscript = folder / "manuscript"
    manuscript.mkdir()
    (manuscript / "book.toml").write_text(
        '[book]\ntitle = "Marks"\ncreator = "T"\npublisher = "T"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000aa"\n\n'
        '[contents]\nchapters = ["long.md", "short.md"]\nglossary = "glossary.md"\n')
    paragraphs = "\n\n".join(MARKS_FILLER for _ in range(14))
    (manuscript / "long.md").write_text(
        "# The Long Chapter {#ch:long}\n\n"
        "An [[échelon]]{^échelon} and an [[Echo]]{^echo}, then the echo again{^echo} in one paragraph."
        "[^n]\n\n" + paragraphs + "\n\n## Later {#sec:later}\n\nThe end{^filler!end of} of [[filler]].\n\n"
        "[^n]: A note that marks [[apple]]{^apple} and {^Zebra}.\n")
    (manuscript / "short.md").write_text(
        "# The Short Chapter {#ch:short}\n\n"
        "Back to [@sec:later], [@ch:long] and [@tab:counts]{^Alias|see filler}.\n\n"
        "Table: How often each mark appears {#tab:counts}\n\n| Mark | Times |\n|---|---|\n| filler | many |\n")
    (manuscript / "glossary.md").write_text(
        "# Glossary\n\nZebra crossing\n:   Never marked.\n\nfiller\n:   Words that fill.\n\n"
        "Échelon\n:   A level.\n\nApple\n:   A fruit.\n\nEcho\n:   Said again.\n")
    return build(folder)


WIDE_CODE_LINE = 'let s = "' + "abcdefghij " * 27 + '"; // the end of a 300-character line'


def write_wide_book(folder: Path) -> Path:
    """An mdBook whose content is too big for the page: a 4,000-px image, a 600×3,000-px one,
    a twelve-column table of long words, an eight-column table of code, a 300-character code
    line, a line of code with no space that opens with a keyword, compiler output and a long
    inline code span."""
    from PIL import Image

    src = folder / "src"
    src.mkdir(parents=True)
    (folder / "book.toml").write_text('[book]\ntitle = "Wide Things"\nauthors = ["A. Tester"]\nlanguage = "en"\n')
    (src / "SUMMARY.md").write_text("# Summary\n\n- [Wide things](wide.md)\n- [After](after.md)\n")
    (src / "after.md").write_text("# After\n\nA chapter after the wide one, so that the wide one is laid out "
                                  "again on its own when a figure in it moves.\n")
    Image.new("RGB", (4000, 1200), (200, 30, 30)).save(src / "huge.png")
    Image.new("RGB", (600, 3000), (30, 30, 200)).save(src / "tall.png")
    Image.new("RGB", (300, 200), (30, 160, 30)).save(src / "small.png")  # 3.1 in wide at 96 px an inch
    twelve = ("| " + " | ".join(f"Heading{i}" for i in range(12)) + " |\n|" + "---|" * 12 + "\n"
              + "".join("| " + " | ".join(f"cell{r}x{i}longerword" for i in range(12)) + " |\n" for r in range(5)))
    eight = ("| " + " | ".join(f"Name {i}" for i in range(8)) + " |\n|" + "---|" * 8 + "\n"
             + "".join("| " + " | ".join(f"`value_{r}_{i}_x`" for i in range(8)) + " |\n" for r in range(6)))
    filler = "".join(f"Filler paragraph {n} after the tall image, with words enough for a few lines, so that the "
                     "text after the image can flow up into the gap the image leaves on the page before it.\n\n"
                     for n in range(6))
    (src / "wide.md").write_text(f"""# Wide things

A paragraph before the huge image.

![A huge red image](huge.png)

A paragraph before the tall one.

![A tall blue image](tall.png)

{filler}
Table: Twelve columns of long words

{twelve}
Some prose with a very long inline code span `std::collections::hash_map::HashMap::with_capacity_and_hasher_forever` that must break.

```rust,ignore
fn main() {{
    {WIDE_CODE_LINE}
    println!("done");
}}
```

```js
IO.of(signIn).ap(getVal('#email')).ap(getVal('#password')).ap(IO.of(false)).ap(IO.of(true));
```

```console
$ cargo run
error[E0382]: borrow of moved value: `s1` and a message long enough to wrap around the page at least once
 --> src/main.rs:5:28
  |
5 |     println!("{{}}, world!", s1);
  |                            ^^ value borrowed here after move
```

Table: Eight columns of code

{eight}
A screenshot of 300 by 200 pixels:

![A small green image](small.png)

The end of the chapter.
""")
    return folder


@pytest.fixture(scope="session")
def wide_book(tmp_path_factory):
    """:func:`write_wide_book` built to both formats, once."""
    return build(write_wide_book(tmp_path_factory.mktemp("wide") / "book"))
