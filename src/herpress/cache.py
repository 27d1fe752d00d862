"""Content-hash caches under ``BOOK_DIR/build/.cache/``: what an unchanged input need not cost again.

* ``chapters/<key>.json`` — one Markdown file converted to HTML (and its chart specs). The key
  mixes the file's name and text, the data files a chart may read, and herpress's own code.
* ``pagemap/<key>.json`` — where each printed page begins (:class:`herpress.pagemap.PageStart`),
  for the EPUB's page-list. The key is everything the print layout depends on: the manuscript,
  the print styles and fonts, the profile and herpress's code.
* ``deflate/<digest>`` — each EPUB file's deflated bytes (:mod:`herpress.epub.ocf`); a store
  edition's under ``deflate/<edition>/``.
* ``documents/<key>``, ``words/<key>`` — each chapter's EPUB document, and each chapter's word
  count for the word gate (:class:`BlobCache`), under a digest of everything they are made from.
* ``parts/`` — the print parts of the last build (:class:`PartCache`).
* ``layout.json`` — the page count of the last layout under each profile: the first guess of the
  gutter band (the layout still checks it).
* ``state.json`` — what the last build wrote and from which inputs: a build whose inputs and
  outputs are unchanged does nothing.
* ``lock`` — held by the build at work (:func:`herpress.build.book_lock`).

Caches are meant to be shared (a CI cache, a copied folder), so nothing read from them can run
code, and nothing in them names the book's place: JSON and raw bytes only, no pickle; paths
relative to the book folder. Every entry read here (and by the deflate cache,
:mod:`herpress.epub.ocf`) is checked as it is read — its digest, the key it is stored under, its
types and shape — and one that fails is a miss, rebuilt and written again: a damaged cache can make
a build slower, never wrong, never fail. (The charts' SVG and PNG files, read by
:mod:`herpress.charts.draw`, are not checked there yet.)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from . import __version__

CACHE = ".cache"
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}  # read again by every build, never converted
LIBRARIES = ("markdown", "weasyprint", "ebooklib", "lxml", "matplotlib")


def cache_dir(out: Path) -> Path:
    return out / CACHE


@lru_cache(maxsize=1)
def code_digest() -> str:
    """herpress's version and source, and the versions of the libraries that shape its output."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    for name in _installed(LIBRARIES):
        digest.update(name.encode())
    return digest.hexdigest()


def _installed(names) -> list[str]:
    """The ``name-version.dist-info`` folders of ``names`` on ``sys.path`` (a listing is much
    cheaper than ``importlib.metadata``, which reads every distribution's metadata)."""
    import sys

    wanted, found = {n.lower() for n in names}, []
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        found += [item for item in listing if item.endswith(".dist-info") and item.split("-")[0].lower() in wanted]
    return sorted(found)


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name.endswith("~") or not path.is_file()


def files_digest(directory: Path, keep=lambda relative: True) -> str:
    """Every file under ``directory`` (names and contents), editor droppings left out."""
    return _listing_digest(file_digests(directory, keep))


def file_digests(directory: Path, keep=lambda relative: True) -> list[tuple[str, str]]:
    """(name under ``directory``, digest of its bytes) of every file ``keep`` keeps, in name order."""
    listing = []
    if directory.is_dir():
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory).as_posix()
            if not _skipped(path) and keep(relative):
                listing.append((relative, hashlib.sha256(path.read_bytes()).hexdigest()))
    return listing


def _listing_digest(listing, keep=lambda relative: True) -> str:
    return _join(f"{relative}\0{digest}" for relative, digest in listing if keep(relative))


def _print_style(relative: str) -> bool:
    return not (relative == "epub.css" or relative.startswith("templates/epub/"))


def _output_style(relative: str) -> bool:
    """Whether an output can read this style file: ``herpress preview``'s page, script and
    stylesheet are read by the preview alone (a change to them lays nothing out again)."""
    return not relative.startswith(("preview/", "templates/preview/"))


@dataclass(frozen=True)
class Inputs:
    """Digests of everything a build reads."""

    manuscript: str
    styles: str  # every style file in use (the book's own, then herpress's)
    print_styles: str  # those the print layout reads
    code: str
    folder: str = ""  # the book folder's name: a title left out of book.toml is made from it

    @classmethod
    def of(cls, book_dir: Path, files: list[Path] | None = None) -> "Inputs":
        """``files``: what the book's source reads (:meth:`herpress.sources.Manuscript.inputs`);
        by default every file of ``manuscript/``."""
        from .styles import style_dirs, system_fonts_digest

        root = book_dir.resolve()
        dirs = style_dirs(root)
        listings = [file_digests(d, _output_style) for d in dirs]  # each style file read once (fonts are MBs)
        system = system_fonts_digest(dirs)  # the machine's fonts the theme names: name, size, time
        if files is None:
            manuscript = files_digest(root / "manuscript")
        else:  # names relative to the book folder: a copied or moved book keeps its digests
            manuscript = _join(f"{path.relative_to(root).as_posix()}\0{file_digest(path)}" for path in files)
        return cls(manuscript=manuscript,
                   styles=_join([*(_listing_digest(listing) for listing in listings), system]),
                   print_styles=_join([*(_listing_digest(listing, _print_style) for listing in listings), system]),
                   code=code_digest(), folder=root.name)

    def layout_key(self, profile: str) -> str:
        """What the print layout (and so the page map) depends on."""
        return _join([self.manuscript, self.print_styles, self.code, profile, self.folder])

    def output_key(self, fmt: str, profile: str | None, target: str) -> str:
        """``target``: the output as :func:`relative` names it ("" for the default place)."""
        return _join([self.manuscript, self.styles, self.code, fmt, profile or "", target, self.folder,
                      os.environ.get("SOURCE_DATE_EPOCH", "")])


def relative(path: Path, root: Path) -> str:
    """``path`` as a key or a record names it: from the book folder ``root`` (``../x.epub`` for an
    output beside it), so that a copied or moved book names its own files."""
    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


def _join(parts) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def digest_of(*parts: str) -> str:
    return _join(parts)


def read_png(path: Path) -> bytes | None:
    """The PNG at ``path`` when it is whole — its signature, every chunk's CRC, the IEND chunk
    last — else None: a zeroed or truncated picture is drawn again, not packed into the book."""
    import struct
    import zlib

    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    position = 8
    while position + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if end > len(data) or zlib.crc32(data[position + 4:end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            return None
        if kind == b"IEND":
            return data if end == len(data) else None
        position = end
    return None


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (OSError, ValueError):  # absent, a folder, or a name no file can have
        return None


# --- Markdown → HTML, per file -------------------------------------------------------------


@dataclass
class ChapterCache:
    """Converted Markdown files by content hash. ``converted`` names the files converted this run."""

    directory: Path | None
    data_digest: str = ""  # the data files (CSV…) charts may read: part of every key
    converted: list[str] = field(default_factory=list)

    @classmethod
    def for_book(cls, manuscript: Path, directory: Path | None) -> "ChapterCache":
        data = files_digest(manuscript, lambda rel: not rel.endswith(".md") and Path(rel).suffix.lower() not in IMAGES)
        return cls(directory, data)

    def key(self, shown: str, text: str) -> str:
        return _join([code_digest(), self.data_digest, shown, text])

    def get(self, key: str) -> tuple[str, list, list] | None:
        """(HTML, chart specs, warnings) converted under ``key``; None for a miss (a damaged,
        truncated or foreign entry included: it is converted again and written over)."""
        if self.directory is None:
            return None
        try:
            return _chapter_from(key, (self.directory / f"{key}.json").read_bytes())
        except OSError:
            return None

    def put(self, key: str, value) -> None:
        if self.directory is None:
            return
        try:
            data = _chapter_to(key, value)
        except (TypeError, ValueError):  # not plain data (a number JSON cannot hold): not kept
            return
        write_atomically(self.directory / f"{key}.json", data)


def _chapter_to(key: str, value) -> bytes:
    """A digest line (of the key and the body: an entry is good only under its own name), then JSON."""
    html, specs, notes = value
    body = json.dumps({"key": key, "html": html, "specs": [asdict(spec) for spec in specs],
                       "notes": [[message, line] for message, line in notes]},
                      ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    return _sealed(key, body) + b"\n" + body


def _sealed(key: str, body: bytes) -> bytes:
    return hashlib.sha256(key.encode() + b"\0" + body).hexdigest().encode()


def _chapter_from(key: str, data: bytes) -> tuple[str, list, list] | None:
    seal, _, body = data.partition(b"\n")
    if seal != _sealed(key, body):
        return None
    try:
        entry = json.loads(body, parse_constant=_no_constant)
        html, specs, notes = entry["html"], entry["specs"], entry["notes"]
        if entry["key"] != key or not isinstance(html, str) or not isinstance(specs, list) or not isinstance(notes, list):
            return None
        if not all(isinstance(n, list) and len(n) == 2 and isinstance(n[0], str) and _is_int(n[1]) for n in notes):
            return None
        charts = [_chart_spec(spec) for spec in specs]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if any(chart is None for chart in charts):
        return None
    return html, charts, [(message, line) for message, line in notes]


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number herpress writes")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _chart_spec(fields):
    """A :class:`herpress.charts.spec.ChartSpec` from its JSON fields, each of its type; else None."""
    from dataclasses import fields as fields_of

    from .charts.spec import ChartSpec

    names = [f.name for f in fields_of(ChartSpec)]
    if not isinstance(fields, dict) or sorted(fields) != sorted(names):
        return None
    texts = ("label", "type", "title", "description", "unit", "x_label", "y_label")
    categories, series = fields["categories"], fields["series"]
    if not (all(isinstance(fields[name], str) for name in texts) and isinstance(fields["log_scale"], bool)
            and (fields["source"] is None or isinstance(fields["source"], str))
            and isinstance(categories, list) and all(isinstance(c, str) for c in categories)
            and isinstance(series, list)
            and all(isinstance(s, list) and len(s) == 2 and isinstance(s[0], str) and isinstance(s[1], list)
                    and all(isinstance(v, float) for v in s[1]) for s in series)):
        return None
    return ChartSpec(**{**fields, "categories": tuple(categories),
                        "series": tuple((name, tuple(values)) for name, values in series)})


# --- page map and page count ---------------------------------------------------------------


def save_page_map(out: Path, key: str, starts: list) -> None:
    directory = cache_dir(out) / "pagemap"
    for old in directory.glob("*.json") if directory.is_dir() else ():
        old.unlink(missing_ok=True)  # one page map is enough: the last layout's
    write_atomically(directory / f"{key}.json", json.dumps([asdict(s) for s in starts]).encode())


def load_page_map(out: Path, key: str) -> list | None:
    try:
        starts = json.loads((cache_dir(out) / "pagemap" / f"{key}.json").read_bytes())
    except (OSError, ValueError):
        return None
    return _page_starts(starts)  # None: not what save_page_map writes, lay out again


def _page_starts(starts) -> list | None:
    """Page starts as JSON gives them back, or None when any is not what :func:`asdict` wrote."""
    from .pagemap import PageStart

    kinds = {"page": int, "label": str, "region": str, "block": int, "offset": int, "block_text": str, "text": str}
    if not isinstance(starts, list) or not all(
            isinstance(start, dict) and start.keys() == kinds.keys()
            and all(isinstance(start[name], kind) and not isinstance(start[name], bool) for name, kind in kinds.items())
            for start in starts):
        return None
    return [PageStart(**start) for start in starts]


def page_count_hint(out: Path, profile: str) -> int | None:
    pages = _read_json(cache_dir(out) / "layout.json").get(profile)
    return pages if _is_int(pages) and pages > 0 else None  # a hint of another type: none


def save_page_count(out: Path, profile: str, pages: int) -> None:
    path = cache_dir(out) / "layout.json"
    counts = _read_json(path)
    counts[profile] = pages
    write_atomically(path, json.dumps(counts).encode())


def load_parts_memo(out: Path, profile: str) -> dict | None:
    """What the last build's print parts came to (the fields of :class:`herpress.pdf.parts.Memo`),
    or None. Only guesses: every number laid out from it is checked against the real layout."""
    memo = _read_json(cache_dir(out) / "parts.json").get(profile)
    if not isinstance(memo, dict):
        return None
    pages, folios = memo.get("pages"), memo.get("folios")
    if not (isinstance(pages, dict) and isinstance(folios, dict)
            and all(isinstance(k, str) and _is_int(v) and v > 0 for k, v in pages.items())
            and all(isinstance(k, str) and isinstance(v, str) for k, v in folios.items())):
        return None
    return {"pages": pages, "folios": folios}


def save_parts_memo(out: Path, profile: str, memo) -> None:
    path = cache_dir(out) / "parts.json"
    memos = _read_json(path)
    memos[profile] = asdict(memo)
    write_atomically(path, json.dumps(memos).encode())


class PartCache:
    """The print parts of the last build (:mod:`herpress.pdf.parts`): each part's PDF and what
    the book needs of it (folios, anchors, page starts…), under a digest of everything its pages
    are drawn from. An entry is used only whole: its facts of the types they were written with,
    its PDF the one its seal names (a damaged or swapped file is laid out again)."""

    FACTS = {"labels": list, "anchors": dict, "starts": list, "misplaced": list, "relieved": list,
             "warnings": list, "body": (str, type(None)), "folio_boxes": list}

    def __init__(self, directory: Path, salt: str):
        self.directory, self.salt = directory, salt
        self.used: set[str] = set()

    def key(self, *parts: str) -> str:
        return digest_of(self.salt, *parts)

    def get(self, key: str) -> tuple[Path, dict] | None:
        path = self.directory / f"{key}.pdf"
        facts = _read_json(self.directory / f"{key}.json")
        if set(facts) != {*self.FACTS, "seal"} or not all(isinstance(facts[n], t) for n, t in self.FACTS.items()):
            return None
        if file_digest(path) != facts.pop("seal"):
            return None
        starts = _page_starts(facts["starts"])
        if starts is None or not all(isinstance(v, str) for n in ("labels", "misplaced", "warnings", "folio_boxes")
                                     for v in facts[n]) \
                or not all(isinstance(k, str) and _is_int(v) for k, v in facts["anchors"].items()):
            return None
        self.used.add(key)
        return path, {**facts, "starts": starts}

    def fonts(self) -> "BlobCache":
        """The fonts the parts' subsets were merged into when last joined (:mod:`herpress.pdf.pdfjoin`)."""
        return BlobCache(self.directory.parent / "fonts", self.salt)

    def put(self, key: str, pdf: Path, facts: dict) -> None:
        """Keep a copy of ``pdf`` and its facts; a cache that cannot be written only costs the next build."""
        try:
            data = pdf.read_bytes()
            write_atomically(self.directory / f"{key}.pdf", data)
            sealed = {**facts, "starts": [asdict(start) for start in facts["starts"]],
                      "seal": hashlib.sha256(data).hexdigest()}
            write_atomically(self.directory / f"{key}.json", json.dumps(sealed).encode())
            self.used.add(key)
        except OSError:
            pass

    def keep_only_used(self) -> None:
        """Remove every entry the last build did not use (one book's parts, not every draft's)."""
        for old in self.directory.glob("*") if self.directory.is_dir() else ():
            if old.stem not in self.used and old.suffix in (".pdf", ".json"):
                old.unlink(missing_ok=True)


class BlobCache:
    """Bytes made from other things (a rendered EPUB document, a chapter's word count), under a
    digest of everything they were made from and ``salt`` (herpress's code, the styles). Each
    entry is sealed with its own SHA-256: a damaged or truncated one is made again, never used."""

    def __init__(self, directory: Path, salt: str):
        self.directory, self.salt = directory, salt
        self.used: set[str] = set()
        self.hits = 0  # entries found whole, in this build (tests read it)

    def key(self, *parts: str) -> str:
        return digest_of(self.salt, *parts)

    def get(self, key: str) -> bytes | None:
        try:
            data = (self.directory / key).read_bytes()
        except OSError:
            return None
        seal, _, body = data.partition(b"\n")
        if seal.decode("ascii", "replace") != hashlib.sha256(body).hexdigest():
            return None
        self.used.add(key)
        self.hits += 1
        return body

    def put(self, key: str, data: bytes) -> None:
        """Keep ``data``; a cache that cannot be written only costs the next build."""
        try:
            write_atomically(self.directory / key, hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
            self.used.add(key)
        except OSError:
            pass

    def keep_only_used(self) -> None:
        """Remove every entry this build did not use: one book's current entries, not every draft's."""
        for old in self.directory.iterdir() if self.directory.is_dir() else ():
            if old.name not in self.used and not old.name.startswith("."):
                old.unlink(missing_ok=True)


# --- the last build ------------------------------------------------------------------------


def up_to_date(out: Path, keys: dict[str, str]) -> dict | None:
    """The last build's record of each format when every one was built from ``keys`` and is
    still there, byte for byte; else None."""
    state = _read_json(cache_dir(out) / "state.json")
    records = {}
    for fmt, key in keys.items():
        record = state.get(fmt)
        if not _good_record(record) or record["key"] != key:
            return None
        path = out.parent / record["path"]  # relative to the book folder (:func:`relative`)
        if file_digest(path) != record["digest"]:
            return None
        records[fmt] = {**record, "path": str(path.resolve())}
    return records


_FACTS = {"pages": (int, type(None)), "warnings": list, "notices": list, "book_warnings": list,
          "layout_key": (str, type(None))}


def _good_record(record) -> bool:
    """A record as :func:`record_output` writes it: each field of its type, lists of strings."""
    if not isinstance(record, dict) or not all(isinstance(record.get(name), str) for name in ("key", "path", "digest")):
        return False
    if Path(record["path"]).is_absolute():  # written by a herpress that kept absolute paths
        return False
    for name, kind in _FACTS.items():
        value = record.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)
                                  or (isinstance(value, list) and not all(isinstance(v, str) for v in value))):
            return False
    return True


def record_output(out: Path, fmt: str, key: str, path: Path, **facts) -> None:
    """Note that ``path`` was built as ``fmt`` from ``key`` (with facts to repeat on a no-op build)."""
    state_path = cache_dir(out) / "state.json"
    state = _read_json(state_path)
    state[fmt] = {"key": key, "path": relative(path, out.parent), "digest": file_digest(path), **facts}
    write_atomically(state_path, json.dumps(state, indent=1).encode())


def forget_output(out: Path, fmt: str) -> None:
    state_path = cache_dir(out) / "state.json"
    state = _read_json(state_path)
    if state.pop(fmt, None) is not None:
        write_atomically(state_path, json.dumps(state, indent=1).encode())


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_bytes())
        return value if isinstance(value, dict) else {}
    except Exception:
        return {}


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, through a temporary file named with this process's id
    (:func:`sweep_stale` removes those of a process that was killed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".{os.getpid()}.tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sweep_stale(folder: Path, suffix: str, prefix: str = ".") -> None:
    """Remove the temporary files in ``folder`` (``<prefix>…<random>.<pid><suffix>``, as
    :func:`write_atomically` and the build name them) of processes that no longer run: a killed
    build's. Those of a process still at work are left alone."""
    from .tempdirs import running

    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(suffix):
            pid = name[:-len(suffix)].rpartition(".")[2]
            if pid.isdigit() and not running(int(pid)):
                (folder / name).unlink(missing_ok=True)
