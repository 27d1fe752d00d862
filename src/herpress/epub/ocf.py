"""The EPUB's zip container (OCF): the same book gives the same bytes, and an unchanged file is
never deflated twice.

ebooklib lays out the package (OPF, NCX, items) and writes it uncompressed into memory; this
module writes the final zip: ``mimetype`` first and stored, then ``META-INF/container.xml``,
then every other entry in name order, all with one date. Deflating is most of what packing
costs (the embedded fonts alone are ~1.7 MB), so with a ``cache`` folder each entry's deflated
bytes are kept under the digest of its content and a rebuild deflates only what changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

MIMETYPE = "mimetype"
CONTAINER = "META-INF/container.xml"
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20  # 2.0: deflate
_MADE_BY = (3 << 8) | _VERSION  # Unix, so the permissions below are read
_PERMISSIONS = 0o100644 << 16  # a regular file, rw-r--r--


def read_entries(data: bytes) -> list[tuple[str, bytes]]:
    """The files of a zip held in memory, as (name, bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def write_ocf(target: Path, entries: list[tuple[str, bytes]], moment: dt.datetime, cache: Path | None = None) -> None:
    """Write ``entries`` as an EPUB container to ``target``, dated ``moment`` (1980 or later)."""
    deflater = DeflateCache(cache)
    entries = sorted(entries, key=lambda entry: (entry[0] != MIMETYPE, entry[0] != CONTAINER, entry[0]))
    time, date = _dos_time(moment)
    central, offset = [], 0
    with open(target, "wb") as out:
        for name, data in entries:
            stored = name == MIMETYPE  # the OCF rule: first, and not compressed
            body = data if stored else deflater.deflated(data)
            method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            encoded = name.encode("utf-8")
            flags = 0 if encoded.isascii() else 0x800  # bit 11: the name is UTF-8
            crc = zlib.crc32(data)
            header = _LOCAL.pack(0x04034B50, _VERSION, flags, method, time, date, crc, len(body), len(data),
                                 len(encoded), 0)
            out.write(header + encoded)
            out.write(body)
            central.append(_CENTRAL.pack(0x02014B50, _MADE_BY, _VERSION, flags, method, time, date, crc, len(body),
                                         len(data), len(encoded), 0, 0, 0, 0, _PERMISSIONS, offset) + encoded)
            offset += len(header) + len(encoded) + len(body)
        directory = b"".join(central)
        out.write(directory)
        out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))
    deflater.forget_unused()


def _dos_time(moment: dt.datetime) -> tuple[int, int]:
    return ((moment.hour << 11) | (moment.minute << 5) | (moment.second // 2),
            ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day)


class DeflateCache:
    """Raw deflate streams by the digest of what they hold; without a folder, a plain deflater.

    An entry is a seal — the digest of its name and its stream — then the stream: a zeroed,
    truncated or renamed entry fails the seal and is deflated again and written over (it once
    went into the EPUB as it was). One that cannot be read is a miss, one that cannot be written is
    skipped. Entries this build did not use are removed after it, so the folder holds one book's
    files, not every version of every chapter.
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()

    def deflated(self, data: bytes) -> bytes:
        if self.folder is None:
            return _deflate(data)
        key = hashlib.blake2b(data, digest_size=20).hexdigest()
        self.used.add(key)
        path = self.folder / key
        try:
            entry = path.read_bytes()
        except OSError:
            entry = b""
        seal, body = entry[:_SEAL], entry[_SEAL:]
        if len(seal) == _SEAL and seal == _seal(key, body):
            return body
        body = _deflate(data)
        from ..cache import write_atomically

        try:
            write_atomically(path, _seal(key, body) + body)
        except OSError:  # a cache that cannot be written only costs time
            pass
        return body

    def forget_unused(self) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        from ..cache import sweep_stale

        for path in self.folder.iterdir():
            if path.name not in self.used and not path.name.startswith(".") and path.is_file():
                path.unlink(missing_ok=True)
        sweep_stale(self.folder, ".tmp")  # what a killed build was writing


_SEAL = 20


def _seal(key: str, body: bytes) -> bytes:
    return hashlib.blake2b(key.encode() + b"\0" + body, digest_size=_SEAL).digest()


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)  # what zipfile writes: level 6, no zlib header
    return compressor.compress(data) + compressor.flush()
