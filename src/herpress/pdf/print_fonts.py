"""The print edition's fonts: the theme's faces, and nothing of the machine.

print.css declares the text faces (shipped in styles/fonts/) and lists the chains' families in
font-family; the @font-face rules of the code, chart and fallback faces are written here, for the
faces the book uses (coverage.faces_in_use), from files the theme named. WeasyPrint picks a face
per character through fontconfig, which would also reach for any font of the machine (a colour
emoji font even wins over the CSS's own families), so the layout's fontconfig is given no system
font at all: only the faces declared here and in the CSS exist for it.

An author's SVG names the faces of the machine it was drawn on: Graphviz measures its boxes for
"Times,serif", a chart exported from a spreadsheet says "Helvetica" or "Arial". With no such face,
fontconfig would take whichever declared face scores best on language — for the Rust book's set
of fallbacks, Noto Serif CJK, whose Latin is wide enough to run "index" into "value" in its
diagrams. So the common names of the three kinds of face are aliased, strongly, to the theme's:
a serif to the text face, a sans to the chart face, a monospace to the code face.
"""

from __future__ import annotations

from pathlib import Path

from .. import styles, tempdirs
from ..model import Book


def font_configuration(book: Book):
    """A WeasyPrint FontConfiguration whose fontconfig knows no font of the machine. A family the
    CSS (or an author's SVG) names and no @font-face declares falls back to the text chain."""
    import os
    import tempfile

    from weasyprint.text.fonts import FontConfiguration

    from .coverage import faces_in_use

    used = {face.entry for face in faces_in_use(book, ("fallback",))}
    chain = styles.faces(book.style_dirs, "text") + styles.faces(book.style_dirs, "fallback")
    families = list(dict.fromkeys(face.family for face in chain
                                  if face.path and (face.role == "text" or face.entry in used)))
    appended = "".join(f"<string>{_xml(name)}</string>" for name in families)
    rules = (f'<match target="pattern"><edit name="family" mode="append_last">{appended}</edit></match>'
             if families else "") + _aliases(book)
    conf = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            f'<fontconfig>{rules}</fontconfig>\n')
    handle, name = tempfile.mkstemp(prefix="herpress-fontconfig-", suffix=".conf")
    before = os.environ.get("FONTCONFIG_FILE")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(conf)
        os.environ["FONTCONFIG_FILE"] = name  # read by FcInitLoadConfigAndFonts, in the constructor
        config = FontConfiguration()
        config._folder = tempdirs.folder()  # WeasyPrint's own would outlive the build (tempdirs.py)
        return config
    finally:
        if before is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = before
        os.unlink(name)


# The names an SVG gives the faces of its machine, by the role of the theme's face that stands in.
GENERIC_FAMILIES = {
    "text": ("serif", "Times", "Times New Roman", "Times-Roman", "Georgia", "Cambria", "Palatino",
             "Palatino Linotype", "Book Antiqua", "Liberation Serif", "DejaVu Serif", "Nimbus Roman",
             "Noto Serif"),
    "charts": ("sans-serif", "sans", "Helvetica", "Arial", "Verdana", "Tahoma", "Segoe UI", "Calibri",
               "system-ui", "Liberation Sans", "DejaVu Sans", "Nimbus Sans", "Noto Sans", "Open Sans"),
    "code": ("monospace", "mono", "Courier", "Courier New", "Consolas", "Menlo", "Monaco",
             "Liberation Mono", "DejaVu Sans Mono", "Nimbus Mono PS", "Noto Sans Mono"),
}


def _aliases(book: Book) -> str:
    """fontconfig aliases from each of :data:`GENERIC_FAMILIES` to the theme's face of its role
    (then the text face, for a role whose face the book does not declare). A name that is a family
    of the theme's own is left alone."""
    faces = {role: styles.faces(book.style_dirs, role) for role in ("text", "code", "charts", "fallback")}
    theirs = {face.family for found in faces.values() for face in found}
    first = {role: next((face.family for face in found if face.path), None) for role, found in faces.items()}
    rules = []
    for role, names in GENERIC_FAMILIES.items():
        prefer = "".join(f"<family>{_xml(family)}</family>" for family in dict.fromkeys((first[role], first["text"]))
                         if family)
        if prefer:
            rules += [f'<alias binding="strong"><family>{_xml(name)}</family><prefer>{prefer}</prefer></alias>'
                      for name in names if name not in theirs]
    return "".join(rules)


def font_faces(book: Book, font_config, roles: tuple[str, ...] = ("code", "charts", "fallback")):
    """The @font-face rules of the theme's faces of ``roles`` that the book uses: the code, chart
    and fallback faces, for the print edition, whose print.css declares the text faces."""
    from weasyprint import CSS

    from .coverage import faces_in_use

    return CSS(string=face_rules(book, roles=roles), font_config=font_config,
               url_fetcher=_face_fetcher([face.path for face in faces_in_use(book, roles)]))


def face_rules(book: Book, url_of=lambda face: face.path.as_uri(),
               roles: tuple[str, ...] = ("code", "charts", "fallback")) -> str:
    """The CSS of :func:`font_faces`: each face at ``url_of(face)``, and the font chains."""
    from .coverage import faces_in_use

    rules = [f'@font-face {{ font-family: "{_css(face.family)}"; src: url("{url_of(face)}"); '
             f'font-weight: {face.weight}; font-style: {"italic" if face.italic else "normal"};'
             + (f" unicode-range: {_drawn_range(face)};" if face.ranges else "") + " }" for face in faces_in_use(book, roles)]
    variables = " ".join(f"--{role}-fonts: {families};" for role, families in chains(book).items())
    rules += [f":root {{ {variables} }}", f"@page {{ {variables} }}"]  # the page context inherits from no element
    return "\n".join(rules)


def _drawn_range(face) -> str:
    """The ``unicode-range`` of the characters a face has and may draw. WeasyPrint gives fontconfig
    the range as the face's character set outright, so a range wider than the face's own cmap would
    send it characters it has no glyph for (tofu, not the next face of the chain)."""
    from .coverage import cmap

    runs: list[list[int]] = []
    for code in sorted(code for code in cmap(face.path) if face.draws(code)):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return ", ".join(f"U+{start:X}-{end:X}" if end > start else f"U+{start:X}" for start, end in runs)


def chains(book: Book) -> dict[str, str]:
    """Each chain of theme.toml as a CSS font-family list (``--text-fonts``, ``--code-fonts``,
    ``--charts-fonts``, which print.css and cover.css use): the role's own families, then the
    fallback families the book needs, in the theme's order — so the stylesheets never repeat the
    theme's list of faces."""
    from .coverage import CHAINS, faces_in_use

    used = {face.entry for face in faces_in_use(book, ("fallback",))}
    lists = {}
    for context, (own, _) in CHAINS.items():
        faces = styles.faces(book.style_dirs, own) + [f for f in styles.faces(book.style_dirs, "fallback")
                                                       if f.entry in used]
        families = dict.fromkeys(face.family for face in faces if face.path is not None)
        lists[context] = ", ".join(f'"{_css(name)}"' for name in families) or '"Libertine"'
    return lists


def _css(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')


def _xml(name: str) -> str:
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _face_fetcher(paths):
    """A URL fetcher that reads exactly the font files the theme named, nothing else."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from ..fetcher import RefusedURL

    allowed = {path.resolve() for path in paths}

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
            if path not in allowed:
                raise RefusedURL(f"refused to read '{url}': not a font the theme names")
            return URLFetcherResponse(url, body=path.read_bytes())

    return Fetcher(allowed_protocols=["file"], fail_on_errors=True)
