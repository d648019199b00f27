"""Server-rendered pages. Each handler asks the query layer, shapes the answer for its template and
renders; no SQL here. Every page only reads; in edit mode some show forms whose POST routes are in
web.curate."""

from __future__ import annotations

import hmac
import math
import sqlite3
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from threadline import query
from threadline.query import duplicates as stories
from threadline.query import web_queries
from threadline.query.curation import suggestions as probable_pairs
from threadline.query.dateranges import ANY_TIME, DateRange
from threadline.query.timeline import entity_in_range
from threadline.web.deps import (
    COOKIE,
    MAX_COUNT,
    MAX_ID,
    MAX_NAME_CHARS,
    MAX_OFFSET,
    MAX_PAGE,
    Conn,
    FormTooLarge,
    read_form,
    render,
    session_value,
)
from threadline.web.render import Span, layout, mark_hits, segments, with_anchor
from threadline.web.timeline import DateParam, date_range, undated_count

MENTIONS_PER_PAGE = 200
DOCUMENTS_SHOWN = 100
RESULTS_PER_PAGE = 20
CONNECTION_SENTENCES = 500
DIRECT_SHOWN = 20
NETWORK_CAP = 60
SOURCE_DOCUMENTS_SHOWN = 50
CLUSTERS_SHOWN = 500
LOGIN_BODY_LIMIT = 8192
MAX_ENTITY_FILTERS = 20  # each is one more lookup and one more IN (subquery) in the search
TYPE_LABELS = {"person": "people", "organization": "organisations", "location": "places"}
SUGGESTIONS_SHOWN = 200
EXPORT_NAME = "threadline-judgements.jsonl"

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Name = Annotated[str, Path(max_length=MAX_NAME_CHARS)]
NameQuery = Annotated[str, Query(max_length=MAX_NAME_CHARS)]
# What a curation just did, shown once on the page it redirected to (web.curate): never free text
# from the address, only a fixed kind and entity ids this page looks up itself.
Done = Literal["", "merged", "split", "not-same", "rejected"]


def _page_url(path: str, params: dict[str, Any], page: int) -> str:
    pairs = [
        (k, v)
        for k, vs in params.items()
        for v in (vs if isinstance(vs, list) else [vs])
        if v not in ("", None)
    ]
    return f"{path}?{urlencode([*pairs, ('page', page)])}"


def _doc_ids(conn: sqlite3.Connection, evidence: list[dict[str, Any]]) -> dict[str, int]:
    return web_queries.document_ids(conn, (e["path"] for e in evidence))


@router.get("/")
def home(request: Request, conn: Conn) -> Response:
    data = query.summary(conn)
    evidence = [e for c in data["strongest_connections"] for e in c["evidence"]]
    context = {"nav": "home", "summary": data, "doc_ids": _doc_ids(conn, evidence)}
    return render(request, "home.html", context)


@router.get("/search")
def search(
    request: Request,
    conn: Conn,
    q: str = "",
    entity: Annotated[list[str] | None, Query()] = None,
    type: Literal["", "person", "organization", "location"] = "",
    page: Page = 1,
    exact: bool = False,
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
) -> Response:
    """Words, entities or both. Words that are an entity's name or spelling also find every document
    naming that entity, in any spelling (unless ``exact``); a search that finds nothing suggests
    names close to the words. ``from``/``to`` keep the documents dated in that range."""
    from threadline.query import browse

    when = date_range(date_from, date_to)

    chosen: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    names = [e for e in entity or [] if e.strip()]
    if len(names) > MAX_ENTITY_FILTERS:
        raise HTTPException(400, f"{len(names)} entity filters; a search takes at most {MAX_ENTITY_FILTERS}.")
    if any(len(e) > MAX_NAME_CHARS for e in names):
        raise HTTPException(400, f"An entity filter longer than {MAX_NAME_CHARS:,} characters.")
    for name in names:
        try:
            row = query.find_entity(conn, name)
            # "Maxwell" is an entity of its own and a spelling of Ghislaine Maxwell: say so.
            also = (
                [e for e in browse.entities_named(conn, name) if e["id"] != row["key"]]
                if name != row["key"]
                else []
            )
            chosen.append(
                {"id": row["key"], "name": row["name"], "internal": row["id"], "param": name, "also": also}
            )
        except query.Ambiguous as exc:
            problems.append({"query": name, "message": "fits several entities", "candidates": exc.candidates})
        except query.NotFound:
            near = browse.did_you_mean(conn, name)
            problems.append({"query": name, "message": "matches no entity", "candidates": near})
    results: dict[str, Any] = {"total": 0, "hits": []}
    named = browse.entities_named(conn, q) if q.strip() and not exact else []
    if not problems:
        if named:
            results = browse.search_spellings(
                conn,
                q,
                named,
                entity_ids=[c["internal"] for c in chosen],
                limit=RESULTS_PER_PAGE,
                offset=(page - 1) * RESULTS_PER_PAGE,
                when=when,
            )
        else:
            results = web_queries.search_documents(
                conn,
                q,
                entity_ids=[c["internal"] for c in chosen],
                limit=RESULTS_PER_PAGE,
                offset=(page - 1) * RESULTS_PER_PAGE,
                when=when,
            )
    for hit in results["hits"]:
        hit["snippet_html"] = mark_hits(hit["snippet"])
    params = {
        "q": q,
        "entity": [c["id"] for c in chosen],
        "type": type,
        "exact": "1" if exact else "",
        "from": date_from,
        "to": date_to,
    }
    pages = max(1, math.ceil(results["total"] / RESULTS_PER_PAGE))
    without = {
        c["id"]: _page_url("/search", {**params, "entity": [x["id"] for x in chosen if x is not c]}, 1)
        for c in chosen
    }
    context = {
        "nav": "search",
        "q": q,
        "type": type,
        "chosen": chosen,
        "without": without,
        "problems": problems,
        "results": results,
        "page": page,
        "pages": pages,
        "first_result": (page - 1) * RESULTS_PER_PAGE + 1,
        "prev_url": _page_url("/search", params, page - 1) if page > 1 else "",
        "next_url": _page_url("/search", params, page + 1) if page < pages else "",
        "matches": web_queries.match_entities(conn, q, type=type or None) if q and page == 1 else [],
        "type_labels": TYPE_LABELS,
        "named": named,
        "exact": exact,
        "exact_url": _page_url("/search", {**params, "exact": "1"}, 1),
        "spellings_url": _page_url("/search", {**params, "exact": ""}, 1),
        "near": browse.did_you_mean(conn, q) if q.strip() and not results["total"] and not problems else [],
        "since": date_from,
        "until": date_to,
        "undated_left_out": undated_count(conn) if when else 0,
    }
    return render(request, "search.html", context)


@router.get("/entity/{key}")
def entity(
    request: Request,
    conn: Conn,
    key: Name,
    page: Page = 1,
    done: Done = "",
    other: NameQuery = "",
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
) -> Response:
    row = query.find_entity(conn, key)
    if row["key"] != key:  # a name or alias: send to the one address of this entity
        return RedirectResponse(f"/entity/{row['key']}", status_code=307)
    notice = _entity_notice(conn, row, done, other)
    return entity_page(request, conn, row, page=page, notice=notice, when=date_range(date_from, date_to))


def _ref(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """{id, name, type, mentions} of the entity ``key`` leads to now, or None."""
    if not key:
        return None
    try:
        row = query.find_entity(conn, key)
    except (query.NotFound, query.Ambiguous):
        return None
    return {"id": row["key"], "name": row["name"], "type": row["type"], "mentions": row["mentions"]}


def _entity_notice(
    conn: sqlite3.Connection, row: sqlite3.Row, done: str, other: str
) -> dict[str, Any] | None:
    if not done:
        return None
    found = _ref(conn, other)
    # After a merge the other side's old id leads here; shown only when it does.
    if done == "merged" and (found is None or found["id"] != row["key"]):
        found = None
    return {"done": done, "other": found, "old_id": other if done == "merged" and found else ""}


def entity_page(
    request: Request,
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    *,
    page: int = 1,
    notice: dict[str, Any] | None = None,
    problem: dict[str, Any] | None = None,
    status_code: int = 200,
    when: DateRange = ANY_TIME,
) -> Response:
    """The entity page; web.curate renders it with ``problem`` (what a form asked that could not
    be done, and the values typed) when a curation is refused. ``when`` keeps the mentions and
    documents of the documents dated in that range."""
    key = row["key"]
    data = query.show(conn, key)
    mentions = web_queries.entity_mentions(
        conn, row["id"], limit=MENTIONS_PER_PAGE, offset=(page - 1) * MENTIONS_PER_PAGE, when=when
    )
    in_range = entity_in_range(conn, row["id"], when) if when else None
    pages = max(1, math.ceil((in_range["mentions"] if in_range else row["mentions"]) / MENTIONS_PER_PAGE))
    listed = [d for d in data["documents"] if in_range is None or d["path"] in in_range["paths"]]
    documents = listed[:DOCUMENTS_SHOWN]
    evidence = [c["evidence"][0] for c in data["connections"] if c["evidence"]]
    doc_ids = web_queries.document_ids(conn, [d["path"] for d in documents] + [e["path"] for e in evidence])
    context = {
        "entity": data,
        "mentions": mentions,
        "page": page,
        "pages": pages,
        "first_mention": (page - 1) * MENTIONS_PER_PAGE + 1,
        "documents": documents,
        "documents_total": len(data["documents"]),
        "listed_total": len(listed),
        "in_range": in_range,
        "since": when.start or "",
        "until": when.end or "",
        "range_qs": "&" + urlencode([(k, v) for k, v in (("from", when.start), ("to", when.end)) if v])
        if when
        else "",
        "doc_ids": doc_ids,
        "notice": notice,
        "problem": problem,
        "other_types": [t for t in TYPE_LABELS if t != data["type"]],
    }
    return render(request, "entity.html", context, status_code=status_code)


@router.get("/connection/{a}/{b}")
def connection(request: Request, conn: Conn, a: Name, b: Name) -> Response:
    ea, eb = query.find_entity(conn, a), query.find_entity(conn, b)
    sentences, documents = web_queries.link_support(conn, ea["id"], eb["id"])
    groups = web_queries.connection_sentences(conn, ea["id"], eb["id"], limit=CONNECTION_SENTENCES)
    for group in groups:
        for s in group["sentences"]:
            spans = [Span(x["start"], x["end"], f"hit-{x['side']}") for x in s["spans"]]
            s["segments"] = segments(s["text"], spans)
    context = {
        "a": {"id": ea["key"], "name": ea["name"], "type": ea["type"]},
        "b": {"id": eb["key"], "name": eb["name"], "type": eb["type"]},
        "sentences": sentences,
        "documents": documents,
        "support": {"sentences": sentences, **query.link_independent_counts(conn, ea["id"], eb["id"])},
        "groups": groups,
        "shown": sum(len(g["sentences"]) for g in groups),
    }
    return render(request, "connection.html", context)


def _resolve_for_path(
    conn: sqlite3.Connection, text: str
) -> tuple[sqlite3.Row | None, dict[str, Any] | None]:
    try:
        return query.find_entity(conn, text), None
    except query.Ambiguous as exc:
        return None, {"query": text, "message": "fits several entities", "candidates": exc.candidates}
    except query.NotFound:
        return None, {"query": text, "message": "matches no entity", "candidates": []}


@router.get("/path")
def path(
    request: Request,
    conn: Conn,
    a: Annotated[str, Query(max_length=MAX_NAME_CHARS)] = "",
    b: Annotated[str, Query(max_length=MAX_NAME_CHARS)] = "",
) -> Response:
    context: dict[str, Any] = {"nav": "path", "a": a, "b": b, "problems": [], "result": None}
    if a.strip() and b.strip():
        (ea, pa), (eb, pb) = _resolve_for_path(conn, a), _resolve_for_path(conn, b)
        for side, problem in (("a", pa), ("b", pb)):
            if problem:
                problem["side"] = side
                problem["other"] = b if side == "a" else a
                context["problems"].append(problem)
        if ea is not None and eb is not None:
            data = query.links(conn, ea["key"], eb["key"])
            paths = []
            for p in data["paths"]:
                steps = web_queries.path_entities(conn, p["entities"], ea["id"], eb["id"])
                hops = [
                    {"from": x, "to": y, "evidence": ev}
                    for x, y, ev in zip(steps, steps[1:], p["evidence"], strict=False)
                ]
                paths.append({"steps": steps, "hops": hops})
            evidence = data["direct"][:DIRECT_SHOWN] + [h["evidence"] for p in paths for h in p["hops"]]
            context["result"] = {
                "from": data["from"],
                "to": data["to"],
                "direct": data["direct"][:DIRECT_SHOWN],
                "direct_total": len(data["direct"]),
                "paths": paths,
            }
            context["doc_ids"] = _doc_ids(conn, evidence)
    return render(request, "path.html", context)


@router.get("/doc/{doc_id}")
def document(
    request: Request,
    conn: Conn,
    doc_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    at: Annotated[int | None, Query(ge=0, le=MAX_OFFSET)] = None,
) -> Response:
    """One window of the document's text (the one holding character offset ``at``); links that
    point into a document carry ``?at=`` so their #anchor is on the page they open."""
    doc = web_queries.document(conn, doc_id, at=at or 0)
    base = doc["start"]
    spans = []
    for m in doc["mentions"]:
        label = m["entity_name"] or "unresolved"
        title = f"{label} ({m['type']}" + (f", {m['role']}" if m["role"] else "") + ")"
        href = f"/entity/{m['entity']}" if m["entity"] else ""
        spans.append(Span(m["start"] - base, m["end"] - base, f"ent {m['type']}", f"m{m['id']}", href, title))
    # Each page after the first starts after a blank-line separator: mark it, so a cited page can
    # be found (and linked as #p3).
    for number, start in enumerate(doc["pages"][1:], 2):
        if start >= 2 and doc["start"] <= start - 2 and start <= doc["end"]:
            spans.append(
                Span(start - 2 - base, start - base, "page-break", f"p{number}", "", f"page {number}")
            )
    runs = segments(doc["text"], spans)
    if at is not None and doc["start"] <= at <= doc["end"]:
        runs = with_anchor(runs, at - base, "at")
    parts = [
        {"number": i, "at": start, "current": start == doc["start"]}
        for i, start in enumerate(doc["windows"], 1)
    ]
    context = {"doc": doc, "segments": runs, "named": doc["named"], "parts": parts}
    return render(request, "document.html", context)


@router.get("/failed")
def failed(request: Request, conn: Conn, path: Annotated[str, Query(max_length=4096)]) -> Response:
    return render(request, "failed.html", {"nav": "errors", "file": web_queries.file_record(conn, path)})


@router.get("/errors")
def errors(request: Request, conn: Conn) -> Response:
    return render(request, "errors.html", {"nav": "errors", "errors": query.errors(conn)})


@router.get("/network/{key}")
def network(
    request: Request,
    conn: Conn,
    key: Name,
    hops: Annotated[int, Query(ge=1, le=2)] = 1,
    min_sentences: Annotated[int, Query(alias="min", ge=1, le=MAX_COUNT)] = 1,
    type: Literal["person", "organization", "location", "all"] = "person",
) -> Response:
    row = query.find_entity(conn, key)
    net = web_queries.ego_network(
        conn,
        row["id"],
        hops=hops,
        min_sentences=min_sentences,
        type=None if type == "all" else type,
        cap=NETWORK_CAP,
    )
    nodes, edges = layout(net)
    context = {
        "entity": {"id": row["key"], "name": row["name"], "type": row["type"]},
        "nodes": nodes,
        "edges": edges,
        "hops": hops,
        "min": min_sentences,
        "type": type,
        "cap": NETWORK_CAP,
    }
    return render(request, "network.html", context)


@router.get("/sources")
def sources(request: Request, conn: Conn) -> Response:
    rows = stories.sources(conn)
    paths = (
        p
        for s in rows
        for p in [*s["documents"][:SOURCE_DOCUMENTS_SHOWN], *s["cited_in"][:SOURCE_DOCUMENTS_SHOWN]]
    )
    context = {
        "nav": "sources",
        "sources": rows,
        "shown": SOURCE_DOCUMENTS_SHOWN,
        "doc_ids": web_queries.document_ids(conn, paths),
    }
    return render(request, "sources.html", context)


@router.get("/duplicates")
def duplicates(request: Request, conn: Conn) -> Response:
    total = stories.cluster_count(conn)
    clusters = stories.duplicates(conn, limit=CLUSTERS_SHOWN)
    context = {
        "nav": "duplicates",
        "clusters": clusters,
        "total": total,
        "more": total > len(clusters),
        "docs": web_queries.document_labels(conn, (p for c in clusters for p in c["documents"])),
    }
    return render(request, "duplicates.html", context)


@router.get("/watchlist")
def watchlist(request: Request, conn: Conn) -> Response:
    return render(request, "watchlist.html", {"nav": "watchlist", "people": web_queries.watchlist(conn)})


# --- curation: what people may want to judge, and what they judged -------------------------------------


@router.get("/suggestions")
def suggestions(
    request: Request, conn: Conn, done: Done = "", entity: NameQuery = "", other: NameQuery = ""
) -> Response:
    """Pairs resolution left apart as "probably the same", most mentions moved first; in edit
    mode each row has its two buttons (web.curate's merge and not-same)."""
    rows = probable_pairs(conn, limit=SUGGESTIONS_SHOWN)
    notice = {"done": done, "entity": _ref(conn, entity), "other": _ref(conn, other)} if done else None
    context = {"nav": "suggestions", "suggestions": rows, "shown": SUGGESTIONS_SHOWN, "notice": notice}
    return render(request, "suggestions.html", context)


@router.get("/judgements")
def judgements(
    request: Request,
    conn: Conn,
    done: Done = "",
    type: Literal["", "person", "organization", "location"] = "",
) -> Response:
    from threadline.curation import judgements as stored  # pulls in the pipeline: only when asked

    rows = list(reversed(stored(conn)))  # newest first: the one just made is on top
    notice = {"done": done, "type": type} if done else None
    return render(request, "judgements.html", {"nav": "suggestions", "judgements": rows, "notice": notice})


@router.get("/judgements/export")
def export_judgements(conn: Conn) -> Response:
    """Every judgement as nomenklatura resolver lines, for `threadline judgements import`."""
    from threadline.curation import export_lines

    body = "".join(line + "\n" for line in export_lines(conn))
    headers = {"Content-Disposition": f'attachment; filename="{EXPORT_NAME}"'}
    return Response(body, media_type="application/x-ndjson; charset=utf-8", headers=headers)


# --- login (only matters when the app was started with a token) --------------------------------------


def _safe_next(target: str) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next_url: Annotated[str, Query(alias="next")] = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next_url), "error": ""})


@router.post("/login")
async def login(request: Request) -> Response:
    try:
        form = await read_form(request, LOGIN_BODY_LIMIT)
    except FormTooLarge:
        return render(request, "error.html", {"status": 413, "message": "form too large"}, status_code=413)
    given = form.get("token", [""])[0]
    target = _safe_next(form.get("next", ["/"])[0])
    token: str | None = request.app.state.token
    if token is None:
        return RedirectResponse(target, status_code=303)
    if not hmac.compare_digest(given.encode(), token.encode()):
        return render(
            request, "login.html", {"next": target, "error": "That token is not right."}, status_code=401
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict", path="/")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
