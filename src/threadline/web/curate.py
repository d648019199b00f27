"""Curation in the browser (``serve --edit``): the POST routes behind the forms of the entity and
suggestions pages. create_app includes this router only in edit mode, so a read-only server has no
route that writes at all.

Each route checks its form's CSRF token (web.deps.csrf_token; the guard middleware has already
turned away requests from another site), asks threadline.curation to store the judgement and
resolve again, and redirects (303) to the page that shows the result. Writes go through one
connection opened for the request, under the database's writer lock: never during an ingest (the
form is refused with 503, nothing changed) and one curation at a time within this server.
"""

from __future__ import annotations

import hmac
import re
import sqlite3
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from threadline import query
from threadline.store.db import connect, writer_lock
from threadline.web.deps import (
    MAX_NAME_CHARS,
    MAX_USER_CHARS,
    USER_COOKIE,
    Conn,
    FormTooLarge,
    csrf_token,
    read_form,
)
from threadline.web.pages import TYPE_LABELS, entity_page

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Name = Annotated[str, Path(max_length=MAX_NAME_CHARS)]
T = TypeVar("T")

FORM_LIMIT = 256 * 1024  # a split form carries every ticked alias
MAX_NOTE_CHARS = 2_000
MAX_ALIASES = 1_000
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class WriterBusy(RuntimeError):
    """Another threadline command holds the writer lock (an ingest, a resolve, a CLI curation)."""


async def _checked_form(request: Request) -> dict[str, list[str]]:
    """The url-encoded form of a curation POST, once its CSRF token is the one this server gave."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Send the form from the page (an url-encoded form).")
    try:
        form = await read_form(request, FORM_LIMIT)
    except FormTooLarge as exc:
        raise HTTPException(413, f"This form is too large ({exc}).") from None
    given = form.get("csrf", [""])[0]
    if not hmac.compare_digest(given.encode(), csrf_token(request).encode()):
        raise HTTPException(
            403,
            "This form was not sent from a page of this server as it is now (its CSRF token is missing"
            " or out of date, say after a restart), so nothing was changed. Reload the page and send"
            " it again.",
        )
    return form


Form = Annotated[dict[str, list[str]], Depends(_checked_form)]


def _text(form: dict[str, list[str]], name: str, limit: int) -> str:
    """A one-line field: control characters (a forged newline) become spaces; too long is a 400."""
    value = _CONTROL.sub(" ", form.get(name, [""])[0]).strip()
    if len(value) > limit:
        raise HTTPException(400, f"The {name} field is longer than {limit:,} characters.")
    return value


def _judge(form: dict[str, list[str]]) -> dict[str, str | None]:
    """Who decides and why, for curation's ``user=`` and ``note=`` (the server's login name when
    the form names nobody, as in the CLI)."""
    return {
        "user": _text(form, "user", MAX_USER_CHARS) or None,
        "note": _text(form, "note", MAX_NOTE_CHARS) or None,
    }


def _busy(message: str) -> None:
    raise WriterBusy(message)


def _write(request: Request, action: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``action`` on a writable connection under the writer lock, then close it."""
    state = request.app.state
    with state.write_lock, writer_lock(state.db_path, on_wait=_busy):
        conn = connect(state.db_path)
        try:
            return action(conn)
        finally:
            conn.close()


def _done(request: Request, target: str, form: dict[str, list[str]]) -> Response:
    """The 303 after a curation; remembers who decided for the next forms of this browser."""
    response = RedirectResponse(target, status_code=303)
    user = _text(form, "user", MAX_USER_CHARS)
    if user:
        response.set_cookie(
            USER_COOKIE, quote(user), max_age=365 * 86400, httponly=True, samesite="strict", path="/"
        )
    return response


def _entity_url(key: str, **params: str) -> str:
    return f"/entity/{quote(key, safe='')}" + (f"?{urlencode(params)}" if params else "")


def _refused(
    request: Request,
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    action: str,
    message: str,
    form: dict[str, list[str]],
    status_code: int,
    candidates: list[dict[str, Any]] | None = None,
) -> Response:
    """The entity page again, with why the form's action was not done and what was typed."""
    problem = {
        "action": action,
        "message": message,
        "candidates": candidates or [],
        "other": _text(form, "other", MAX_NAME_CHARS),
        "note": _text(form, "note", MAX_NOTE_CHARS),
        "user": _text(form, "user", MAX_USER_CHARS),
        "aliases": form.get("alias", []),
    }
    fresh = query.find_entity(conn, row["key"])  # as it is now: another curation may have changed it
    return entity_page(request, conn, fresh, problem=problem, status_code=status_code)


def _other(
    request: Request, conn: sqlite3.Connection, row: sqlite3.Row, action: str, form: dict[str, list[str]]
) -> sqlite3.Row | Response:
    """The entity the form's "other" field names, or the entity page saying why there is none."""
    other = _text(form, "other", MAX_NAME_CHARS)
    if not other:
        return _refused(request, conn, row, action, "Type the name or id of the other entity.", form, 400)
    try:
        found = query.find_entity(conn, other)
    except query.Ambiguous as exc:
        message = f"“{other}” fits {len(exc.candidates)} entities; pick one."
        return _refused(request, conn, row, action, message, form, 409, exc.candidates)
    except query.NotFound:
        return _refused(request, conn, row, action, f"No entity matches “{other}”.", form, 404)
    return found


def _curate(
    request: Request,
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    action: str,
    form: dict[str, list[str]],
    write: Callable[[sqlite3.Connection], T],
) -> T | Response:
    """``write``'s result, or the entity page saying why it was not done."""
    from threadline.curation import CurationError

    try:
        return _write(request, write)
    except CurationError as exc:
        return _refused(request, conn, row, action, str(exc), form, 400)
    except WriterBusy as exc:
        message = f"Not done: {exc}. Nothing was changed; send the form again when it has finished."
        return _refused(request, conn, row, action, message, form, 503)
    except (query.NotFound, query.Ambiguous) as exc:  # changed by someone else meanwhile
        return _refused(request, conn, row, action, f"Not done: {exc}.", form, 409)


def _key_now(conn: sqlite3.Connection, key: str) -> str:
    """The id ``key`` leads to after a re-resolution ("" when none): for the redirect only, so a
    judgement already stored is never reported as not done."""
    try:
        return str(query.find_entity(conn, key)["key"])
    except (query.NotFound, query.Ambiguous):
        return ""


def _from_suggestions(form: dict[str, list[str]]) -> bool:
    # A fixed value, never a URL taken from the form: no open redirect.
    return form.get("back", [""])[0] == "suggestions"


@router.post("/entity/{key}/merge")
def merge(request: Request, conn: Conn, key: Name, form: Form) -> Response:
    """Make this entity and the form's "other" one; lands on the merged entity."""
    from threadline.curation import merge as merge_entities

    row = query.find_entity(conn, key)
    other = _other(request, conn, row, "merge", form)
    if isinstance(other, Response):
        return other
    judge = _judge(form)
    merged = _curate(
        request, conn, row, "merge", form, lambda w: merge_entities(w, row["key"], other["key"], **judge)
    )
    if isinstance(merged, Response):
        return merged
    if _from_suggestions(form):
        return _done(request, "/suggestions?" + urlencode({"done": "merged", "entity": merged}), form)
    gone = other["key"] if other["key"] != merged else row["key"]  # the id that now leads here
    return _done(request, _entity_url(merged, done="merged", other=gone), form)


@router.post("/entity/{key}/not-same")
def not_same(request: Request, conn: Conn, key: Name, form: Form) -> Response:
    """This entity and the form's "other" are different: never merge them."""
    from threadline.curation import not_same as keep_apart

    row = query.find_entity(conn, key)
    other = _other(request, conn, row, "not-same", form)
    if isinstance(other, Response):
        return other
    judge = _judge(form)

    def write(w: sqlite3.Connection) -> str:
        keep_apart(w, row["key"], other["key"], **judge)
        return _key_now(w, row["key"]) or row["key"]

    kept = _curate(request, conn, row, "not-same", form, write)
    if isinstance(kept, Response):
        return kept
    if _from_suggestions(form):
        target = "/suggestions?" + urlencode({"done": "not-same", "entity": kept, "other": other["key"]})
        return _done(request, target, form)
    return _done(request, _entity_url(kept, done="not-same", other=other["key"]), form)


@router.post("/entity/{key}/split")
def split(request: Request, conn: Conn, key: Name, form: Form) -> Response:
    """Take the ticked aliases out of this entity; lands on the entity that kept its id, with a
    link to the new one."""
    from threadline.curation import split as split_off

    row = query.find_entity(conn, key)
    aliases = [a for a in form.get("alias", []) if a.strip()]
    if not aliases:
        return _refused(request, conn, row, "split", "Tick the aliases to split off.", form, 400)
    if len(aliases) > MAX_ALIASES or any(len(a) > MAX_NAME_CHARS for a in aliases):
        return _refused(request, conn, row, "split", "Too many or too long aliases.", form, 400)
    judge = _judge(form)

    def write(w: sqlite3.Connection) -> tuple[str, str]:
        new = split_off(w, row["key"], aliases, **judge)
        return _key_now(w, row["key"]) or new, new

    result = _curate(request, conn, row, "split", form, write)
    if isinstance(result, Response):
        return result
    kept, new = result
    return _done(request, _entity_url(kept, done="split", other=new), form)


@router.post("/entity/{key}/reject")
def reject(request: Request, conn: Conn, key: Name, form: Form) -> Response:
    """This entity is no such thing (``as`` empty) or of the type ``as`` names. Lands on the
    retyped entity, or on the judgements when nothing of it counts any more."""
    from threadline.curation import reject as reject_entity

    row = query.find_entity(conn, key)
    as_type = form.get("as", [""])[0] or None
    if as_type is not None and as_type not in TYPE_LABELS:
        return _refused(request, conn, row, "reject", f"Unknown type “{as_type[:40]}”.", form, 400)
    judge = _judge(form)

    def write(w: sqlite3.Connection) -> str:
        reject_entity(w, row["key"], as_type=as_type, **judge)
        return _key_now(w, row["key"])

    now = _curate(request, conn, row, "reject", form, write)
    if isinstance(now, Response):
        return now
    if now and as_type:
        return _done(request, _entity_url(now, done="rejected"), form)
    return _done(request, "/judgements?" + urlencode({"done": "rejected", "type": row["type"]}), form)
