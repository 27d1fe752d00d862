"""``herpress preview`` put together: the port, the watching process, the server, and a clean end.

The order matters. The book is checked first (a folder that is not a book is refused before
anything starts), then the port is taken on the loopback (so the URL printed already answers),
then the watch is forked (before the server starts any thread: :mod:`.live`), and only then are
Starlette and uvicorn imported and run. However the server stops — Ctrl-C, SIGTERM, the watch
ending — the watch and the build it runs are stopped and waited for before this returns, so no
process and no temporary file of the preview outlives it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
from pathlib import Path

from ..errors import BookError

HOST = "127.0.0.1"  # the loopback only: the preview serves the book to this machine alone


def preview(book_dir: Path, *, port: int = 0, open_browser: bool = False, profile: str | None = None) -> None:
    """Serve the preview of ``book_dir`` on 127.0.0.1 (``port`` 0: a free one) until Ctrl-C or
    SIGTERM; ``open_browser``: open it in the web browser once it answers. A problem in the book
    is shown, not raised; a folder that is not a book, or a port that cannot be had, is a BookError."""
    from ..build import output_dir
    from ..sources import open_book
    from .live import Rebuilder

    open_book(book_dir)  # not a book: refused here, before anything is started
    out = output_dir(book_dir)  # and a build/ that leads out of it
    if profile:
        from ..pdf.profiles import get

        get(profile)
    if not hasattr(os, "fork"):
        raise BookError("herpress preview needs a system with fork() (Linux, macOS)")
    listening = _listen(port)
    rebuilder = Rebuilder(book_dir, profile)
    try:
        fd = rebuilder.start(close=(listening.fileno(),))
        from .server import Preview, app, server

        state = Preview(book_dir, out, say=_say)
        uvicorn_server = server(app(state), state)
        url = f"http://{HOST}:{listening.getsockname()[1]}/"
        _say(f"previewing {book_dir} at {url} (Ctrl-C stops)")
        if open_browser:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        asyncio.run(_serve(uvicorn_server, listening, fd, state))
    finally:
        rebuilder.stop()
        listening.close()
    if state.failure and not state.stopping:
        raise BookError("\n".join(state.failure))


def _listen(port: int) -> socket.socket:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((HOST, port))
        listening.listen(128)
    except OSError as error:
        listening.close()
        raise BookError(f"cannot listen on {HOST}:{port} ({error.strerror or error}): choose another --port") from None
    listening.set_inheritable(False)
    return listening


async def _serve(uvicorn_server, listening: socket.socket, fd: int, state) -> None:
    """Serve until stopped, taking in each announcement of the watch in order as it comes."""
    from .live import Lines

    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)
    lines, queue = Lines(fd), asyncio.Queue()

    def readable() -> None:
        messages, closed = lines.read()
        for message in messages:
            queue.put_nowait(message)
        if closed:
            loop.remove_reader(fd)
            queue.put_nowait(None)

    async def consume() -> None:
        while True:
            message = await queue.get()
            if message is None:  # the watch ended: so does the preview
                if not state.stopping:
                    state.failure = state.failure or ["herpress: the rebuilds stopped"]
                    uvicorn_server.should_exit = True
                    state.news.close()
                return
            try:
                await state.handle(message)
            except Exception as error:  # an output that cannot be read: said, and the last good kept
                _say(f"herpress: internal error ({type(error).__name__}: {error}); the preview keeps the last "
                     "good pages", file=sys.stderr)

    loop.add_reader(fd, readable)
    consumer = asyncio.create_task(consume())
    try:
        await uvicorn_server.serve(sockets=[listening])
    finally:
        loop.remove_reader(fd)
        consumer.cancel()


def _say(*args, file=None) -> None:
    print(*args, file=file or sys.stdout, flush=True)
