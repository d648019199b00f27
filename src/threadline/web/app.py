"""The web app: server-rendered pages and a JSON API over one database, read-only unless started
in edit mode (``serve --edit``), which adds the curation forms and their routes (web.curate).

``create_app`` keeps everything on ``app.state`` (no module globals): the database path, a small
pool of read-only connections, the templates, the optional access token, the host names the app
answers to, each request's time budget and, in edit mode, the forms' CSRF secret and the lock that
lets one curation write at a time.

The guard middleware runs one small check after another (Host header, token, then where a POST
comes from) and adds the security headers to every response, refusals and errors included; the
write routes check their form's CSRF token themselves (web.curate), as only they read a body.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from threadline.query import Ambiguous, NotFound, QueryTooLong
from threadline.store.db import StoreError
from threadline.web import api, browse, browse_api, curate, pages, timeline
from threadline.web.deps import HERE, ConnectionPool, QueryTimeout, authorized, is_api, make_templates, render

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not "no-referrer": with it a browser sends "Origin: null" on our own forms' POSTs, which then
    # look like any other site's. Nothing links off the site, so no referrer leaves it either way.
    "Referrer-Policy": "same-origin",
}


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QUERY_SECONDS = 15.0
LOG = logging.getLogger("threadline.web")


def host_name(header: str) -> str:
    """The host of a Host header, lower-case, without the port or an IPv6 address's brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    if header.count(":") == 1:
        return header.partition(":")[0]
    return header


def _public(path: str) -> bool:
    """Reachable without the token: the login form and our own CSS/JS (no data in either)."""
    return path == "/login" or path.startswith("/static/")


def _wrong_host(request: Request) -> Response | None:
    """A refusal when the Host header names a host this server was not told it is. A page on
    attacker.example whose name is re-pointed at 127.0.0.1 (DNS rebinding) sends its own name."""
    allowed: frozenset[str] = request.app.state.allowed_hosts
    if host_name(request.headers.get("host", "")) in allowed:
        return None
    message = (
        "This server does not answer to that host name. Open it as http://127.0.0.1 or"
        " http://localhost, or start it with `threadline serve --allowed-host NAME`."
    )
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=400)
    return PlainTextResponse(message, status_code=400)


def _missing_token(request: Request) -> Response | None:
    """A refusal (401 for the API, a redirect to the login form for pages) when the app has a
    token and the request does not carry it."""
    token: str | None = request.app.state.token
    path = request.url.path
    if not token or _public(path) or authorized(request, token):
        return None
    if is_api(request):
        return JSONResponse(
            {"detail": "authentication required"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _cross_site(request: Request) -> Response | None:
    """A refusal (403) for a POST (any method that may change something) that a browser says comes
    from another site: Sec-Fetch-Site other than same-origin, or an Origin (else Referer) whose host
    is not one this server answers to; "Origin: null" (a sandboxed or hidden origin) too. Requests
    that name neither are not a browser's form (curl, scripts): the write routes' CSRF token still
    applies to them."""
    if request.method in SAFE_METHODS:
        return None
    allowed: frozenset[str] = request.app.state.allowed_hosts
    site = request.headers.get("sec-fetch-site")
    source = request.headers.get("origin") or request.headers.get("referer")
    foreign = site is not None and site != "same-origin"
    if source is not None:
        try:
            foreign = foreign or urlsplit(source).hostname not in allowed
        except ValueError:  # an unparsable Origin or Referer
            foreign = True
    if not foreign:
        return None
    message = (
        "This request was sent from another site (or a page that hid where it came from), so it was"
        " refused and nothing was changed. Open this server's own page and send the form from there."
    )
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=403)
    return PlainTextResponse(message, status_code=403)


def _internal_error(request: Request) -> Response:
    """A plain 500, without templates: whatever failed may fail again."""
    if is_api(request):
        return JSONResponse({"detail": "internal error"}, status_code=500)
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error 500 · threadline</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>Error 500</h1>'
        "<p>Something went wrong on this page; the server log has the details.</p>"
        '<p><a href="/">Back to the overview</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=500)


def _refusal(request: Request) -> Response | None:
    """The first check that turns the request away, in order, or None to serve it."""
    return _wrong_host(request) or _missing_token(request) or _cross_site(request)


def _install_guard(app: FastAPI) -> None:
    """Every response, refusals and errors included, leaves with the security headers."""

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = _refusal(request)
        if response is None:
            try:
                response = await call_next(request)
            except Exception:
                LOG.exception("error serving %s", request.url.path)
                response = _internal_error(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _error(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc.args[0]) if exc.args else "not found")

    @app.exception_handler(Ambiguous)
    async def ambiguous(request: Request, exc: Ambiguous) -> Response:
        if is_api(request):
            body = {"error": "ambiguous", "query": exc.query, "candidates": exc.candidates}
            return JSONResponse(body, status_code=409)
        context = {"query": exc.query, "candidates": exc.candidates}
        return render(request, "ambiguous.html", context, status_code=409)

    @app.exception_handler(QueryTooLong)
    async def too_long(request: Request, exc: QueryTooLong) -> Response:
        return _error(request, 400, f"This search is too long: {exc}.")

    @app.exception_handler(QueryTimeout)
    async def too_slow(request: Request, exc: QueryTimeout) -> Response:
        return _error(
            request, 503, f"This page took too long: {exc}. Try a narrower search or a smaller page."
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_api(request):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
        context = {"status": 422, "message": f"This address has a value the page cannot use ({problems})."}
        return render(request, "error.html", context, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) or exc.status_code < 400:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        context = {"status": exc.status_code, "message": str(exc.detail)}
        return render(request, "error.html", context, status_code=exc.status_code)


def _check_writable(db_path: Path) -> None:
    """Edit mode writes the database, its WAL files and its lock file beside it."""
    for path in (db_path, db_path.parent):
        if not os.access(path, os.W_OK):
            raise StoreError(f"cannot serve {db_path} with --edit: {path} is not writable")


def create_app(
    db_path: Path | str,
    token: str | None = None,
    *,
    allowed_hosts: Iterable[str] = (),
    query_seconds: float = QUERY_SECONDS,
    edit: bool = False,
) -> FastAPI:
    """The web app over the database at ``db_path``, opened read-only. With ``token``, every page
    and API call needs ``Authorization: Bearer <token>`` or the cookie set by the login form.

    Requests must name a loopback host (localhost, 127.0.0.1, [::1]) or one of ``allowed_hosts``
    in their Host header; others get 400. Each request's queries stop after ``query_seconds``.

    With ``edit``, pages show curation forms (merge, split, not-same, reject) whose POST routes
    write judgements under the database's writer lock; without it those routes do not exist.
    Raises StoreError when ``edit`` is asked for a database this process cannot write."""
    app = FastAPI(
        title="threadline",
        summary="Who appears in your documents, with whom, and where it says so.",
        version="0.1.0",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough offline
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    db_path = Path(db_path)
    app.state.pool = ConnectionPool(db_path)
    app.state.db_path = db_path
    app.state.edit = edit
    if edit:
        _check_writable(db_path)
        app.state.csrf_secret = secrets.token_bytes(32)
        app.state.write_lock = threading.Lock()
    app.state.token = token or None
    app.state.allowed_hosts = LOOPBACK_HOSTS | {host_name(h) for h in allowed_hosts}
    app.state.query_seconds = query_seconds
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(browse_api.router)
    app.include_router(pages.router)
    app.include_router(browse.router)
    app.include_router(timeline.router)
    app.include_router(timeline.api)
    if edit:
        app.include_router(curate.router)
    _install_guard(app)
    _install_error_pages(app)
    return app
