"""The reading view's documents: the members of the EPUB herpress just built, held in memory.

The preview shows the EPUB itself, not a rendering made for it: its XHTML documents, stylesheet,
fonts and images, served by their names in the archive, so what links them (notes, charts, the
glossary, cross-references between documents) works as it does in a reading system. The archive is
read once when a build announces it and kept whole, so a rebuild that replaces the file never
leaves a page half old, half new, or without the document it asks for; nothing on disk is served by
a name a request gives (:meth:`Edition.member` knows only the archive's own names).
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml",
      "epub": "http://www.idpf.org/2007/ops", "c": "urn:oasis:names:tc:opendocument:xmlns:container",
      "dc": "http://purl.org/dc/elements/1.1/"}
SCRIPTS = {"application/javascript", "text/javascript", "application/ecmascript"}  # served as text: nothing runs
REGION_FILES = {"contents": "nav.xhtml", "titlepage": "titlepage.xhtml", "copyright": "copyright.xhtml",
                "glossary": "glossary.xhtml", "index": "index.xhtml"}  # as herpress.epub.documents names them


@dataclass
class Edition:
    """One EPUB as built: its members by name, its spine, its contents and its title."""

    version: str  # the first hex digits of the archive's SHA-256
    path: Path
    archive: zipfile.ZipFile
    base: str  # the package's folder in the archive ("EPUB")
    title: str
    spine: list[str]  # member names in reading order
    types: dict[str, str] = field(default_factory=dict)  # member name -> media type, as the manifest declares it
    toc: list[dict] = field(default_factory=list)  # {"title", "href" (member#fragment), "children"}

    @classmethod
    def read(cls, path: Path) -> "Edition":
        """The EPUB at ``path``; ValueError (or OSError) when it is not one herpress wrote."""
        from lxml import etree

        data = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(data))
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_name = container.find(".//c:rootfile", NS).get("full-path")
        opf = etree.fromstring(archive.read(opf_name))
        base = posixpath.dirname(opf_name)
        items = {item.get("id"): item for item in opf.iterfind(".//opf:manifest/opf:item", NS)}
        spine = [_join(base, items[ref.get("idref")].get("href")) for ref in opf.iterfind(".//opf:spine/opf:itemref", NS)
                 if ref.get("idref") in items]
        title = opf.findtext(".//dc:title", default="", namespaces=NS).strip()
        types = {_join(base, item.get("href")): item.get("media-type") or "" for item in items.values()}
        edition = cls(hashlib.sha256(data).hexdigest()[:16], path, archive, base, title, spine, types)
        nav = next((item.get("href") for item in items.values() if "nav" in (item.get("properties") or "").split()), None)
        if nav is not None:
            edition.toc = _contents(archive.read(_join(base, nav)), posixpath.dirname(_join(base, nav)))
        return edition

    def member(self, name: str) -> tuple[bytes, str] | None:
        """The member called exactly ``name`` and its media type; None for any other name."""
        if name not in self.archive.NameToInfo or name.endswith("/") or ".." in name.split("/"):
            return None
        media_type = self.types.get(name) or ("application/xml" if name.endswith((".xml", ".opf"))
                                              else "application/octet-stream")  # the container, the package
        return self.archive.read(name), "text/plain" if media_type in SCRIPTS else media_type

    def region_member(self, region: str) -> str | None:
        """The document a region of the print layout (``chapter:<slug>``, ``glossary``…) is in."""
        name = f"{region.removeprefix('chapter:')}.xhtml" if region.startswith("chapter:") else REGION_FILES.get(region)
        member = _join(self.base, name) if name else None
        return member if member in self.archive.NameToInfo else None

    def start(self) -> str:
        """Where reading begins: the first entry of the contents, else the first document."""
        first = self.toc[0]["href"].split("#")[0] if self.toc else None
        return first or (self.spine[0] if self.spine else "")

    def reads_as(self, other: "Edition") -> bool:
        """Whether a reader would see the same in both: the same files, spine and contents, and the
        same documents but for what the print layout adds (page-break markers, the page-list, the
        package's metadata) — as the EPUB the print step writes after the reading step's."""
        if (self.spine, self.toc) != (other.spine, other.toc):
            return False
        names = sorted(info.filename for info in self.archive.infolist())
        if names != sorted(info.filename for info in other.archive.infolist()):
            return False
        for name in names:
            if self.archive.getinfo(name).CRC == other.archive.getinfo(name).CRC:
                continue
            if name.endswith((".opf", ".ncx")):
                continue  # metadata and the EPUB 2 page list: nothing a reader is shown
            if not name.endswith(".xhtml") or _as_read(self.archive.read(name)) != _as_read(other.archive.read(name)):
                return False
        return True

    def summary(self) -> dict:
        return {"version": self.version, "title": self.title, "spine": self.spine, "toc": self.toc,
                "start": self.start()}


def _join(folder: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(folder, unquote(href))) if folder else posixpath.normpath(unquote(href))


def _contents(data: bytes, folder: str) -> list[dict]:
    """The ``toc`` nav's entries, nested as it nests them, each link made a member name."""
    from lxml import etree

    nav = etree.fromstring(data)
    toc = next((element for element in nav.iter(f"{{{NS['x']}}}nav")
                if "toc" in (element.get(f"{{{NS['epub']}}}type") or "").split()), None)

    def entries(ol) -> list[dict]:
        found = []
        for li in ol.iterfind("x:li", NS) if ol is not None else ():
            link = li.find("x:a", NS)
            if link is None:
                continue
            href = urlsplit(link.get("href") or "")
            target = _join(folder, href.path) + (f"#{href.fragment}" if href.fragment else "")
            found.append({"title": " ".join("".join(link.itertext()).split()), "href": target,
                          "children": entries(li.find("x:ol", NS))})
        return found

    return entries(toc.find("x:ol", NS)) if toc is not None else []


def _as_read(data: bytes) -> bytes:
    """A document without what only the print edition's page numbers put in it."""
    from lxml import etree

    root = etree.fromstring(data)
    for element in list(root.iter()):
        kinds = (element.get(f"{{{NS['epub']}}}type") or "").split()
        if "pagebreak" in kinds or (element.tag == f"{{{NS['x']}}}nav" and "page-list" in kinds):
            parent = element.getparent()
            if parent is None:
                continue
            previous = element.getprevious()
            if element.tail:  # the text after the marker stays where it was
                if previous is not None:
                    previous.tail = (previous.tail or "") + element.tail
                else:
                    parent.text = (parent.text or "") + element.tail
            parent.remove(element)
    return re.sub(rb"\s+", b" ", etree.tostring(root))  # what the removal leaves between blocks is no text
