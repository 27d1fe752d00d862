"""Walking a PDF's content with pikepdf: each content stream once with the resources it draws
from (pages, forms, tiling patterns), the objects with a colour space of their own (images,
shadings), and what a colour space is. Used by :mod:`.inks` (which rewrites colours) and
:mod:`.inkcheck` (which reads them back)."""

from __future__ import annotations

DEVICE = {"/DeviceGray": "gray", "/DeviceRGB": "rgb", "/DeviceCMYK": "cmyk",
          "/G": "gray", "/RGB": "rgb", "/CMYK": "cmyk"}  # the last three: inline images' abbreviations


def streams_of(owner, resources, seen):
    import pikepdf

    contents = owner.get("/Contents") if owner.get("/Type") == "/Page" else owner
    if contents is not None:
        for stream in (contents if isinstance(contents, pikepdf.Array) else [contents]):
            if stream.objgen != (0, 0) and stream.objgen in seen:
                continue
            seen.add(stream.objgen)
            yield stream, resources
    for child in children(resources):
        if child.objgen in seen:
            continue
        if child.get("/Subtype") == "/Form" or child.get("/PatternType") == 1:
            yield from streams_of(child, child.get("/Resources"), seen)


def children(resources):
    if resources is None:
        return
    for key in ("/XObject", "/Pattern"):
        for child in (resources.get(key) or {}).values():
            yield child


def things(resources, seen, depth: int = 0):
    """Images, shadings, groups: every object with a colour space of its own the resources reach."""
    if resources is None or depth > 20:
        return
    for key in ("/XObject", "/Pattern", "/Shading"):
        for child in (resources.get(key) or {}).values():
            marker = ("thing", *child.objgen)
            if child.objgen != (0, 0) and marker in seen:
                continue
            seen.add(marker)
            yield child
            if "/Shading" in child:
                yield child.Shading
            yield from things(child.get("/Resources"), seen, depth + 1)


def space_of(space, resources) -> str:
    """A colour space's kind: a device space by name, ICCBased by its component count, Indexed
    by its base, Separation and DeviceN by what they are (a spot ink is named so)."""
    import pikepdf

    if space is None:
        return "gray"
    if isinstance(space, pikepdf.Name):
        name = str(space)
        if name in DEVICE:
            return DEVICE[name]
        if name == "/Pattern":
            return "pattern"
        named = (resources or {}).get("/ColorSpace", {}).get(name) if resources is not None else None
        return space_of(named, None) if named is not None else name.lstrip("/")
    if isinstance(space, pikepdf.Array) and len(space):
        family = str(space[0])
        if family == "/ICCBased":
            return "icc " + {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(space[1].get("/N", 0)), "colour")
        if family in ("/Indexed", "/I"):
            return space_of(space[1], resources)
        if family == "/Pattern":
            return space_of(space[1], resources) if len(space) > 1 else "pattern"
        if family == "/Separation":
            return "gray" if str(space[1]) == "/Black" else f"spot {str(space[1]).lstrip('/')}"
        return family.lstrip("/")
    return "unknown"


def numeric(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
