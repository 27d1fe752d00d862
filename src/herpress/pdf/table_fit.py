"""Tables that fit the text block, every cell printed: set smaller, then hyphenated, then turned.

A table's widest word sets its narrowest width; when that is wider than the text block,
WeasyPrint lets the table run past the margin and off the trim, and the columns beyond the
page are simply not printed (the Rust book's Ferris table lost its "Meaning" column so).
Before the book is laid out, its wide tables are laid out alone — only the tables, so a few
tenths of a second — at the width of the text block, and each that is too wide takes the
first of these that fits (``print.css``, ``table.fit-…``):

1. ``fit-small``: 7.5 pt type and tighter cell padding;
2. ``fit-hyphenated``: the same, with words hyphenated;
3. ``fit-turned``: a page of its own, turned a quarter (read with the book turned clockwise),
   the table as wide as the text block is tall — when it is then no taller than the block
   is wide;
4. failing all, ``fit-broken``: small, hyphenated, and words and code broken between any two
   characters: narrow columns, but nothing cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..xhtml import inner_xhtml, parse_xhtml

STEPS = ("fit-small", "fit-hyphenated", "fit-turned")
LAST_RESORT = "fit-broken"
PX = 0.75  # points per CSS px
TOLERANCE = 0.5  # pt


@dataclass
class Probe:
    """One table of a chapter, as laid out alone."""

    slug: str
    index: int  # the table's place among the chapter's tables
    markup: str
    width: float = 0.0  # pt, as laid out at the last step tried
    height: float = 0.0
    step: str = ""
    tall_rows: set = field(default_factory=set)  # rows taller than the text block: these may split


def fit_tables(bodies: dict[str, str], geometry, render) -> dict[str, str]:
    """``bodies`` with each table too wide for ``geometry``'s text block given its class.

    ``render(markup, css)`` lays a document out exactly as the book (the Typesetter's ``render_more``)."""
    probes = [Probe(slug, index, etree.tostring(table, encoding="unicode", with_tail=False))
              for slug, body in bodies.items() if "<table" in body
              for index, table in enumerate(parse_xhtml(body).iter("table"))]
    width, height = geometry.text_width * 72, geometry.text_height * 72
    wide = [p for p in _measured(probes, "", width, render, tall=height) if p.width > width + TOLERANCE]
    for step in STEPS:
        if not wide:
            break
        measure = height if step == "fit-turned" else width
        for probe in _measured(wide, step, measure, render):
            probe.step = step
        wide = [p for p in wide if not _fits(p, step, width, height)]
    for probe in wide:  # nothing fits: narrow columns rather than a cut
        probe.step = LAST_RESORT
    chosen = {(p.slug, p.index): p for p in probes if p.step or p.tall_rows}
    if not chosen:
        return bodies
    fitted = dict(bodies)
    for slug in {slug for slug, _ in chosen}:
        container = parse_xhtml(bodies[slug])
        for index, table in enumerate(list(container.iter("table"))):
            probe = chosen.get((slug, index))
            if probe is None:
                continue
            for number, row in enumerate(table.iter("tr")):
                if number in probe.tall_rows:  # kept whole, it would leave a page empty and split anyway
                    row.set("class", " ".join([*(row.get("class") or "").split(), "tall-row"]))
            if probe.step:
                _mark(table, probe.step)
        fitted[slug] = inner_xhtml(container)
    return fitted


def _fits(probe: Probe, step: str, width: float, height: float) -> bool:
    if step == "fit-turned":
        return probe.width <= height + TOLERANCE and probe.height <= width + TOLERANCE
    return probe.width <= width + TOLERANCE


def _mark(table, step: str) -> None:
    table.set("class", " ".join([*(table.get("class") or "").split(), *_classes(step)]))
    if step == "fit-turned":  # a page of its own, the text block's height, holding a turned block
        page = etree.Element("div", {"class": "turned-page"})
        table.addprevious(page)
        page.tail, table.tail = table.tail, None
        etree.SubElement(page, "div", {"class": "turned"}).append(table)


def _classes(step: str) -> list[str]:
    return {"fit-small": ["fit-small"], "fit-hyphenated": ["fit-small", "fit-hyphenated"],
            "fit-turned": ["fit-small", "fit-turned"], LAST_RESORT: ["fit-small", "fit-hyphenated", LAST_RESORT]}[step]


def _measured(probes: list[Probe], step: str, measure: float, render, tall: float | None = None) -> list[Probe]:
    """Lay ``probes`` out alone at ``measure`` pt wide under ``step``'s classes; set their sizes,
    and (given ``tall``, the text block's height) the rows taller than that."""
    if not probes:
        return probes
    classes = " ".join(_classes(step)) if step else ""
    markup = "".join(f'<div class="table-probe">{_tagged(p.markup, classes, n)}</div>' for n, p in enumerate(probes))
    css = (f".table-probe {{ width: {measure:.2f}pt; break-inside: avoid; }} "
           "table { break-inside: avoid; } @page { size: 40in 40in; }")
    document = render(f'<html><body><section class="chapter">{markup}</section></body></html>', css)
    for probe in probes:
        probe.width = probe.height = 0.0
    rows: dict[tuple[int, int], float] = {}
    for page in document.pages:  # a table taller than a probe page comes in pieces
        for box in _tables(page._page_box):
            n = int(box.element.get("data-probe"))
            probe = probes[n]
            probe.width = max(probe.width, box.border_width() * PX)
            probe.height += box.border_height() * PX
            for row in _rows(box):
                key = (n, int(row.element.get("data-row")))
                rows[key] = rows.get(key, 0.0) + row.border_height() * PX
    if tall is not None:
        for (n, row), height in rows.items():
            if height > tall:
                probes[n].tall_rows.add(row)
    return probes


def _rows(table_box):
    for group in table_box.children:
        for row in getattr(group, "children", []):
            if getattr(row, "element", None) is not None and row.element.get("data-row") is not None:
                yield row


def _tagged(markup: str, classes: str, number: int) -> str:
    table = etree.fromstring(markup)
    table.set("data-probe", str(number))
    for index, row in enumerate(table.iter("tr")):
        row.set("data-row", str(index))
    table.attrib.pop("id", None)  # the book's own: in the probe it would only collide
    if classes:
        table.set("class", " ".join([*(table.get("class") or "").split(), *classes.split()]))
    return etree.tostring(table, encoding="unicode")


def _tables(box):
    """The table boxes (not their wrappers) of a probe page."""
    if type(box).__name__ == "TableBox" and getattr(box, "element", None) is not None \
            and box.element.get("data-probe") is not None:
        yield box
        return
    for child in getattr(box, "children", []):
        yield from _tables(child)
