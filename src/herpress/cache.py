"""Content-hash caches under ``BOOK_DIR/build/.cache/``: what an unchanged input need not cost again.

* ``chapters/<key>.pickle`` — one Markdown file converted to HTML (and its chart specs). The key
  mixes the file's name and text, the data files a chart may read, and herpress's own code.
* ``pagemap/<key>.json`` — where each printed page begins (:class:`herpress.pagemap.PageStart`),
  for the EPUB's page-list. The key is everything the print layout depends on: the manuscript,
  the print styles and fonts, the profile and herpress's code.
* ``deflate/<digest>`` — each EPUB file's deflated bytes (:mod:`herpress.writers.ocf`).
* ``layout.json`` — the page count of the last layout under each profile: the first guess of the
  gutter band (the layout still checks it).
* ``state.json`` — what the last build wrote and from which inputs: a build whose inputs and
  outputs are unchanged does nothing.

A cache file that cannot be read is a miss; nothing here can make a build wrong, only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
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


@dataclass(frozen=True)
class Inputs:
    """Digests of everything a build reads."""

    manuscript: str
    styles: str  # every style file in use (the book's own, then herpress's)
    print_styles: str  # those the print layout reads
    code: str

    @classmethod
    def of(cls, book_dir: Path, files: list[Path] | None = None) -> "Inputs":
        """``files``: what the book's source reads (:meth:`herpress.sources.Manuscript.inputs`);
        by default every file of ``manuscript/``."""
        from .styles import style_dirs, system_fonts_digest

        root = book_dir.resolve()
        dirs = style_dirs(root)
        listings = [file_digests(d) for d in dirs]  # each style file read once (fonts are MBs)
        system = system_fonts_digest(dirs)  # the machine's fonts the theme names: name, size, time
        if files is None:
            manuscript = files_digest(root / "manuscript")
        else:  # names relative to the book folder: a copied or moved book keeps its digests
            manuscript = _join(f"{path.relative_to(root).as_posix()}\0{file_digest(path)}" for path in files)
        return cls(manuscript=manuscript,
                   styles=_join([*(_listing_digest(listing) for listing in listings), system]),
                   print_styles=_join([*(_listing_digest(listing, _print_style) for listing in listings), system]),
                   code=code_digest())

    def layout_key(self, profile: str) -> str:
        """What the print layout (and so the page map) depends on."""
        return _join([self.manuscript, self.print_styles, self.code, profile])

    def output_key(self, fmt: str, profile: str | None, target: Path | None) -> str:
        return _join([self.manuscript, self.styles, self.code, fmt, profile or "", str(target.resolve()) if target else "",
                      os.environ.get("SOURCE_DATE_EPOCH", "")])


def _join(parts) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def digest_of(*parts: str) -> str:
    return _join(parts)


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
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

    def get(self, key: str):
        if self.directory is None:
            return None
        try:
            return pickle.loads((self.directory / f"{key}.pickle").read_bytes())
        except Exception:  # absent, truncated, or from another Python: convert again
            return None

    def put(self, key: str, value) -> None:
        if self.directory is not None:
            write_atomically(self.directory / f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


# --- page map and page count ---------------------------------------------------------------


def save_page_map(out: Path, key: str, starts: list) -> None:
    directory = cache_dir(out) / "pagemap"
    for old in directory.glob("*.json") if directory.is_dir() else ():
        old.unlink(missing_ok=True)  # one page map is enough: the last layout's
    write_atomically(directory / f"{key}.json", json.dumps([asdict(s) for s in starts]).encode())


def load_page_map(out: Path, key: str) -> list | None:
    from .pagemap import PageStart

    try:
        return [PageStart(**start) for start in json.loads((cache_dir(out) / "pagemap" / f"{key}.json").read_bytes())]
    except Exception:
        return None


def page_count_hint(out: Path, profile: str) -> int | None:
    return _read_json(cache_dir(out) / "layout.json").get(profile)


def save_page_count(out: Path, profile: str, pages: int) -> None:
    path = cache_dir(out) / "layout.json"
    counts = _read_json(path)
    counts[profile] = pages
    write_atomically(path, json.dumps(counts).encode())


# --- the last build ------------------------------------------------------------------------


def up_to_date(out: Path, keys: dict[str, str]) -> dict | None:
    """The last build's record of each format when every one was built from ``keys`` and is
    still there, byte for byte; else None."""
    state = _read_json(cache_dir(out) / "state.json")
    records = {}
    for fmt, key in keys.items():
        record = state.get(fmt)
        if not record or record.get("key") != key or file_digest(Path(record["path"])) != record.get("digest"):
            return None
        records[fmt] = record
    return records


def record_output(out: Path, fmt: str, key: str, path: Path, **facts) -> None:
    """Note that ``path`` was built as ``fmt`` from ``key`` (with facts to repeat on a no-op build)."""
    state_path = cache_dir(out) / "state.json"
    state = _read_json(state_path)
    state[fmt] = {"key": key, "path": str(path.resolve()), "digest": file_digest(path), **facts}
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
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
