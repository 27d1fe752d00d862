"""The only way WeasyPrint may read anything: the book's assets, its folder, the styles, ``data:``.

Nothing is fetched from the network and nothing outside the book folder and the
style folders is read; a refused URL stops the build with a clear message.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .errors import BookError
from .model import Book


class RefusedURL(FatalURLFetchingError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BookFetcher(URLFetcher):
    def __init__(self, book: Book):
        super().__init__(allowed_protocols=["file", "data"], fail_on_errors=True)
        self.book = book
        self.manuscript = book.base
        self.roots = [book.root, *(d.resolve() for d in book.style_dirs)]

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file":
            raise RefusedURL(f"refused to fetch '{url}': herpress never reads from the network")
        path = Path(unquote(parts.path))
        asset = self._asset(path)
        if asset is not None:
            return URLFetcherResponse(url, body=asset.data, headers={"Content-Type": asset.media_type})
        path = self._in_styles(path) or path
        resolved = path.resolve()
        if not any(resolved.is_relative_to(root) for root in self.roots):
            raise RefusedURL(f"refused to read '{path}': it lies outside the book folder")
        if not resolved.is_file():
            raise RefusedURL(f"file not found: '{path}'")
        return URLFetcherResponse(url, body=resolved.read_bytes())

    def _asset(self, path: Path):
        try:
            name = path.relative_to(self.manuscript).as_posix()
        except ValueError:
            return None
        return self.book.assets.get(name)

    def _in_styles(self, path: Path) -> Path | None:
        """A style file missing from the book's own styles/ comes from the defaults."""
        for directory in self.book.style_dirs:
            try:
                relative = path.relative_to(directory)
            except ValueError:
                continue
            for other in self.book.style_dirs:
                if (other / relative).is_file():
                    return other / relative
        return None


def refused_as_book_error(error: RefusedURL) -> BookError:
    return BookError(error.message)
