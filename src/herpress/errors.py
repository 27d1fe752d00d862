"""Errors an author can act on: each names the file and line it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class BookError(Exception):
    """A problem in the book's own files. Printed as ``file:line: message``."""

    message: str
    file: Path | str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:"
            if self.line is not None:
                where += f"{self.line}:"
            where += " "
        return f"{where}{self.message}"

    def located(self, file: Path | str, line: int | None = None) -> "BookError":
        """Return this error with a location filled in where it had none."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        return self
