"""Subsets of one font, made apart, merged into one (for :mod:`.pdfjoin`).

WeasyPrint embeds in each PDF a subset of each face holding only the glyphs that PDF draws, with
every glyph at the id it has in the full font (HarfBuzz's ``RETAIN_GIDS``; the glyphs not drawn
are left empty). So the subsets that two parts of a book embed of one face differ only in which
glyphs are filled, and one font program holds them all: each glyph filled in any subset, copied
where it is filled, at its own id. Which glyphs a subset fills is known without reading them: those
its PDF draws, listed in its ``/W`` widths. Glyph outlines are self-contained — WeasyPrint
desubroutinizes CFF, and a TrueType composite names its components, which its subset holds too.

Only what is sure to be one font is merged (the caller gives the subsets of one face, named
alike): glyph outlines of one kind, and for CFF the same width defaults and no CID keying. Anything else is left as it is (``None``): the
book then embeds more than one subset of the face, each under its own name, which is still right.
"""

from __future__ import annotations

from io import BytesIO


def merge(programs: list[bytes], used: list[set[int]]) -> bytes | None:
    """One font program with the glyphs ``used[i]`` of each ``programs[i]`` (the ids its PDF draws,
    from its ``/W`` widths: no glyph needs reading to know it is there); ``None`` where not sure."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        # the time the font was made kept (fontTools writes the time of the merge otherwise): the
        # same parts join to the same bytes, so a page's read-back is found again (readback.py)
        fonts = [TTFont(BytesIO(program), recalcTimestamp=False) for program in programs]
        order = sorted(range(len(fonts)), key=lambda n: len(fonts[n].getGlyphOrder()), reverse=True)
        base, others = fonts[order[0]], [(fonts[n], used[n]) for n in order[1:]]
        if "glyf" in base and all("glyf" in other for other, _ in others):
            copy = _copy_glyf
        elif "CFF " in base and all("CFF " in other for other, _ in others) and _same_cff(fonts):
            copy = _copy_cff
        else:
            return None
        names, have = base.getGlyphOrder(), set(used[order[0]])
        for other, wanted in others:
            theirs = other.getGlyphOrder()  # the same id is the same glyph; names may differ (made from each cmap)
            renamed = dict(zip(theirs, names))
            for gid in sorted(wanted - have):
                copy(other, base, theirs[gid], names[gid], renamed)
                if "hmtx" in other and "hmtx" in base:
                    base["hmtx"][names[gid]] = other["hmtx"][theirs[gid]]
            have |= wanted
        out = BytesIO()
        base.save(out)
    except (TTLibError, ValueError, KeyError, AssertionError, IndexError, TypeError, AttributeError):
        return None
    return out.getvalue()


def _copy_glyf(source, target, theirs: str, ours: str, names: dict[str, str]) -> None:
    """Copy a glyph (a composite's components renamed to ``target``'s names for their ids)."""
    glyph = source["glyf"][theirs]
    if glyph.isComposite():
        for component in glyph.components:
            component.glyphName = names[component.glyphName]
    target["glyf"][ours] = glyph


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


def _copy_cff(source, target, theirs: str, ours: str, names: dict[str, str]) -> None:
    glyph = _top(source).CharStrings[theirs]
    glyph.private = _top(target).Private
    _top(target).CharStrings[ours] = glyph
