"""Legibility: the smallest type and the thinnest line a finished print PDF draws, page by page.

Printers refuse or warn about type too small to print cleanly (KDP's paperback minimum is 7 pt)
and lines too thin to hold (IngramSpark and others want 0.25 pt; a hairline, ``0 w``, prints as
thin as the device can: inconsistently). This module reads every page's content streams with
pikepdf and follows them with a small graphics-state machine:

* **type** — each string shown (``Tj``, ``TJ``, ``'``, ``"``) counts at its printed size: the font
  size times the text matrix times the CTM, measured as the em's height across the baseline
  (``size × |det M| / |M's x axis|``), so text turned on its side (a spine, an upright axis
  label) measures what it is, and horizontal scaling (``Tz``) leaves the size alone. Text that
  prints nothing (render mode 3 and 7, a zero size or ``0 Tz``) is skipped.
* **lines** — each stroke (``S``, ``s``, ``b``, ``B``, ``b*``, ``B*``) counts at its line width
  times the CTM's scale (``sqrt(|det|)``); under a non-uniform scale each straight piece of the
  path (a curve by its control polygon) is measured across its own direction, the thinnest one
  counting. ``0 w`` is a hairline: 0 pt. WeasyPrint draws most borders not as strokes but as
  filled rectangles (a ``border-top`` is the even-odd fill between the padding box and the
  border box; ``@footnote``'s separator is one), so a fill whose path is only rectangles counts
  too, at its thinnest painted band (nested rectangles under the even-odd or non-zero rule)
  or a lone rectangle's smaller side. Fills of other shapes (chart bars are paths) are not lines.

Form XObjects drawn with ``Do`` (WeasyPrint draws each SVG text element, chart labels included,
as a form) are followed with their ``/Matrix`` and the CTM at the call, and tiling patterns
(matplotlib's hatches) with their ``/Matrix`` from the default space of the stream that paints
with them. Each form or pattern is read once: under a uniform scale (the usual case) its own
smallest marks are scaled; under any other matrix it is read again for that matrix, once.
Clipping, colour and transparency are not looked at: a stroke is a stroke.

Cost (:func:`smallest_marks`, 2 cores, loaded): the sample book's 50 pages 0.05 s; the Rust book's
748 pages, heavy with code, 1.3–1.4 s, of which 0.86 s is pikepdf parsing the pages (their ``TJ``
arrays, one glyph an element, are half of that) and the rest this module's loop; its 1,701
forms (one per wrapped code line's continuation mark) are read as 56.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

#: what the reader asks pikepdf for; everything else is skipped in its parser
OPERATORS = ("q Q cm w gs Do BT Tf Tm Td TD T* TL Tz Tr Tj TJ ' \" "
             "m l c v y h re S s f F f* B B* b b* n scn SCN")
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
#: line width, font, font size, horizontal scaling, render mode, leading: what a form inherits
INITIAL = (1.0, None, 0.0, 1.0, 0, 0.0)
TOLERANCE = 0.005  # pt: a 0.25 pt rule written in CSS pixels reads back as 0.2499999
_PATH = frozenset(("m", "l", "c", "v", "y", "h", "re"))
_DRAWS = frozenset(("l", "c", "v", "y", "h", "re"))
_STROKES = frozenset(("S", "s", "B", "B*", "b", "b*"))
_PAINTS = frozenset(("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"))
_FILLS = {"f": False, "F": False, "f*": True, "B": False, "B*": True, "b": False, "b*": True}  # even-odd?
_MAX_DEPTH = 12


@dataclass(frozen=True)
class Type:
    """The smallest type on a page."""

    size: float    # pt, as printed
    font: str      # the font's BaseFont, without its subset tag
    x: float       # where the string starts, in the page's default space (pt, origin bottom left)
    y: float
    context: str   # "page", "form" (WeasyPrint: SVG text — chart labels) or "pattern"


@dataclass(frozen=True)
class Line:
    """The thinnest line on a page."""

    width: float   # pt, as printed; 0 for a hairline (``0 w``)
    kind: str      # "stroke" or "rule" (a filled rectangle, thin one way: WeasyPrint's borders)
    x: float       # where its path starts, in the page's default space
    y: float
    context: str   # "page", "form" or "pattern"


@dataclass
class PageMarks:
    number: int              # 1-based
    type: Type | None = None  # None: the page shows no text
    line: Line | None = None  # None: no stroke and no rectangle filled


@dataclass
class Marks:
    pages: list[PageMarks] = field(default_factory=list)

    @property
    def smallest_type(self) -> tuple[int, Type] | None:
        """(page number, type) of the book's smallest type, the first page of it."""
        found = [p for p in self.pages if p.type]
        page = min(found, key=lambda p: p.type.size, default=None)
        return (page.number, page.type) if page else None

    @property
    def thinnest_line(self) -> tuple[int, Line] | None:
        """(page number, line) of the book's thinnest line, the first page of it."""
        found = [p for p in self.pages if p.line]
        page = min(found, key=lambda p: p.line.width, default=None)
        return (page.number, page.line) if page else None


def smallest_marks(path: Path, memo=None) -> Marks:
    """The smallest type and the thinnest line of each page of the PDF at ``path``; ``memo`` (a
    :class:`.readback.PageMemo`) has what pages of the same content gave before."""
    import dataclasses

    import pikepdf

    from .readback import NOTHING_KEPT

    memo = memo or NOTHING_KEPT
    marks = Marks()
    with pikepdf.open(str(path)) as pdf:
        reader = _Reader()
        for number, page in enumerate(pdf.pages, 1):
            kept = memo.get("marks", number - 1, _marks_from)
            if kept is None:
                found = reader.run(page.obj, _page_resources(page.obj), IDENTITY, INITIAL, 0)
                kept = (found.type(), found.line())
                memo.put("marks", number - 1, [dataclasses.asdict(mark) if mark else None for mark in kept])
            marks.pages.append(PageMarks(number, *kept))
    memo.save("marks")
    return marks


def _marks_from(value) -> tuple[Type | None, Line | None]:
    """A page's (type, line) as :func:`smallest_marks` keeps them (KeyError, TypeError or
    ValueError for anything else)."""
    type_, line = value
    type_ = Type(size=float(type_["size"]), font=str(type_["font"]), x=float(type_["x"]), y=float(type_["y"]),
                 context=str(type_["context"])) if type_ is not None else None
    line = Line(width=float(line["width"]), kind=str(line["kind"]), x=float(line["x"]), y=float(line["y"]),
                context=str(line["context"])) if line is not None else None
    return type_, line


def legibility_problems(path: Path, min_type_pt: float, min_line_pt: float,
                        service: str | None = None) -> list[str]:
    """One message per page and kind (the worst), in page order: type set below ``min_type_pt``,
    a line thinner than ``min_line_pt`` (a hairline always). ``service`` names the printer
    ("KDP") in the messages."""
    return [message for _, message in found_problems(smallest_marks(path), min_type_pt, min_line_pt, service)]


def found_problems(marks: Marks, min_type_pt: float, min_line_pt: float,
                   service: str | None = None) -> list[tuple[str, str]]:
    """(context, message) of :func:`legibility_problems`, the context where the worst mark was
    drawn ("page", "form" or "pattern"), so that a caller can tell herpress's own type from an image's."""
    who = f"{service}'s" if service else "the printer's"
    problems = []
    for page in marks.pages:
        if page.type and page.type.size < min_type_pt - TOLERANCE:
            where = {"form": ", in a chart or SVG image?", "pattern": ", in a pattern"}.get(page.type.context, "")
            problems.append((page.type.context, f"page {page.number}: type set at {_pt(page.type.size, min_type_pt)} pt "
                             f"(font {page.type.font}{where}) — {who} minimum is {_pt(min_type_pt)} pt"))
        if page.line and page.line.width < min_line_pt - TOLERANCE:
            if page.line.width == 0:
                what = "a hairline (line width 0: as thin as the printing device can draw)"
            else:
                rule = " (a filled rule: a border?)" if page.line.kind == "rule" else ""
                what = f"a line {_pt(page.line.width, min_line_pt)} pt thick{rule}"
            where = {"form": " (in a form: a chart or SVG image?)",
                     "pattern": " (in a pattern: a chart's hatching?)"}.get(page.line.context, "")
            problems.append((page.line.context,
                             f"page {page.number}: {what}{where} — {who} minimum is {_pt(min_line_pt)} pt"))
    return problems


def _pt(value: float, limit: float | None = None) -> str:
    """5.1; 0.12; never a figure that rounds up to the limit it is under (6.96 is not "7")."""
    for places in (1, 2, 3) if value >= 1 else (2, 3):
        text = f"{value:.{places}f}"
        if limit is None or float(text) < limit:
            break
    return text.rstrip("0").rstrip(".") if "." in text else text


def _page_resources(page):
    while page is not None:
        if "/Resources" in page:
            return page.Resources
        page = page.get("/Parent")
    return None


# ---------- geometry: matrices are (a, b, c, d, e, f), row vectors, M × CTM as in PDF ----------

def _mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _similar(m) -> float | None:
    """The scale of ``m`` if it is a similarity (rotation, reflection, uniform scale), else None."""
    a, b, c, d = m[0], m[1], m[2], m[3]
    x, y = a * a + b * b, c * c + d * d
    if abs(x - y) <= 1e-6 * (x + y) and abs(a * c + b * d) <= 1e-6 * (x + y):
        return math.sqrt(abs(a * d - b * c))
    return None


def _smallest_scale(m) -> float:
    a, b, c, d = m[0], m[1], m[2], m[3]
    s = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return math.sqrt(max(0.0, (s - math.sqrt(max(0.0, s * s - 4 * det * det))) / 2))


def _across(m, dx, dy) -> float:
    """How thick a unit width, laid along user direction (dx, dy), is on the page."""
    a, b, c, d = m[0], m[1], m[2], m[3]
    length = math.hypot(a * dx + c * dy, b * dx + d * dy)
    return abs(a * d - b * c) * math.hypot(dx, dy) / length if length else 0.0


def _point(m, x, y):
    return (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])


# ---------- what one content stream draws ----------

class _Found:
    """The smallest type and thinnest line of one content stream, in its base space."""

    __slots__ = ("size", "font", "tx", "ty", "tctx", "width", "kind", "lx", "ly", "lctx")

    def __init__(self):
        self.size = self.width = math.inf
        self.font = self.kind = ""
        self.tx = self.ty = self.lx = self.ly = 0.0
        self.tctx = self.lctx = "page"

    def text(self, size, font, x, y, context):
        if size < self.size:
            self.size, self.font, self.tx, self.ty, self.tctx = size, font, x, y, context

    def stroke(self, width, kind, x, y, context):
        if width < self.width:
            self.width, self.kind, self.lx, self.ly, self.lctx = width, kind, x, y, context

    def add(self, other: _Found, scale: float, m, shift, context: str):
        """``other``'s marks (a form's or pattern's, in its own space, moved by ``shift`` there)
        drawn by ``m``, which scales sizes by ``scale``."""
        dx, dy = shift
        if other.size < math.inf:
            self.text(other.size * scale, other.font, *_point(m, other.tx + dx, other.ty + dy),
                      "pattern" if other.tctx == "pattern" else context)
        if other.width < math.inf:  # a pattern (a hatch) says more than the form that draws it
            self.stroke(other.width * scale, other.kind, *_point(m, other.lx + dx, other.ly + dy),
                        "pattern" if other.lctx == "pattern" else context)

    def type(self) -> Type | None:
        return Type(self.size, self.font, self.tx, self.ty, self.tctx) if self.size < math.inf else None

    def line(self) -> Line | None:
        return Line(self.width, self.kind, self.lx, self.ly, self.lctx) if self.width < math.inf else None


#: WeasyPrint draws each use of an SVG image as a form of its own whose content starts by moving
#: to where the image goes: forms equal but for that first translation are read once
_LEADING_MOVE = re.compile(rb"\s*1 0 0 1 ([-+.0-9]+) ([-+.0-9]+) cm\s")


class _Reader:
    def __init__(self):
        self.own: dict = {}       # (content, resources, linear part or None, state) -> (_Found, its move)
        self.contents: dict = {}  # objgen of a form or pattern -> (content key, its leading move)
        self.fonts: dict = {}     # objgen of a font dictionary -> (name, Type 3 glyph matrix or None)
        self.active: set = set()

    def child(self, obj, resources, m, state, context, depth, found: _Found):
        """Add what form or tiling pattern ``obj`` draws under ``m`` (its matrix × the CTM), from
        graphics state ``state``, to ``found``."""
        key = obj.objgen if obj.is_indirect else id(obj)
        if key in self.active or depth > _MAX_DEPTH:
            return
        own_resources = obj.get("/Resources")
        if own_resources is None:
            own_resources = resources
        if key not in self.contents:
            data = obj.read_bytes()
            move = _LEADING_MOVE.match(data)
            content = data[move.end():] if move else data
            resources_key = own_resources.unparse(resolved=True) if own_resources is not None else b""
            self.contents[key] = ((content, resources_key), (float(move[1]), float(move[2])) if move else (0.0, 0.0))
        content, leading = self.contents[key]
        scale = _similar(m)
        linear = None if scale is not None else tuple(round(v, 6) for v in m[:4])
        cache = (content, linear, state)
        if cache not in self.own:
            self.active.add(key)
            try:
                self.own[cache] = (self.run(obj, own_resources, IDENTITY if linear is None else (*m[:4], 0.0, 0.0),
                                            state, depth + 1), leading)
            finally:
                self.active.discard(key)
        own, first = self.own[cache]
        shift = (leading[0] - first[0], leading[1] - first[1])  # this copy's move, less the copy read's
        if linear is None:
            found.add(own, scale, m, shift, context)
        else:
            found.add(own, 1.0, (1.0, 0.0, 0.0, 1.0, m[4], m[5]), _point((*m[:4], 0.0, 0.0), *shift), context)

    def font(self, font):
        """(BaseFont without its subset tag, the Type 3 glyph matrix × 1000 or None)."""
        key = font.objgen if font.is_indirect else id(font)
        if key not in self.fonts:
            name = str(font.get("/BaseFont", "") or font.get("/Name", "") or "?").lstrip("/")
            if len(name) > 7 and name[6] == "+" and name[:6].isupper():
                name = name[7:]
            matrix = None
            if font.get("/Subtype") == "/Type3" and "/FontMatrix" in font:
                matrix = tuple(float(v) * 1000 for v in font.FontMatrix)
                matrix = (*matrix[:4], 0.0, 0.0)
            self.fonts[key] = (name, matrix)
        return self.fonts[key]

    def run(self, stream, resources, base, state, depth) -> _Found:  # noqa: C901 (one loop, one state machine)
        """What ``stream`` draws, from CTM ``base`` and graphics state ``state`` (:data:`INITIAL`)."""
        import pikepdf

        found = _Found()
        context = "page"  # a form's or pattern's own marks: the caller says what they are
        named: dict = {}
        fonts: dict = {}  # name in the resources -> self.font()

        def resource(kind, name):
            key = (kind, str(name))
            if key not in named:
                group = resources.get(kind) if resources is not None else None
                named[key] = group.get(name) if group is not None else None
            return named[key]

        ctm = base
        lw, font, tfs, th, tr, tl = state  # font: (name, Type 3 glyph matrix)
        stack = []
        tm = tlm = IDENTITY
        size = None    # the printed size of the current text state; None: not worked out yet
        scale = None   # (the CTM's scale if uniform else None, its smallest scale); None: not yet
        path = []
        try:
            instructions = pikepdf.parse_content_stream(stream, OPERATORS)
        except pikepdf.PdfError:  # a stream qpdf cannot read: nothing found in it
            return found
        for ins in instructions:
            try:
                op = str(ins.operator)
                if op == "TJ" or op == "Tj" or op == "'" or op == '"':
                    if op == "'" or op == '"':
                        tlm = tm = (*tlm[:4], tlm[4] - tl * tlm[2], tlm[5] - tl * tlm[3])
                    if size is None:
                        if tr == 3 or tr == 7 or font is None or not tfs or not th:
                            size = math.inf  # prints nothing
                        else:
                            m = _mul(tm, ctm) if font[1] is None else _mul(_mul(font[1], tm), ctm)
                            a, b, c, d = m[0], m[1], m[2], m[3]
                            across = math.hypot(a, b)
                            size = abs(tfs) * (abs(a * d - b * c) / across if across else math.hypot(c, d))
                    if size < found.size and _shows(ins.operands[-1]):
                        found.text(size, font[0], *_point(ctm, tm[4], tm[5]), context)
                elif op == "Tm":
                    o = ins.operands
                    new = (float(o[0]), float(o[1]), float(o[2]), float(o[3]), float(o[4]), float(o[5]))
                    if new[:4] != tm[:4]:
                        size = None
                    tm = tlm = new
                elif op == "Tf":
                    o = ins.operands
                    name = str(o[0])
                    if name not in fonts:
                        dictionary = resource("/Font", o[0])
                        fonts[name] = self.font(dictionary) if dictionary is not None else None
                    font = fonts[name]
                    tfs = float(o[1])
                    size = None
                elif op == "q":
                    stack.append((ctm, lw, font, tfs, th, tr, tl))
                elif op == "Q":
                    if stack:
                        ctm, lw, font, tfs, th, tr, tl = stack.pop()
                        size = scale = None
                elif op in _PATH:
                    path.append((op, ins))
                elif op in _PAINTS:
                    if path and op != "n":
                        if op in _STROKES:
                            if scale is None:
                                uniform = _similar(ctm)
                                scale = (uniform, uniform if uniform is not None else _smallest_scale(ctm))
                            if lw * scale[1] < found.width and any(o in _DRAWS for o, _ in path):
                                _stroke(found, path, ctm, lw, scale[0], context)
                        if op in _FILLS and all(o == "re" for o, _ in path):
                            _fill(found, path, ctm, _FILLS[op], context)
                    path = []
                elif op == "cm":
                    ctm = _mul(tuple(float(v) for v in ins.operands), ctm)
                    size = scale = None
                elif op == "w":
                    lw = abs(float(ins.operands[0]))
                elif op == "BT":
                    if tm[:4] != IDENTITY[:4]:
                        size = None
                    tm = tlm = IDENTITY
                elif op == "Td" or op == "TD":
                    tx, ty = float(ins.operands[0]), float(ins.operands[1])
                    if op == "TD":
                        tl = -ty
                    tlm = tm = (*tlm[:4], tx * tlm[0] + ty * tlm[2] + tlm[4], tx * tlm[1] + ty * tlm[3] + tlm[5])
                elif op == "T*":
                    tlm = tm = (*tlm[:4], tlm[4] - tl * tlm[2], tlm[5] - tl * tlm[3])
                elif op == "TL":
                    tl = float(ins.operands[0])
                elif op == "Tz":
                    th = float(ins.operands[0]) / 100
                    size = None
                elif op == "Tr":
                    tr = int(ins.operands[0])
                    size = None
                elif op == "Do":
                    xobject = resource("/XObject", ins.operands[0])
                    if xobject is not None and xobject.get("/Subtype") == "/Form":
                        matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
                        self.child(xobject, resources, _mul(matrix, ctm), (lw, font, tfs, th, tr, tl), "form",
                                   depth, found)
                elif op == "gs":
                    graphics = resource("/ExtGState", ins.operands[0])
                    if graphics is not None:
                        if "/LW" in graphics:
                            lw = abs(float(graphics.LW))
                        if "/Font" in graphics:
                            font, tfs = self.font(graphics.Font[0]), float(graphics.Font[1])
                            size = None
                elif op == "scn" or op == "SCN":  # a pattern chosen to paint with is taken as painted
                    o = ins.operands
                    if len(o) and isinstance(o[-1], pikepdf.Name):
                        pattern = resource("/Pattern", o[-1])
                        if pattern is not None and pattern.get("/PatternType") == 1:  # tiling (hatches)
                            # the pattern's space is the default space of the stream painting with it
                            matrix = tuple(float(v) for v in pattern.get("/Matrix", IDENTITY))
                            self.child(pattern, resources, _mul(matrix, base), INITIAL, "pattern", depth, found)
            except (IndexError, TypeError, ValueError, AttributeError):  # a malformed instruction: skipped
                continue
        return found


def _shows(text) -> bool:
    """Whether a Tj/'/" string or a TJ array holds any character."""
    import pikepdf

    if isinstance(text, pikepdf.Array):
        return any(isinstance(item, pikepdf.String) and len(bytes(item)) for item in text)
    return isinstance(text, (pikepdf.String, bytes, str)) and len(bytes(text)) > 0


def _stroke(found: _Found, path, ctm, lw, uniform, context):
    first = path[0][1].operands
    start = _point(ctm, float(first[0]), float(first[1])) if len(first) >= 2 else _point(ctm, 0.0, 0.0)
    if lw == 0 or uniform is not None:
        found.stroke(lw * (uniform or 0.0), "stroke", *start, context)
        return
    # a non-uniform scale: each piece of the path across its own direction
    thinnest = math.inf
    current = first = (0.0, 0.0)
    for op, ins in path:
        values = [float(v) for v in ins.operands]
        if op == "m":
            current = first = (values[0], values[1])
            continue
        if op == "re":
            x, y, w, h = values
            if w:
                thinnest = min(thinnest, _across(ctm, 1.0, 0.0))
            if h:
                thinnest = min(thinnest, _across(ctm, 0.0, 1.0))
            current = first = (x, y)
            continue
        points = list(first) if op == "h" else values  # a curve: its control polygon
        for i in range(0, len(points) - 1, 2):
            point = (points[i], points[i + 1])
            dx, dy = point[0] - current[0], point[1] - current[1]
            if dx or dy:
                thinnest = min(thinnest, _across(ctm, dx, dy))
            current = point
    if thinnest == math.inf:
        thinnest = _smallest_scale(ctm)
    found.stroke(lw * thinnest, "stroke", *start, context)


def _fill(found: _Found, path, ctm, even_odd: bool, context):
    """A path of rectangles only: its thinnest painted band (a border, a rule)."""
    rects = []
    for _, ins in path:
        x, y, w, h = (float(v) for v in ins.operands)
        orientation = 1 if w * h >= 0 else -1
        x0, x1 = sorted((x, x + w))
        y0, y1 = sorted((y, y + h))
        if x1 - x0 > 0 and y1 - y0 > 0:  # zero-area rectangles paint nothing (WeasyPrint's clips use them)
            rects.append((x0, y0, x1, y1, orientation))
    if not rects:
        return
    across_x = _across(ctm, 0.0, 1.0)  # a width along x (a vertical band) on the page
    across_y = _across(ctm, 1.0, 0.0)  # a height along y (a horizontal band)

    def band(outer, inner):
        """Thinnest side of the ring between ``outer`` and ``inner`` (inside it); or of ``outer``."""
        if inner is None:
            return min((outer[2] - outer[0]) * across_x, (outer[3] - outer[1]) * across_y)
        sides = [(inner[0] - outer[0]) * across_x, (outer[2] - inner[2]) * across_x,
                 (inner[1] - outer[1]) * across_y, (outer[3] - inner[3]) * across_y]
        return min((s for s in sides if s > 1e-9), default=math.inf)

    rects.sort(key=lambda r: (r[2] - r[0]) * (r[3] - r[1]), reverse=True)
    nested = all(o[0] <= i[0] + 1e-9 and o[1] <= i[1] + 1e-9 and i[2] <= o[2] + 1e-9 and i[3] <= o[3] + 1e-9
                 for o, i in zip(rects, rects[1:]))
    thinnest = math.inf
    if nested:
        # region k lies inside rects[0..k] and outside rects[k+1]: painted or not by the fill rule;
        # a run of painted regions k..j is the ring between rects[k] and rects[j + 1]
        painted, winding = [], 0
        for k, rect in enumerate(rects):
            winding += rect[4]
            painted.append(k % 2 == 0 if even_odd else winding != 0)
        k = 0
        while k < len(rects):
            if not painted[k]:
                k += 1
                continue
            j = k
            while j + 1 < len(rects) and painted[j + 1]:
                j += 1
            thinnest = min(thinnest, band(rects[k], rects[j + 1] if j + 1 < len(rects) else None))
            k = j + 1
    else:
        thinnest = min(band(rect, None) for rect in rects)
    if thinnest < math.inf:
        outer = rects[0]
        found.stroke(thinnest, "rule", *_point(ctm, outer[0], outer[1]), context)
