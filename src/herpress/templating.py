"""The page templates, rendered so that nothing in a book folder can run code.

A book may override any of herpress's templates (``styles/templates/epub/*.xhtml.j2``,
``print/*.html.j2`` and ``*.css.j2``, ``cover/*``) with its own. They are rendered in Jinja's
sandbox (``ImmutableSandboxedEnvironment``), narrowed further: a template may read the values it is
given, call its own macros, Jinja's helpers (``range``, ``loop``, ``cycler``, ``joiner``,
``namespace``, ``super()``…), string methods and the methods of herpress's own model, and nothing
else — no attribute whose name starts with ``_`` (the way out of Jinja to Python:
``cycler.__init__.__globals__.os``), no method of a path, a file or a module, no changing a list.
A refused use is a :class:`BookError` at the template's file and line, raised before the call is
made, and so is any other template error (syntax, an undefined name, a missing include).

Templates are read as every style file is (:mod:`herpress.paths`): inside their styles folder,
regular files only. A book's own template may not load anything from outside the book
(``<script>``, a ``src``/``href``/``url()``/``@import`` with a scheme or an absolute path: checked
in its source), and what a book's ``.css.j2`` renders is checked as a print stylesheet
(:mod:`herpress.references`).

There is no bytecode cache: Jinja's keeps marshalled code in a folder, and code read from the
book's ``build/.cache`` (which may come from anywhere: a CI cache, shared storage) is code the book
runs. Each process compiles the templates it uses once (~50 ms for the EPUB's).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from jinja2 import BaseLoader, StrictUndefined, Template, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.loaders import split_template_path
from jinja2.runtime import BlockReference, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

from .errors import BookError, BookErrors

PLAIN = (str, Markup, int, float, bool, tuple, list, dict, set, frozenset, type(None))
JINJA_OBJECTS = (Macro, BlockReference, LoopContext, Cycler, Joiner, Namespace)
RULES = ("a book's templates run in a sandbox: they may use the values herpress gives them, their macros, "
         "Jinja's helpers and string methods, nothing that reaches Python")

# what a book's own template may not hold: whatever would load or run something
FORBIDDEN_TAG = re.compile(r"<\s*(script|iframe|frame|frameset|object|embed|applet|base)\b", re.IGNORECASE)
EVENT = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE)
FETCHING = re.compile(r"<\s*([a-zA-Z][\w:-]*)\b[^>]*?\s(src|srcset|href|xlink:href|poster|data)\s*=\s*[\"']\s*"
                      r"([a-zA-Z][a-zA-Z0-9+.-]*:|//|/)", re.IGNORECASE)
LINKS = {"http:", "https:", "mailto:"}  # what an <a> may point to: nothing follows it at build time


class _Loader(BaseLoader):
    """``templates/`` of each style folder in turn, read as style files are read."""

    def __init__(self, dirs: tuple[Path, ...], root: Path | None):
        self.dirs, self.root = dirs, root

    def get_source(self, environment, template: str):
        from .paths import read_inside

        pieces = split_template_path(template)  # "..": not found
        for directory in self.dirs:
            path = directory.joinpath("templates", *pieces)
            if not (path.is_symlink() or path.exists()):
                continue
            shown = shown_file(path, self.root)
            data = read_inside(directory, path, shown, 2**20, "template")  # a link out of its styles: refused
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise BookError(f"not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8", shown,
                                data[:error.start].count(b"\n") + 1) from None
            if self.root is not None and path.is_relative_to(self.root):
                check_source(source, shown)
            mtime = path.stat().st_mtime_ns
            return source, str(path), lambda: _mtime(path) == mtime
        raise TemplateNotFound(template)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class _Template(Template):
    def render(self, *args, **kwargs) -> str:
        text = super().render(*args, **kwargs)
        root = self.environment.book_root
        if root is not None and self.name.endswith(".css.j2") and Path(self.filename).is_relative_to(root):
            from .references import print_problems

            styles = root / "styles"
            problems = print_problems(text, shown_file(Path(self.filename), root), styles,
                                      (root, *self.environment.style_roots), styles)
            if problems:
                for problem in problems:  # the line is the rendered text's: say so
                    problem.message = f"{problem.message} (line {problem.line} of what it renders)"
                    problem.line = None
                raise problems[0] if len(problems) == 1 else BookErrors(problems)
        return text


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, which calls only what a page template needs."""

    template_class = _Template

    def __init__(self, dirs: tuple[Path, ...], root: Path | None):
        super().__init__(loader=_Loader(dirs, root), autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                         lstrip_blocks=True, keep_trailing_newline=True)
        self.book_root = root
        self.style_roots = tuple(d.resolve() for d in dirs)
        self.helpers = {id(value) for value in self.globals.values()}
        self.format_code = self.wrap_str_format("".format).__code__  # str.format as the sandbox wraps it

    def is_safe_callable(self, obj) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if id(obj) in self.helpers or isinstance(obj, JINJA_OBJECTS) \
                or getattr(obj, "__code__", None) is self.format_code:
            return True
        owner = getattr(obj, "__self__", None)
        if owner is None or isinstance(owner, type):  # a function, a class, a class method
            return False
        if isinstance(owner, PLAIN) or isinstance(owner, JINJA_OBJECTS):
            return True  # changing a list or a dict is refused by the immutable sandbox already
        function = getattr(obj, "__func__", None)
        return (type(owner).__module__.startswith("herpress.") and function is not None
                and getattr(function, "__module__", "").startswith("herpress."))

    def unsafe_undefined(self, obj, attribute):
        owner = obj.__name__ if isinstance(obj, type) else f"a {type(obj).__name__}"
        raise SecurityError(f"'{attribute}' of {owner} may not be used")

    def handle_exception(self, source: str | None = None):
        error = sys.exc_info()[1]
        if isinstance(error, BookError) or not isinstance(error, TemplateError):
            return super().handle_exception(source)
        if isinstance(error, TemplateSyntaxError):
            file, line = error.filename, error.lineno
        else:
            file, line = _place(sys.exc_info()[2])
        message = error.message or type(error).__name__
        if isinstance(error, SecurityError):
            message = f"refused: {message}: {RULES}"
        elif isinstance(error, TemplateNotFound):
            message = f"template '{error.name}' not found"
        else:
            message = f"template error: {message}"
        raise BookError(message, shown_file(Path(file), self.book_root) if file else None, line) from None


def _place(traceback) -> tuple[str | None, int | None]:
    """The template file and line where the innermost template frame of ``traceback`` was."""
    place = (None, None)
    while traceback is not None:
        template = traceback.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            place = (template.filename, template.get_corresponding_lineno(traceback.tb_lineno))
        traceback = traceback.tb_next
    return place


def check_source(source: str, shown: str) -> None:
    """Refuse in a book's own template whatever would run, or load anything from outside the book."""
    problems = []

    def line(position: int) -> int:
        return source.count("\n", 0, position) + 1

    for match in FORBIDDEN_TAG.finditer(source):
        problems.append(BookError(f"<{match[1].lower()}> is not allowed in a template: nothing in a book runs or is "
                                  "embedded from elsewhere; remove it", shown, line(match.start())))
    for match in EVENT.finditer(source):
        problems.append(BookError(f"event attribute '{match[1]}' is not allowed in a template: remove it", shown,
                                  line(match.start(1))))
    for match in FETCHING.finditer(source):
        tag, scheme = match[1].lower(), match[3].lower()
        if tag == "a" and match[2].lower() == "href" and scheme in LINKS:
            continue
        problems.append(BookError(f"<{tag} {match[2]}=\"{match[3]}…\">: a template may refer only to the book's own "
                                  "files, by relative paths", shown, line(match.start(3))))
    for ref in _css_references(source, css=shown.endswith(".css.j2")):
        target = ref.target.strip()
        if ref.kind == "import" or re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/|\\)", target) \
                and not target.lower().startswith("data:"):
            what = "@import" if ref.kind == "import" else f"url({target})"
            problems.append(BookError(f"{what} in a template: a template may refer only to the book's own files, by "
                                      "relative paths", shown, ref.line))
    if problems:
        raise problems[0] if len(problems) == 1 else BookErrors(problems)


STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _css_references(source: str, css: bool):
    """The references of the CSS in a template's source: all of it for a stylesheet template, else
    its <style> elements and style attributes (each read as CSS, its lines those of the template)."""
    from dataclasses import replace

    from .references import references

    if css:
        return references(source)
    found = []
    for match in list(STYLE_ELEMENT.finditer(source)) + list(STYLE_ATTRIBUTE.finditer(source)):
        group = next(n for n in range(1, (match.lastindex or 1) + 1) if match.group(n) is not None)
        first = source.count("\n", 0, match.start(group))
        found += [replace(ref, line=ref.line + first) for ref in references(match.group(group))]
    return found


def shown_file(path: Path, root: Path | None) -> str:
    """A template as messages name it: ``styles/templates/…`` for a book's own."""
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return str(path)
