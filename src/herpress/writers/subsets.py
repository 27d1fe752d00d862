"""Subsets of one font, made apart, merged into one (for :mod:`.pdfjoin`).

WeasyPrint embeds in each PDF a subset of each face holding only the glyphs that PDF draws, with
every glyph at the id it has in the full font (HarfBuzz's ``RETAIN_GIDS``; the glyphs not drawn
are left empty). So the subsets that two parts of a book embed of one face differ only in which
glyphs are filled, and one font program holds them all: each glyph filled in any subset, copied
where it is filled, at its own id. Glyph outlines are self-contained — WeasyPrint desubroutinizes
CFF, and a TrueType composite names its components, which its subset holds too.

Only what is sure to be one font is merged (the caller gives the subsets of one face, named
alike): glyph outlines of one kind, and for CFF the same width defaults and no CID keying. Anything else is left as it is (``None``): the
book then embeds more than one subset of the face, each under its own name, which is still right.
"""

from __future__ import annotations

from io import BytesIO


def merge(programs: list[bytes]) -> bytes | None:
    """One font program with every glyph filled in any of ``programs``; ``None`` where not sure."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        fonts = [TTFont(BytesIO(program)) for program in programs]
        fonts.sort(key=lambda font: len(font.getGlyphOrder()), reverse=True)
        base, others = fonts[0], fonts[1:]
        if "glyf" in base and all("glyf" in other for other in others):
            copy = _copy_glyf
        elif "CFF " in base and all("CFF " in other for other in others) and _same_cff(fonts):
            copy = _copy_cff
        else:
            return None
        order = base.getGlyphOrder()
        for other in others:
            # the same id is the same glyph; the names may differ (made from each subset's cmap)
            names = dict(zip(other.getGlyphOrder(), order))
            for theirs, ours in names.items():
                if copy(other, base, theirs, ours, names) and "hmtx" in other and "hmtx" in base:
                    base["hmtx"][ours] = other["hmtx"][theirs]
        out = BytesIO()
        base.save(out)
    except (TTLibError, ValueError, KeyError, AssertionError, IndexError, TypeError, AttributeError):
        return None
    return out.getvalue()


def _copy_glyf(source, target, theirs: str, ours: str, names: dict[str, str]) -> bool:
    """Copy a glyph filled in ``source`` and empty in ``target`` (a composite's components renamed)."""
    glyph = source["glyf"][theirs]
    if glyph.numberOfContours == 0 or target["glyf"][ours].numberOfContours != 0:
        return False
    if glyph.isComposite():
        for component in glyph.components:
            component.glyphName = names[component.glyphName]
    target["glyf"][ours] = glyph
    return True


def _top(font):
    return font["CFF "].cff.topDictIndex[0]


def _same_cff(fonts) -> bool:
    """Name-keyed CFF fonts whose widths are coded against the same defaults."""
    def defaults(font):
        top = _top(font)
        if hasattr(top, "ROS") or hasattr(top, "FDArray"):
            return None  # CID-keyed: each glyph's private dict is chosen by FDSelect
        private = top.Private
        return (getattr(private, "defaultWidthX", 0), getattr(private, "nominalWidthX", 0))

    first = defaults(fonts[0])
    return first is not None and all(defaults(font) == first for font in fonts[1:])


def _copy_cff(source, target, theirs: str, ours: str, names: dict[str, str]) -> bool:
    source_strings, target_strings = _top(source).CharStrings, _top(target).CharStrings
    glyph = source_strings[theirs]
    if _empty(glyph) or not _empty(target_strings[ours]):
        return False
    glyph.private = _top(target).Private
    target_strings[ours] = glyph
    return True


ENDCHAR = 14  # the Type 2 operator that ends a glyph


def _empty(charstring) -> bool:
    """A glyph with no outline: its program is at most a width, then ``endchar``. (Read from the
    bytes where they are short: decompiling every glyph of every subset took seconds.)"""
    code = getattr(charstring, "bytecode", None)
    if code is not None and (len(code) > 6 or code[-1:] != bytes([ENDCHAR])):
        return False
    charstring.decompile()
    program = charstring.program
    return program[-1:] == ["endchar"] and len(program) <= 2 and all(
        isinstance(token, (int, float)) for token in program[:-1])
