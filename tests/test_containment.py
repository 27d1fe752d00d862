"""A book folder runs no code and reads nothing outside itself: templates in a sandbox, every path
it names (styles, fonts, stylesheets' references, book.toml, outputs) kept inside it, and only
regular files read, so that a FIFO stops a build instead of hanging it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from herpress.errors import BookError
from herpress.styles import default_styles_dir, templates

DEFAULT = default_styles_dir()


def herpress(*args, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "herpress", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def refused(result, where: str, words: str = "") -> None:
    """Exit 1, no traceback, the first line at ``where`` (``file:`` or ``file:line:``)."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.stderr.startswith(where), result.stderr
    assert words in result.stderr, result.stderr


def own_template(book: Path, name: str, text: str) -> Path:
    path = book / "styles" / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- templates ----------------------------------------------------------------------------------

def test_a_template_payload_is_refused_at_its_line_and_runs_nothing(book, tmp_path):
    marker = tmp_path / "ran"
    text = (DEFAULT / "templates" / "epub" / "copyright.xhtml.j2").read_text(encoding="utf-8")
    payload = '{{ cycler.__init__.__globals__.os.popen("touch ' + str(marker) + '; id").read() }}'
    text = text.replace("<p>Made with herpress.</p>", f"<p>{payload}</p>")
    line = text[:text.index(payload)].count("\n") + 1
    own_template(book, "epub/copyright.xhtml.j2", text)
    result = herpress("epub", book)
    refused(result, f"styles/templates/epub/copyright.xhtml.j2:{line}: refused", "__init__")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not marker.exists() and not list((book / "build").glob("*.epub"))


def sandbox(book: Path):
    own = book / "styles"
    return templates([own, DEFAULT], book.resolve())


@pytest.mark.parametrize("expression", [
    "cycler.__init__.__globals__",
    "''.__class__.__mro__",
    "(meta | attr('__class__'))",
    "lipsum.__globals__['os']",
    "self._TemplateReference__context",
    "path.read_text()",  # a method of a path: reads a file
    "path.parent.joinpath('x').write_text('x')",
    "names.append('x')",  # the model is not the template's to change
    "names.pop()",
    "meta.update({'title': 'x'})",
    "namespace.__init__",
    "'{0.__class__.__init__.__globals__}'.format(path)",
])
def test_the_sandbox_refuses_what_reaches_python_with_file_and_line(book, expression):
    own_template(book, "epub/probe.xhtml.j2", f"<p>first</p>\n<p>{{{{ {expression} }}}}</p>\n")
    with pytest.raises(BookError) as caught:
        sandbox(book).get_template("epub/probe.xhtml.j2").render(
            path=Path("/etc/hostname"), names=["a", "b"], meta={"title": "T"})
    error = caught.value
    assert (str(error.file), error.line) == ("styles/templates/epub/probe.xhtml.j2", 2), str(error)
    assert "refused" in error.message


def test_the_sandbox_lets_templates_do_what_templates_do(book):
    own_template(book, "epub/base.xhtml.j2", "{% block body %}base{% endblock %}\n")
    own_template(book, "epub/probe.xhtml.j2", """{% extends "epub/base.xhtml.j2" %}
{% macro item(x) %}<li class="{{ loop_class }}">{{ x | upper }}</li>{% endmacro %}
{% block body %}{{ super() }}: {{ title.upper() }} {{ "{:,g}".format(1234.5) }} {{ words | join(", ") }}
{% set ns = namespace(n=0) %}{% set comma = joiner(", ") %}{% for w in words %}{% set ns.n = ns.n + 1 %}{{ comma() }}\
{{ loop.cycle("odd", "even") }}{% endfor %} {{ ns.n }} {{ item("x", loop_class="c") if false else item("x") }}
{{ entry.text }} {{ range(3) | list }} {{ words[1:] }} {{ {"a": 1}.items() | list }}{% endblock %}
""")
    from herpress.model import IndexEntry

    entry = IndexEntry(id="ix-a", key="a", term="Apple")
    text = sandbox(book).get_template("epub/probe.xhtml.j2").render(title="t", words=["a", "b"], entry=entry,
                                                                      loop_class="c")
    assert text.startswith("base: T 1,234.5 a, b") and "odd, even 2" in text and ">X</li>" in text
    assert "Apple" in text and "[0, 1, 2]" in text


def test_template_errors_have_file_and_line(book):
    own_template(book, "epub/probe.xhtml.j2", "<p>ok</p>\n<p>{% if %}</p>\n")
    with pytest.raises(BookError) as caught:
        sandbox(book).get_template("epub/probe.xhtml.j2")
    assert (str(caught.value.file), caught.value.line) == ("styles/templates/epub/probe.xhtml.j2", 2)
    own_template(book, "epub/probe2.xhtml.j2", "<p>ok</p>\n\n<p>{{ nothing.here }}</p>\n")
    with pytest.raises(BookError) as caught:
        sandbox(book).get_template("epub/probe2.xhtml.j2").render()
    assert (str(caught.value.file), caught.value.line) == ("styles/templates/epub/probe2.xhtml.j2", 3)


@pytest.mark.parametrize("markup, words", [
    ('<script src="x.js"></script>', "<script>"),
    ('<p onclick="x()">x</p>', "event attribute"),
    ('<img src="file:///etc/passwd" alt="x"/>', "relative paths"),
    ('<link rel="stylesheet" href="http://example.org/x.css"/>', "relative paths"),
    ("<p style=\"background: url('http://example.org/x.png')\">x</p>", "url("),
    ("<style>@import 'x.css';</style>", "@import"),
])
def test_a_book_template_may_not_load_anything_from_outside(book, markup, words):
    own_template(book, "epub/probe.xhtml.j2", f"<p>ok</p>\n{markup}\n")
    with pytest.raises(BookError) as caught:
        sandbox(book).get_template("epub/probe.xhtml.j2")
    assert (str(caught.value.file), caught.value.line) == ("styles/templates/epub/probe.xhtml.j2", 2)
    assert words in caught.value.message


def test_links_to_the_web_and_relative_references_in_a_template_are_fine(book):
    own_template(book, "epub/probe.xhtml.j2", '<a href="https://example.org/">site</a><link href="css/epub.css"/>'
                                              '<img src="{{ name }}" alt=""/><a href="#x">x</a>\n')
    assert "example.org" in sandbox(book).get_template("epub/probe.xhtml.j2").render(name="images/a.png")


def test_what_a_book_css_template_renders_is_checked(book):
    own_template(book, "print/probe.css.j2", "@page { margin: 1in }\n{{ rule }}\n")
    env = sandbox(book)
    assert "margin" in env.get_template("print/probe.css.j2").render(rule="p { color: red }")
    for rule in ("@import url(http://example.org/x.css);", "p { background: url(file:///etc/passwd) }",
                 "p { background: url(../../../outside.png) }"):
        with pytest.raises(BookError) as caught:
            env.get_template("print/probe.css.j2").render(rule=rule)
        assert str(caught.value.file) == "styles/templates/print/probe.css.j2" and "line 2 of what it renders" in \
            caught.value.message


def test_a_template_linked_outside_the_book_is_refused(book, tmp_path):
    outside = tmp_path / "outside.j2"
    outside.write_text("<p>secret</p>\n")
    (book / "styles" / "templates" / "epub").mkdir(parents=True)
    (book / "styles" / "templates" / "epub" / "copyright.xhtml.j2").symlink_to(outside)
    with pytest.raises(BookError, match="outside the book folder"):
        sandbox(book).get_template("epub/copyright.xhtml.j2")


def test_no_compiled_template_code_is_kept_in_the_book(book):
    from herpress.build import build

    build(book, ("epub",))
    cache = book / "build" / ".cache"
    assert not (cache / "templates").exists()
    assert not [p for p in cache.rglob("*") if p.is_file() and p.suffix in (".cache", ".pyc")]


# --- styles -------------------------------------------------------------------------------------

@pytest.fixture
def listener():
    from test_safety import Listener

    server = Listener()
    yield server
    server.close()


def test_epub_css_references_are_refused_each_at_its_line(book, listener):
    css = (DEFAULT / "epub.css").read_text(encoding="utf-8")
    first = css.count("\n") + 1
    extra = (f"p {{ background: url(file:///etc/passwd) }}\n"
             f"h1 {{ background: url(http://127.0.0.1:{listener.port}/x.png) }}\n"
             "@import 'other.css';\nh2 { background: url(../images/x.png) }\nh3 { background: \\75 rl(x.png) }\n")
    (book / "styles").mkdir()
    (book / "styles" / "epub.css").write_text(css + "\n" + extra, encoding="utf-8")
    result = herpress("check", book)
    lines = [line for line in result.stdout.splitlines() if "styles/epub.css" in line]
    assert result.returncode == 1 and len(lines) == 5, result.stdout
    assert [line.split(":")[1] for line in lines] == [str(first + n) for n in range(1, 6)]
    result = herpress("epub", book)
    refused(result, f"styles/epub.css:{first + 1}:")
    assert not list((book / "build").glob("*.epub")) and listener.connections == 0


def test_epub_css_may_name_the_theme_fonts(book):
    from herpress.styles import style_dirs

    (book / "styles").mkdir()
    shutil.copy(DEFAULT / "epub.css", book / "styles" / "epub.css")
    assert style_dirs(book.resolve())[0] == book.resolve() / "styles"


@pytest.mark.parametrize("rule, words", [
    ("body { background: url(../../outside.png) }", "outside the book folder"),
    ("body { background: url(file:///etc/hostname) }", "outside the book folder"),
    ("@import url(http://example.org/evil.css);", "never reads from the network"),
])
def test_print_css_references_outside_have_their_line(book, rule, words):
    css = (DEFAULT / "print.css").read_text(encoding="utf-8")
    (book / "styles").mkdir()
    (book / "styles" / "print.css").write_text(css + "\n" + rule + "\n", encoding="utf-8")
    result = herpress("check", book)
    assert result.returncode == 1 and f"styles/print.css:{css.count(chr(10)) + 2}: error:" in result.stdout, \
        result.stdout
    assert words in result.stdout


def test_a_stylesheet_imported_by_the_book_is_checked_too(book):
    (book / "styles").mkdir()
    css = (DEFAULT / "print.css").read_text(encoding="utf-8")
    (book / "styles" / "print.css").write_text('@import "more.css";\n' + css, encoding="utf-8")
    (book / "styles" / "more.css").write_text("p { color: red }\n", encoding="utf-8")
    (book / "styles" / "deep.css").write_text("p { background: url(/etc/passwd) }\n", encoding="utf-8")
    assert herpress("check", book).returncode == 0
    (book / "styles" / "more.css").write_text("\n@import 'deep.css';\n", encoding="utf-8")
    result = herpress("check", book)
    assert "styles/deep.css:1: error:" in result.stdout


def test_a_styles_folder_or_style_file_linked_outside_is_refused(book, tmp_path):
    outside = tmp_path / "outside-styles"
    shutil.copytree(DEFAULT, outside)
    (book / "styles").symlink_to(outside)
    refused(herpress("epub", book), "styles: refused: styles/ leads outside the book folder")
    (book / "styles").unlink()
    (book / "styles").mkdir()
    (book / "styles" / "theme.toml").symlink_to(outside / "theme.toml")
    refused(herpress("epub", book), "styles/theme.toml: refused", "outside")


@pytest.mark.parametrize("entry, words", [
    ("../../../outside/x.otf", "lies outside the styles folder"),
    ("/etc/passwd", "lies outside the styles folder"),
    ("fonts/linked.otf", "leads outside the styles folder"),
    ("fonts/fifo.otf", "not a regular file"),
])
def test_theme_fonts_outside_the_styles_folder_are_refused_at_their_line(book, tmp_path, entry, words):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(DEFAULT / "fonts" / "LinLibertine_R.otf", outside / "x.otf")
    fonts = book / "styles" / "fonts"
    fonts.mkdir(parents=True)
    (fonts / "linked.otf").symlink_to(outside / "x.otf")
    os.mkfifo(fonts / "fifo.otf")
    (book / "styles" / "theme.toml").write_text(
        f'[fonts]\ncode = []\ncharts = ["fonts/LinBiolinum_R.otf"]\nfallback = []\ntext = ["{entry}"]\n')
    result = herpress("epub", book, timeout=60)
    refused(result, "styles/theme.toml:5:", words)
    assert not list((book / "build").glob("*.epub"))


def test_a_file_that_is_not_a_font_is_an_error_naming_it(book):
    fonts = book / "styles" / "fonts"
    fonts.mkdir(parents=True)
    (fonts / "x.otf").write_bytes(os.urandom(3000))
    (book / "styles" / "theme.toml").write_text(
        '[fonts]\ntext = ["fonts/x.otf"]\ncode = []\ncharts = ["fonts/LinBiolinum_R.otf"]\nfallback = []\n')
    for command in ("build", "check"):
        result = herpress(command, book)
        assert result.returncode == 1 and "internal error" not in result.stderr
        assert "styles/theme.toml:2:" in result.stdout + result.stderr and "styles/fonts/x.otf" in \
            result.stdout + result.stderr


# --- what the book's source is read from --------------------------------------------------------

@pytest.mark.parametrize("where", ["manuscript/book.toml", "manuscript/glossary.md", "manuscript/images/a.png",
                                   "styles/epub.css", "styles/templates/epub/copyright.xhtml.j2",
                                   "manuscript/introduction.md"])
def test_a_fifo_anywhere_the_book_reads_is_refused_without_waiting(book, where):
    path = book / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    if where.endswith(".png"):
        chapter = book / "manuscript" / "01-first-chapter.md"
        chapter.write_text(chapter.read_text() + "\n![A picture](images/a.png)\n")
    result = herpress("epub", book, timeout=60)  # a read of the FIFO would wait for a writer forever
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not a regular file" in result.stderr and where.split("/")[-1] in result.stderr, result.stderr


def test_a_fifo_beside_a_plain_folders_chapters_is_not_read(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "one.md").write_text("# One\n\nText.\n")
    os.mkfifo(tmp_path / "book" / "book.toml")  # looked at to tell an mdBook or a herpress book
    os.mkfifo(tmp_path / "book" / "defaults.yaml")  # looked at to tell a pandoc project
    os.mkfifo(tmp_path / "book" / "book.json")
    result = herpress("check", tmp_path / "book", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_book_toml_reached_through_a_link_outside_is_refused(tmp_path, book):
    outside = tmp_path / "elsewhere"
    shutil.move(book / "manuscript", outside)
    (book / "manuscript").symlink_to(outside)  # the folder, not the file, is the link
    refused(herpress("epub", book), "manuscript/book.toml: refused", "outside the book folder")


def test_an_mdbook_book_toml_linked_outside_is_refused(tmp_path):
    book = tmp_path / "crab"
    (book / "src").mkdir(parents=True)
    (book / "src" / "SUMMARY.md").write_text("# Summary\n\n- [One](one.md)\n")
    (book / "src" / "one.md").write_text("# One\n\nText.\n")
    (tmp_path / "real.toml").write_text('[book]\ntitle = "Elsewhere"\n')
    (book / "book.toml").symlink_to(tmp_path / "real.toml")
    result = herpress("check", book)
    assert result.returncode == 1 and "book.toml" in result.stdout and "outside the book folder" in result.stdout


# --- outputs ------------------------------------------------------------------------------------

def test_a_build_folder_linked_outside_is_refused(book, tmp_path):
    outside = tmp_path / "outside-build"
    outside.mkdir()
    (book / "build").symlink_to(outside)
    refused(herpress("epub", book), "build: build/ leads outside the book folder")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("target", ["manuscript/introduction.md", "manuscript/new.epub", "styles/epub.css",
                                    "manuscript"])
def test_output_onto_the_books_own_files_is_refused(book, target):
    (book / "styles").mkdir()
    shutil.copy(DEFAULT / "epub.css", book / "styles" / "epub.css")
    before = {p: p.read_bytes() for p in book.rglob("*") if p.is_file()}
    result = herpress("epub", book, "-o", book / target)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "--output" in result.stderr
    assert {p: p.read_bytes() for p in book.rglob("*") if p.is_file()} == before


def test_output_elsewhere_is_written(book, tmp_path):
    result = herpress("epub", book, "-o", tmp_path / "out.epub")
    assert result.returncode == 0 and (tmp_path / "out.epub").exists(), result.stderr
