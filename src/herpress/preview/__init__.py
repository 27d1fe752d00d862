"""``herpress preview``: the book in a browser as its readers will have it, rebuilt on every save.

A local web server (loopback only) shows the EPUB's own documents (:mod:`.reading`) and the print
PDF as facing-page spreads (:mod:`.pages`), rebuilt through herpress's caches by the machinery of
``herpress watch`` (:mod:`.live`) and pushed to the page as soon as each output is in place
(:mod:`.server`). :mod:`.command` puts them together for the CLI.

Nothing here is imported by any other command: Starlette and uvicorn load only when a preview
starts (``tests/test_preview.py`` checks every other command's ``--help``).
"""

from __future__ import annotations


def preview(*args, **kwargs):
    """:func:`herpress.preview.command.preview` (imported when called)."""
    from .command import preview as run

    return run(*args, **kwargs)
