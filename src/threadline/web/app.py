"""The web app: server-rendered pages and a JSON API over one read-only database.

``create_app`` keeps everything on ``app.state`` (no module globals): the database path, a small
pool of read-only connections, the templates and the optional access token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from threadline.query import Ambiguous, NotFound
from threadline.web import api, pages
from threadline.web.deps import HERE, ConnectionPool, authorized, is_api, make_templates, render

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _public(path: str) -> bool:
    """Reachable without the token: the login form and our own CSS/JS (no data in either)."""
    return path == "/login" or path.startswith("/static/")


def _install_guard(app: FastAPI) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        token: str | None = request.app.state.token
        path = request.url.path
        response: Response
        if token and not _public(path) and not authorized(request, token):
            if is_api(request):
                response = JSONResponse(
                    {"detail": "authentication required"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            else:
                target = path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        message = str(exc.args[0]) if exc.args else "not found"
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=404)
        return render(request, "error.html", {"status": 404, "message": message}, status_code=404)

    @app.exception_handler(Ambiguous)
    async def ambiguous(request: Request, exc: Ambiguous) -> Response:
        if is_api(request):
            body = {"error": "ambiguous", "query": exc.query, "candidates": exc.candidates}
            return JSONResponse(body, status_code=409)
        context = {"query": exc.query, "candidates": exc.candidates}
        return render(request, "ambiguous.html", context, status_code=409)

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


def create_app(db_path: Path | str, token: str | None = None) -> FastAPI:
    """The web app over the database at ``db_path``, opened read-only. With ``token``, every page
    and API call needs ``Authorization: Bearer <token>`` or the cookie set by the login form."""
    app = FastAPI(
        title="threadline",
        summary="Who appears in your documents, with whom, and where it says so.",
        version="0.1.0",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough offline
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.pool = ConnectionPool(Path(db_path))
    app.state.token = token or None
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _install_guard(app)
    _install_error_pages(app)
    return app
