"""Every script printed, nothing from the machine by chance: the theme's chains of faces, the
coverage check that reports every character no face has, and the PDF that embeds only named faces."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from herpress.pdf import coverage

from herpress import styles
from herpress.check import check
from herpress.errors import BookError, BookErrors, each
from herpress.reader import load_book

REPO = Path(__file__).resolve().parents[1]
CHAPTER = "01-first-chapter.md"

# The Rust book's chapter 8 greetings, in the seven scripts beyond Latin, and two emoji.
CODE_ONLY = "\ua708"  # MODIFIER LETTER EXTRA-HIGH DOTTED TONE BAR: in DejaVu Sans Mono, no text face
GREETINGS = ["السلام عليكم", "שלום", "नमस्ते", "こんにちは", "안녕하세요", "你好", "Здравствуйте"]
EMOJI = ["😻", "💖"]
ARMENIAN = "\u0531"  # in the code face (DejaVu Sans Mono) only: not in the text faces nor the fallback
CUNEIFORM, HIEROGLYPH = "\U00012000", "\U00013000"  # in no face of the theme


def add(folder: Path, text: str) -> list[int]:
    """Append ``text`` to the chapter; the (1-based) numbers of the lines it became."""
    path = folder / "manuscript" / CHAPTER
    before = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    path.write_text("\n".join(before) + "\n" + text, encoding="utf-8")
    return list(range(len(before) + 1, len(before) + 1 + text.count("\n") + 1))


def theme_families(dirs) -> set[str]:
    """Every family the print CSS may embed: print.css's "Libertine" and the theme's faces."""
    return {"Libertine"} | {face.family for role in styles.ROLES for face in styles.faces(dirs, role) if face.path}


@pytest.fixture(scope="module")
def scripts_book(tmp_path_factory, init_book):
    """The init book (it has a chart) with the greetings, emoji and a code block, printed once."""
    from herpress.build import build

    folder = tmp_path_factory.mktemp("scripts") / "book"
    shutil.copytree(init_book.book.root / "manuscript", folder / "manuscript")
    add(folder, "\n## Greetings\n\n" + "".join(f"- {g}\n" for g in GREETINGS) +
        f"- **{GREETINGS[0]} {GREETINGS[3]}** and *{GREETINGS[6]}*\n- {EMOJI[0]} and {EMOJI[1]}\n\n"
        f"```text\nerror: ╭─ src/main.rs → ✓ {ARMENIAN}\n```\n\n"
        "```rust\n" + "".join(f'let hello = String::from("{g}");\n' for g in GREETINGS) + "```\n")
    return build(folder, ("pdf",))


def test_greetings_and_emoji_print_and_read_back(scripts_book):
    text = subprocess.run(["pdftotext", str(scripts_book.outputs["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    for word in GREETINGS + EMOJI + ["╭─ src/main.rs → ✓"]:
        assert word in text, word
    for greeting in GREETINGS:  # in code too, where the code face leaves Arabic and Hebrew to their faces
        in_bold = greeting in (GREETINGS[0], GREETINGS[3], GREETINGS[6])
        assert text.count(greeting) >= 2 + in_bold, greeting  # the list item, the bold line, the code line


def test_the_pdf_embeds_only_faces_the_theme_names(scripts_book):
    book = scripts_book.book
    named = {name.replace(" ", "-") for name in theme_families(book.style_dirs)}
    embedded = set()
    for page in PdfReader(scripts_book.outputs["pdf"]).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            embedded.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert embedded, embedded
    strange = {name for name in embedded if not any(name == n or name.startswith(n + "-") for n in named)}
    assert not strange, f"faces the theme does not name: {strange}"
    for family in ("Noto-Naskh-Arabic", "Noto-Serif-Devanagari", "Noto-Serif-CJK-JP", "Symbola", "DejaVu-Sans-Mono",
                   "Linux-Biolinum-O"):  # each chain drew its part (Hebrew and Cyrillic are in Libertine)
        assert any(name.startswith(family) for name in embedded), (family, embedded)


def test_a_code_character_only_the_code_chain_has_passes_and_in_prose_is_reported_with_every_line(book):
    add(book, f"```\nlet a = \"{CODE_ONLY}\";\n```\n")
    coverage.check_coverage(load_book(book))  # in code: the code face has it
    lines = add(book, f"A tone bar {CODE_ONLY} in prose,\n\nand {CODE_ONLY} again.\n")
    with pytest.raises(BookError) as raised:
        coverage.check_coverage(load_book(book))
    (error,) = each(raised.value)
    assert f"U+{ord(CODE_ONLY):04X} {unicodedata.name(CODE_ONLY)}" in error.message and "text chain" in error.message
    assert (str(error.file), error.line) == (f"manuscript/{CHAPTER}", lines[0])
    assert f"manuscript/{CHAPTER}:{lines[2]}" in error.message  # every line it is on, in one error
    assert "replace it" in error.message


def test_every_missing_character_is_reported_once_in_one_run(book):
    add(book, f"One {CUNEIFORM}, two {CUNEIFORM}.\n\nA hieroglyph {HIEROGLYPH}.\n\n```\n{HIEROGLYPH}\n```\n")
    with pytest.raises(BookErrors) as raised:
        coverage.check_coverage(load_book(book))
    errors = each(raised.value)
    assert [e.message.split()[0] for e in errors] == ["U+12000", "U+13000"]
    assert "code chain" in errors[1].message  # also in a code block: both chains named in its one error
    findings = [f for f in check(book) if f.code == "glyph"]  # herpress check: one finding each
    assert [f.message.split()[0] for f in findings] == ["U+12000", "U+13000"] and all(f.line for f in findings)


def test_a_system_face_not_installed_is_named_with_its_package(book, tmp_path, monkeypatch):
    monkeypatch.setattr(styles, "SYSTEM_FONTS", tmp_path / "no-fonts")
    add(book, f"{GREETINGS[0]} and {GREETINGS[5]}.\n")
    with pytest.raises(BookErrors) as raised:
        coverage.check_coverage(load_book(book))
    messages = {e.message.split()[0]: e.message for e in each(raised.value)}
    assert "fonts-noto-core" in messages["U+0627"] and "NotoNaskhArabic-Regular.ttf" in messages["U+0627"]
    assert "fonts-noto-cjk" in messages["U+4F60"] and "fonts-noto-core" not in messages["U+4F60"]
    assert "scripts/setup" in messages["U+4F60"]


@pytest.mark.parametrize("entry, message", [
    ("system:truetype/dejavu/DejaVuSansMono.ttf", "a book's own theme may name only files in its styles/"),
    ("../../outside.otf", "lies outside the styles folder"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "lies outside the styles folder"),
])
def test_a_books_own_theme_reads_nothing_outside_the_book(tmp_path, entry, message):
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "theme.toml").write_text(f'[fonts]\ntext = ["{entry}"]\n')
    with pytest.raises(BookError) as raised:
        styles.faces(styles.style_dirs(tmp_path), "text")
    assert message in raised.value.message and str(raised.value.file) == "styles/theme.toml"


def test_the_default_themes_system_fonts_stay_in_the_system_font_folder(monkeypatch):
    dirs = [styles.default_styles_dir()]
    face = styles._face(dirs, "system:truetype/noto/NotoSerifHebrew-Regular.ttf", "fallback",
                        {"truetype/noto": "fonts-noto-core"}, "theme.toml")
    assert face.path == Path("/usr/share/fonts/truetype/noto/NotoSerifHebrew-Regular.ttf").resolve()
    assert face.package == "fonts-noto-core"
    with pytest.raises(BookError, match="lies outside /usr/share/fonts"):
        styles._face(dirs, "system:../../../etc/passwd", "fallback", {}, "theme.toml")


def test_the_print_css_uses_the_theme_chains_and_setup_installs_their_packages(scripts_book):
    from herpress.pdf.print_fonts import chains as css_chains

    dirs = [styles.default_styles_dir()]
    css = (REPO / "styles" / "print.css").read_text()

    def families(selector: str) -> str:
        return re.search(re.escape(selector) + r"[^{]*\{[^}]*?font-family:\s*([^;]+);", css).group(1)

    assert families("html") == "var(--text-fonts)" and families("code, pre") == "var(--code-fonts)"
    lists = {context: re.findall(r'"([^"]+)"', value) for context, value in css_chains(scripts_book.book).items()}
    chains = {context: [family.name for family in coverage.chain(dirs, context)] for context in coverage.CHAINS}
    for context, listed in lists.items():  # the chain's order, less the fallback faces the book does not need
        assert listed == [name for name in chains[context] if name in listed] and listed[0] == chains[context][0]
    assert "Noto Naskh Arabic" in lists["text"] and "Noto Serif Thai" not in lists["text"]
    setup = (REPO / "scripts" / "setup").read_text()
    packages = styles.theme(dirs)["fonts"]["packages"]
    for role in styles.ROLES:
        for face in styles.faces(dirs, role):
            if face.system:
                assert face.package in packages.values() and f"font_missing+=({face.package})" in setup, face


def test_the_epub_keeps_only_font_faces_it_holds():
    from herpress.epub.documents import _declared_only

    css = (REPO / "styles" / "epub.css").read_bytes()
    kept = _declared_only(css, {"LinLibertine_R.otf", "LinLibertine_RI.otf", "LinLibertine_RB.otf",
                                "LinLibertine_RBI.otf"})  # the code face not installed here
    assert kept.count(b"@font-face") == 4 and b"DejaVuSansMono" not in kept.split(b"body {")[0]
    assert b'"DejaVu Sans Mono", monospace' in kept  # still named: the reading system's own may draw it
