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


MAX_SHOWN = 100  # a book with more problems than this gets the first hundred and a count


class BookErrors(BookError):
    """Every problem found in one run, each a :class:`BookError` with its file and line.

    Readers and checks collect problems into a :class:`Problems` and raise this once, so an
    author fixing a book sees all of them at once instead of one per run. Printed one per line
    (``file:line: message``), the first :data:`MAX_SHOWN`, then how many more there are."""

    def __init__(self, errors: list[BookError]):
        self.errors = list(errors)
        first = self.errors[0] if self.errors else BookError("no problems")
        super().__init__(first.message, first.file, first.line)

    def __str__(self) -> str:
        lines = [BookError.__str__(error) for error in self.errors[:MAX_SHOWN]]
        if len(self.errors) > MAX_SHOWN:
            lines.append(f"… and {len(self.errors) - MAX_SHOWN} more problems")
        if len(self.errors) > 1:
            lines.append(f"{len(self.errors)} problems in the book")
        return "\n".join(lines)


def each(error: BookError) -> list[BookError]:
    """The single problems inside ``error`` (itself, when it is a single one)."""
    return list(error.errors) if isinstance(error, BookErrors) else [error]


class Problems:
    """Collects the problems of one run; :meth:`raise_any` raises them together.

    ``with problems.collecting():`` around a step records the BookError it raises (a
    :class:`BookErrors` counts as each of its errors) and lets the run go on with the next step."""

    def __init__(self):
        self.errors: list[BookError] = []

    def add(self, error: BookError) -> None:
        self.errors.extend(each(error))

    def collecting(self):
        from contextlib import contextmanager

        @contextmanager
        def step():
            try:
                yield
            except BookError as error:
                self.add(error)
        return step()

    def raise_any(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else BookErrors(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)
