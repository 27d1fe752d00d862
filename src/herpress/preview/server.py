"""The preview's web server: a Starlette app, served by uvicorn on 127.0.0.1 only.

It answers a fixed set of routes and nothing else (404):

* ``/`` the preview page (``styles/templates/preview/index.html.j2``), ``/assets/<name>`` its script
  and stylesheet, by name from the files of herpress's ``styles/preview/`` listed at start-up;
* ``/events`` the state of the preview as Server-Sent Events, ``/state`` the same as JSON;
* ``/book/<version>/<member>`` a member of the EPUB, by its exact name in the archive;
* ``/print/<version>/<n>.png`` page ``n`` of the print PDF.

No route maps a request's path onto the file system: ``../``, absolute and percent-encoded paths
name nothing any route knows, and neither does a link in ``build/``. The Host header must name the
loopback (a web page elsewhere cannot reach the server through a DNS name that resolves to it). A
book's documents are served with a policy that runs none of their scripts.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from ..styles import default_styles_dir
from .live import News
from .pages import PrintEdition, Shelf
from .reading import Edition

ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "frame-src 'self'; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'")
BOOK_POLICY = "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
KEEP = {"Cache-Control": "private, max-age=31536000, immutable"}  # versioned by content digest
FRESH = {"Cache-Control": "no-cache"}
HEARTBEAT = 15  # seconds between comments on an idle event stream
NO_PAGE_NUMBERS = "no print page numbers"  # the EPUB-alone step's notice: expected, the print step mends it


def assets() -> dict[str, Path]:
    """herpress's own preview files, by name: what ``/assets/`` may serve, and nothing else."""
    folder = default_styles_dir() / "preview"
    return {path.name: path for path in sorted(folder.iterdir()) if path.suffix in ASSET_TYPES
            and path.is_file() and not path.is_symlink()}


class Preview:
    """What the preview shows now: the EPUB and the PDF last built (with the one before each, for a
    page still asking for it), the problems of the last build, and the pages listening."""

    def __init__(self, book_dir: Path, out: Path, say=print):
        self.book_dir, self.out, self.say = book_dir, out.resolve(), say
        self.editions: dict[str, Edition] = {}  # version -> EPUB, the newest last
        self.shelf = Shelf()
        self.errors: dict[str, list[str]] = {}  # step -> its problems
        self.news = News()
        self.failure: list[str] | None = None  # the watch ended on its own, with these lines
        self.stopping = False

    @property
    def edition(self) -> Edition | None:
        return next(reversed(self.editions.values()), None)

    def state(self) -> dict:
        edition, printed = self.edition, self.shelf.current
        chapters = {}
        if edition is not None and printed is not None:
            for region, page in printed.regions.items():
                member = edition.region_member(region)
                if member is not None:
                    chapters.setdefault(member, page)
        return {"title": edition.title if edition else self.book_dir.resolve().name,
                "reading": edition.summary() if edition else None,
                "print": printed.summary(chapters) if printed else None,
                "errors": [line for step in ("reading", "print") for line in self.errors.get(step, [])]}

    def publish(self) -> None:
        self.news.publish(self.state())

    def output(self, message: dict, fmt: str) -> Path | None:
        """An output a build announced, when it lies in the book's build folder."""
        path = message.get("outputs", {}).get(fmt)
        if not path:
            return None
        path = Path(path).resolve()
        return path if path.is_relative_to(self.out) else None

    async def handle(self, message: dict) -> None:
        """One announcement of the watch: take the new outputs in, tell the terminal and the pages."""
        kind, step = message.get("kind"), message.get("step")
        if kind == "failed":
            lines = message.get("errors", [])
            for line in lines:
                self.say(line, file=sys.stderr)
            self.say("not built: the preview keeps the last good pages")
            self.errors = {step: lines} if step == "reading" else {**self.errors, step: lines}
            self.publish()
            return
        if kind == "stopped":
            self.failure = message.get("errors") or ["herpress: the rebuilds stopped"]
            return
        if kind != "built":
            return
        self.errors.pop(step, None)
        if step == "reading":
            for warning in message.get("book_warnings", []):
                self.say(warning, file=sys.stderr)
            path = self.output(message, "epub")
            if path is not None:
                self._take(await asyncio.to_thread(Edition.read, path))
            self._said(message, "reading view", path)
        else:
            for warning in message.get("warnings", []):
                self.say(f"warning: {warning}", file=sys.stderr)
            epub, pdf = self.output(message, "epub"), self.output(message, "pdf")
            if epub is not None:
                edition = await asyncio.to_thread(Edition.read, epub)
                if self.edition is not None and await asyncio.to_thread(edition.reads_as, self.edition):
                    edition.version = self.edition.version  # only the print page numbers added: no reload
                self._take(edition)
            if pdf is not None:
                self.shelf.add(await asyncio.to_thread(PrintEdition, pdf, message.get("starts")))
            self._said(message, "print view", pdf)
        for notice in message.get("notices", []):
            if not notice.startswith(NO_PAGE_NUMBERS):
                self.say(notice, file=sys.stderr)
        self.publish()

    def _take(self, edition: Edition) -> None:
        """``edition`` as the newest, the one before kept for a page still asking for it."""
        self.editions.pop(edition.version, None)
        self.editions[edition.version] = edition
        while len(self.editions) > 2:
            self.editions.pop(next(iter(self.editions)))

    def _said(self, message: dict, view: str, path: Path | None) -> None:
        verb = "up to date:" if message.get("up_to_date") else "wrote"
        pages = f", {message['page_count']} pages" if message.get("page_count") else ""
        self.say(f"{view}: {verb} {path} ({message.get('seconds', 0):.2f} s{pages})")


def app(preview: Preview) -> Starlette:
    """The routes of the module's docstring, over ``preview``."""
    from ..styles import templates

    files = assets()
    page = templates([default_styles_dir()]).get_template("preview/index.html.j2").render(
        title=preview.book_dir.resolve().name, assets={name: f"/assets/{name}" for name in files})

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={**FRESH, "Content-Security-Policy": PAGE_POLICY})

    async def asset(request: Request) -> Response:
        path = files.get(request.path_params["name"])
        if path is None:
            return _missing()
        return Response(path.read_bytes(), media_type=ASSET_TYPES[path.suffix], headers=FRESH)

    async def state(request: Request) -> Response:
        return JSONResponse(preview.state(), headers={"Cache-Control": "no-store"})

    async def events(request: Request) -> Response:
        queue = preview.news.subscribe()

        async def stream():
            try:
                yield f"retry: 1000\nevent: state\ndata: {json.dumps(preview.state())}\n\n"
                while True:
                    try:
                        news = await asyncio.wait_for(queue.get(), HEARTBEAT)
                    except asyncio.TimeoutError:
                        yield ": still here\n\n"
                        continue
                    if news is None:
                        return
                    yield f"event: state\ndata: {json.dumps(news)}\n\n"
            finally:
                preview.news.unsubscribe(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def book(request: Request) -> Response:
        version = request.path_params["version"]
        edition = preview.editions.get(version)
        exact = edition is not None
        edition = edition or preview.edition  # an older version's link: the newest has the document
        found = edition.member(request.path_params["member"]) if edition is not None else None
        if found is None:
            return _missing()
        data, media_type = found
        return Response(data, media_type=media_type,
                        headers={**(KEEP if exact else {"Cache-Control": "no-store"}),
                                 "Content-Security-Policy": BOOK_POLICY})

    async def printed(request: Request) -> Response:
        number = request.path_params["number"]
        if not number.isdigit():
            return _missing()
        image = await asyncio.to_thread(preview.shelf.image, request.path_params["version"], int(number) - 1)
        if image is None:
            return _missing()
        return Response(image, media_type="image/png", headers=KEEP)

    routes = [Route("/", index), Route("/assets/{name}", asset), Route("/state", state), Route("/events", events),
              Route("/book/{version}/{member:path}", book), Route("/print/{version}/{number}.png", printed)]
    return Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware,
                                                           allowed_hosts=["127.0.0.1", "localhost"]),
                                                Middleware(_Headers)])


def _missing() -> Response:
    return PlainTextResponse("Not Found", status_code=404)


class _Headers:
    """On every response: no sniffing of types, no referrer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-content-type-options", b"nosniff"),
                                      (b"referrer-policy", b"no-referrer")]
            await send(message)

        await self.app(scope, receive, sending)


def server(application: Starlette, preview: Preview):
    """uvicorn serving ``application``, stopped by Ctrl-C and SIGTERM alike: the event streams are
    ended first (an open one would hold the shutdown), and the signal is not raised again after
    (uvicorn's own handling would end the process by it: exit status 0 is the preview's)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self):
            loop = asyncio.get_running_loop()

            def stop(signum, frame):
                if self.should_exit and signum == signal.SIGINT:
                    self.force_exit = True
                self.should_exit = True
                preview.stopping = True
                loop.call_soon_threadsafe(preview.news.close)

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(application, log_level="warning", access_log=False, lifespan="off", ws="none",
                            http="h11", loop="asyncio", timeout_graceful_shutdown=3, server_header=False)
    return Server(config)
