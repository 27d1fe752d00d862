"""Code blocks as lines: each line of a ``<pre>`` becomes its own ``<span class="line">``.

A line that wraps then wraps *as a line*: the stylesheets give it a hanging indent, and in
print a continuation mark (``print.css``, ``pre .line``), the way a technical book prints a
compiler message too long for the measure. The split keeps every character and every
highlighting span (a span that crosses a line, such as a block comment, is cut in two and
reopened on the next line), so copying the text out of an EPUB or the PDF gives the code back.

It runs on the converted chapter, once, where :mod:`herpress.rawhtml` tidies it too: both
media take the lines from the model.
"""

from __future__ import annotations

from lxml import etree

from .xhtml import drop

LINE = "line"


def split_lines(container) -> None:
    """Split every ``<pre>`` in ``container`` (its ``<code>``, when it has one) into lines."""
    for pre in list(container.iter("pre")):
        for empty in [child for child in pre if child.tag == "span" and not child.attrib and not len(child)
                      and not child.text]:
            drop(empty)  # Pygments opens every block with <span></span>
        code = pre.find("code")
        holder = code if code is not None and len(pre) == 1 and not (pre.text or "").strip() \
            and not (code.tail or "").strip() else pre
        if holder is code:
            pre.text, code.tail = None, None
        _split(holder)


def _split(holder) -> None:
    if any((child.get("class") or "").split()[:1] == [LINE] for child in holder):
        return  # split already
    pieces = list(_pieces(holder, ()))
    for child in list(holder):
        holder.remove(child)
    holder.text = None
    lines: list[list[tuple[tuple, str]]] = [[]]
    for path, text in pieces:
        for number, part in enumerate(text.split("\n")):
            if number:
                lines[-1].append(((), "\n"))
                lines.append([])
            if part or not text:
                lines[-1].append((path, part))
    if not lines[-1]:
        lines.pop()  # the newline that ends the block opens no line of its own
    opened: set[int] = set()
    for line in lines:
        indent = _indent("".join(text for _, text in line))
        span = etree.SubElement(holder, "span", {"class": f"{LINE} i{indent}" if indent else LINE})
        made: dict[int, object] = {}  # source element → its copy in this line
        for path, text in line:
            _append(span, path, text, made, opened)


MAX_INDENT = 16  # columns: the stylesheets hang a wrapped line past its own indent up to this


def _indent(text: str) -> int:
    """The columns of a line's leading white space (a tab to the next multiple of four), so that
    a wrapped line's continuation hangs past its own indent, not left of it (class ``iN``)."""
    columns = 0
    for character in text:
        if character == " ":
            columns += 1
        elif character == "\t":
            columns += 4 - columns % 4
        else:
            break
    else:
        return 0  # a blank line
    return min(columns, MAX_INDENT)


def _pieces(element, path: tuple):
    """(the source elements above a run of text, outermost first; the text), in order. An
    empty element with attributes (an anchor) is a piece of no text; one without (Pygments
    opens every block with ``<span></span>``) is left out."""
    if element.text:
        yield path, element.text
    for child in element:
        if isinstance(child.tag, str):
            if len(child) or child.text:
                yield from _pieces(child, path + (child,))
            elif child.attrib or child.tag not in ("span",):
                yield path + (child,), ""
        if child.tail:
            yield path, child.tail


def _append(line, path: tuple, text: str, made: dict, opened: set) -> None:
    """Add ``text`` to ``line`` inside copies of the elements of ``path``: the copies this line
    already has while they are still the last thing in it, new ones otherwise. Only the first
    copy of an element keeps its ``id``."""
    parent = line
    for source in path:
        copy = made.get(id(source))
        if copy is None or copy.getparent() is not parent or parent[-1] is not copy or copy.tail:
            attributes = dict(source.attrib)
            if id(source) in opened:
                attributes.pop("id", None)
            opened.add(id(source))
            copy = etree.SubElement(parent, source.tag, attributes)
            made[id(source)] = copy
        parent = copy
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
