"""The print edition's fonts: the theme's faces, and nothing of the machine.

print.css declares the text faces (shipped in styles/fonts/) and lists the chains' families in
font-family; the @font-face rules of the code, chart and fallback faces are written here, for the
faces the book uses (coverage.faces_in_use), from files the theme named. WeasyPrint picks a face
per character through fontconfig, which would also reach for any font of the machine (a colour
emoji font even wins over the CSS's own families), so the layout's fontconfig is given no system
font at all: only the faces declared here and in the CSS exist for it.
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
    conf = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>'
            f'<match target="pattern"><edit name="family" mode="append_last">{appended}</edit></match>'
            '</fontconfig>\n') if families else "<fontconfig></fontconfig>\n"
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


def font_faces(book: Book, font_config):
    """The @font-face rules of the theme's code, chart and fallback faces the book uses."""
    from weasyprint import CSS

    from .coverage import faces_in_use

    return CSS(string=face_rules(book), font_config=font_config,
               url_fetcher=_face_fetcher([face.path for face in faces_in_use(book)]))


def face_rules(book: Book, url_of=lambda face: face.path.as_uri()) -> str:
    """The CSS of :func:`font_faces`: each face at ``url_of(face)``, and the font chains."""
    from .coverage import faces_in_use

    rules = [f'@font-face {{ font-family: "{_css(face.family)}"; src: url("{url_of(face)}"); '
             f'font-weight: {face.weight}; font-style: {"italic" if face.italic else "normal"};'
             + (f" unicode-range: {_drawn_range(face)};" if face.ranges else "") + " }" for face in faces_in_use(book)]
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
