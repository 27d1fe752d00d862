"""Generated manuscripts and configs: each either builds (EPUBCheck accepts a sample) or stops cleanly.

"Cleanly" means a :class:`BookError` naming a file — never another exception.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from checks import epubcheck, messages
from herpress.errors import BookError
from herpress.reader import load_book
from herpress.epub.output import write_epub
from herpress.pdf.interior import layout

GOOD = ["ending", "Samantha", "roof", "dawn", "letter", "*love*", "**grief**", "`code`", "a & b", "x < y",
        '"quoted"', "it's", "--", "...", "<em>raw</em>", "[[Glossary]]", "[[a term|Glossary]]", "{^Index entry}",
        "{^Entry!sub}", "{^See|see Entry}", "[@ch:one]", "[^n]", "\u00e9t\u00e9", "\u1f08\u03b8\u1fc6\u03bd\u03b1\u03b9"]
BAD = ["[[Nowhere]]", "[@fig:missing]", "[@fig:bars]", "<span>", "</div>", "{#id}", "\\", "#", "|", "\u2603"]
WORDS = st.sampled_from(GOOD * 40 + BAD)  # mostly well-formed text, so the writers see many books
LINE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
CHART = st.sampled_from([
    '```chart\nlabel = "fig:bars"\ntype = "bar"\ntitle = "Bars"\ndescription = "Two bars."\n[data]\n"A" = 1\n"B" = 2\n```',
    '```chart\nlabel = "fig:bars"\ntype = "pie"\ntitle = "Pie"\ndescription = "Half and half."\n[data]\n"A" = 1\n"B" = 1\n```',
    '```chart\nlabel = "fig:bars"\ntype = "bar"\n```',
    '```chart\nnot toml at all\n```',
    '```chart\nlabel = "fig:bars"\ntype = "bar"\ntitle = "T"\ndescription = "D"\ndata = "../../etc/passwd"\n```',
])
BLOCK = st.one_of(
    LINE,
    LINE.map(lambda line: "## " + line),
    LINE.map(lambda line: "### " + line),
    st.lists(LINE, min_size=1, max_size=4).map(lambda items: "\n".join("- " + i for i in items)),
    st.lists(LINE, min_size=1, max_size=4).map(lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))),
    LINE.map(lambda line: "> " + line),
    LINE.map(lambda line: "```\n" + line + "\n```"),
    LINE.map(lambda line: "[^n]: " + line),
    st.just("| a | b |\n|---|---|\n| 1 | 2 |"),
    CHART,
)
CHAPTER = st.tuples(LINE, st.lists(BLOCK, max_size=8)).map(
    lambda parts: f"# {parts[0]} {{#ch:one}}\n\n" + "\n\n".join(parts[1]) + "\n")
CONFIG = st.fixed_dictionaries({
    "title": LINE,
    "language": st.sampled_from(["en-US", "en", "fr", "de-DE"] * 3 + ["english"]),
    "extra": st.sampled_from(["", 'subtitle = "Sub"', 'edition = "2nd & <b>"', 'rights = "\u00a9 <me> & co"'] * 3
                             + ["subjects = 3", 'tittle = "x"', 'title = ""']),
})


def write_book(folder: Path, chapter: str, config: dict) -> None:
    manuscript = folder / "manuscript"
    manuscript.mkdir(parents=True)
    title = config["title"].replace("\\", "\\\\").replace('"', '\\"')
    (manuscript / "book.toml").write_text(
        f'[book]\ntitle = "{title}"\ncreator = "Fuzz"\npublisher = "Fuzz"\nlanguage = "{config["language"]}"\n'
        f'identifier = "urn:uuid:2b7e1516-28ae-4d2a-abf7-158809cf4f3c"\n{config["extra"]}\n\n'
        '[contents]\nchapters = ["one.md"]\nglossary = "glossary.md"\n', encoding="utf-8")
    (manuscript / "one.md").write_text(chapter, encoding="utf-8")
    (manuscript / "glossary.md").write_text("# Glossary\n\nGlossary\n:   A list of terms.\n", encoding="utf-8")


checked = {"epubs": 0}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chapter=CHAPTER, config=CONFIG)
def test_any_manuscript_builds_or_stops_cleanly(chapter, config):
    folder = Path(tempfile.mkdtemp(prefix="herpress-fuzz-"))
    try:
        write_book(folder, chapter, config)
        try:
            book = load_book(folder, cache_dir=folder / "cache")
            laid_out = layout(book)
            laid_out.document.write_pdf(folder / "book.pdf")
            write_epub(book, folder / "book.epub", laid_out)
        except BookError as error:
            assert error.file is not None and error.message, error
            event(f"stopped: {error.message.split(':')[0][:40]}")
            return
        event("built")
        if checked["epubs"] < 3:  # EPUBCheck costs seconds a run: check a sample of what builds
            checked["epubs"] += 1
            report = epubcheck(folder / "book.epub")
            assert report["checker"]["nFatal"] + report["checker"]["nError"] + report["checker"]["nWarning"] == 0, \
                (messages(report), chapter)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
