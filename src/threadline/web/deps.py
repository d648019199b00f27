"""What every route shares: a pool of read-only connections, template rendering, the session cookie
and, in edit mode, the forms' CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import queue
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from threadline.store.db import connect
from threadline.web.render import segments_html

HERE = Path(__file__).resolve().parent
COOKIE = "threadline_session"
USER_COOKIE = "threadline_user"  # edit mode: who decides, remembered for the next forms
MAX_USER_CHARS = 100
# Bounds of numeric parameters: past them a request gets 422, never a 500 from an integer SQLite
# cannot hold (2^63 and up) or an offset no page will ever reach.
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
MAX_OFFSET = 10_000_000
MAX_COUNT = 1_000_000_000
MAX_NAME_CHARS = 1_000  # an entity id, name or alias typed into a page or the API


class QueryTimeout(RuntimeError):
    """A request's queries ran past its time budget and were stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query took longer than {seconds:g} s and was stopped")
        self.seconds = seconds


class ConnectionPool:
    """Read-only SQLite connections handed to one request at a time (sqlite3 objects are not
    meant to be shared between threads running concurrently)."""

    # Reads jump between many documents' rows: memory-mapping the file (shared by all connections
    # through the OS page cache) and a bigger page cache roughly halve the big pages' time.
    PRAGMAS = ("PRAGMA mmap_size = 1073741824", "PRAGMA cache_size = -16384")
    # SQLite calls the deadline check every this many virtual-machine steps (microseconds apart).
    CHECK_EVERY = 1_000

    def __init__(self, db_path: Path, size: int = 8) -> None:
        self.db_path = db_path
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue(maxsize=size)
        self._idle.put(self._open())  # fail now, not on the first request

    def _open(self) -> sqlite3.Connection:
        conn = connect(self.db_path, readonly=True)
        for pragma in self.PRAGMAS:
            conn.execute(pragma)
        return conn

    def acquire(self, deadline: float | None = None) -> sqlite3.Connection:
        """A connection whose statements stop with ``sqlite3.OperationalError("interrupted")``
        once ``time.monotonic()`` passes ``deadline``."""
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        if deadline is not None:
            conn.set_progress_handler(lambda: time.monotonic() > deadline, self.CHECK_EVERY)
        return conn

    def release(self, conn: sqlite3.Connection) -> None:
        conn.set_progress_handler(None, 0)  # the next request brings its own deadline
        try:
            self._idle.put_nowait(conn)
        except queue.Full:
            conn.close()


def _db(request: Request) -> Iterator[sqlite3.Connection]:
    pool: ConnectionPool = request.app.state.pool
    seconds: float = request.app.state.query_seconds
    conn = pool.acquire(time.monotonic() + seconds)
    try:
        yield conn
    except sqlite3.OperationalError as exc:
        # The deadline check is the only thing that interrupts these connections.
        if str(exc) == "interrupted":
            raise QueryTimeout(seconds) from exc
        raise
    finally:
        pool.release(conn)


Conn = Annotated[sqlite3.Connection, Depends(_db)]


def session_value(token: str) -> str:
    """The cookie a login sets: derived from the token, so the token itself is never stored."""
    return hmac.new(token.encode(), b"threadline-session", hashlib.sha256).hexdigest()


def authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())


def csrf_token(request: Request) -> str:
    """The token every form of an edit-mode page carries: an HMAC of the process's secret and the
    session cookie (when the app has a token), so a page of another site cannot know it and a form
    from before a restart (a new secret) or from a session of another token is refused."""
    secret: bytes = request.app.state.csrf_secret
    session = request.cookies.get(COOKIE, "") if request.app.state.token else ""
    return hmac.new(secret, b"threadline-csrf\x00" + session.encode(), hashlib.sha256).hexdigest()


class FormTooLarge(ValueError):
    """A form body past its size limit."""


async def read_form(request: Request, limit: int) -> dict[str, list[str]]:
    """An url-encoded form body as {field: [values]}; FormTooLarge past ``limit`` bytes (read no
    further: a client cannot make the server hold an endless body)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FormTooLarge(f"form larger than {limit:,} bytes")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # everything, whatever the file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["segments_html"] = segments_html
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("nav", "")
    context.setdefault("authenticated", request.app.state.token is not None)
    context.setdefault("edit", request.app.state.edit)
    context.setdefault("csrf", csrf_token(request) if request.app.state.edit else "")
    curator = unquote(request.cookies.get(USER_COOKIE, "")) if request.app.state.edit else ""
    context.setdefault("curator", curator[:MAX_USER_CHARS])
    return templates.TemplateResponse(request, name, context, status_code=status_code)
