"""Browsing everything, and taking it away: the list of all entities, every connection of an entity,
the interactive graph (its data comes from web.browse_api), and the exports as downloads (the whole
corpus or the current view, a connection's evidence as CSV). Read-only, like web.pages."""

from __future__ import annotations

import csv
import io
import math
import shutil
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from threadline import query
from threadline.query import browse
from threadline.web.deps import MAX_COUNT, MAX_NAME_CHARS, MAX_PAGE, Conn, render

ENTITIES_PER_PAGE = 50
CONNECTIONS_PER_PAGE = 50
GRAPH_CAP = 150
GRAPH_MAX = 500
EXPORT_BUDGET = 20  # an export may take this many times a page's query budget
TYPE_LABELS = {"person": "people", "organization": "organisations", "location": "places"}
Kind = Literal["", "person", "organization", "location"]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Name = Annotated[str, Path(max_length=MAX_NAME_CHARS)]
Date = Annotated[str, Query(pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$", max_length=10)]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _url(path: str, params: dict[str, Any]) -> str:
    pairs = [
        (k, v)
        for k, vs in params.items()
        for v in (vs if isinstance(vs, list) else [vs])
        if v not in ("", None)
    ]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


@router.get("/entities")
def entities(
    request: Request,
    conn: Conn,
    type: Kind = "",
    watchlist: bool = False,
    min_mentions: Annotated[int, Query(alias="min", ge=0, le=MAX_COUNT)] = 0,
    sort: Literal["mentions", "documents", "name", "connections"] = "mentions",
    page: Page = 1,
) -> Response:
    found = browse.entity_list(
        conn,
        type=type or None,
        watchlist=watchlist,
        min_mentions=min_mentions,
        sort=sort,
        limit=ENTITIES_PER_PAGE,
        offset=(page - 1) * ENTITIES_PER_PAGE,
    )
    params: dict[str, Any] = {
        "type": type,
        "watchlist": "1" if watchlist else "",
        "min": min_mentions or "",
        "sort": sort,
    }
    pages = _pages(found["total"], ENTITIES_PER_PAGE)
    context = {
        "nav": "entities",
        "rows": found["rows"],
        "total": found["total"],
        "type": type,
        "watchlist": watchlist,
        "min": min_mentions,
        "sort": sort,
        "page": page,
        "pages": pages,
        "first": (page - 1) * ENTITIES_PER_PAGE + 1,
        "prev_url": _url("/entities", {**params, "page": page - 1}) if page > 1 else "",
        "next_url": _url("/entities", {**params, "page": page + 1}) if page < pages else "",
        "type_labels": TYPE_LABELS,
    }
    return render(request, "entities.html", context)


@router.get("/entity/{key}/connections")
def entity_connections(request: Request, conn: Conn, key: Name, type: Kind = "", page: Page = 1) -> Response:
    row = query.find_entity(conn, key)
    found = browse.connections(
        conn,
        row["id"],
        type=type or None,
        limit=CONNECTIONS_PER_PAGE,
        offset=(page - 1) * CONNECTIONS_PER_PAGE,
    )
    from threadline.query.web_queries import document_ids

    doc_ids = document_ids(conn, (e["path"] for r in found["rows"] for e in r["evidence"]))
    pages = _pages(found["total"], CONNECTIONS_PER_PAGE)
    base = f"/entity/{row['key']}/connections"
    context = {
        "entity": {"id": row["key"], "name": row["name"], "type": row["type"]},
        "rows": found["rows"],
        "total": found["total"],
        "type": type,
        "page": page,
        "pages": pages,
        "first": (page - 1) * CONNECTIONS_PER_PAGE + 1,
        "doc_ids": doc_ids,
        "filters": [("", "everyone"), *TYPE_LABELS.items()],
        "base": base,
        "prev_url": _url(base, {"type": type, "page": page - 1}) if page > 1 else "",
        "next_url": _url(base, {"type": type, "page": page + 1}) if page < pages else "",
    }
    return render(request, "connections.html", context)


@router.get("/graph")
def graph_page(
    request: Request,
    conn: Conn,
    entity: Annotated[str, Query(max_length=MAX_NAME_CHARS)] = "",
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    type: Annotated[list[Literal["person", "organization", "location"]] | None, Query()] = None,
    min_sentences: Annotated[int, Query(alias="min", ge=1, le=MAX_COUNT)] = 1,
    since: Annotated[str, Query(alias="from", pattern=r"^(\d{4}-\d{2}-\d{2})?$", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", pattern=r"^(\d{4}-\d{2}-\d{2})?$", max_length=10)] = "",
    limit: Annotated[int, Query(ge=2, le=GRAPH_MAX)] = GRAPH_CAP,
) -> Response:
    """The interactive graph: the page holds the filters, legend and panel; static/graph.js draws the
    data of /api/graph with the same parameters."""
    types = list(dict.fromkeys(type or []))
    center = None
    problem = None
    if entity.strip():
        try:
            row = query.find_entity(conn, entity.strip())
            center = {"id": row["key"], "name": row["name"], "type": row["type"]}
        except query.Ambiguous as exc:
            problem = {"query": entity, "message": "fits several entities", "candidates": exc.candidates}
        except query.NotFound:
            problem = {"query": entity, "message": "matches no entity", "candidates": []}
    params: dict[str, Any] = {
        "entity": center["id"] if center else "",
        "hops": hops if center else "",
        "type": types,
        "min": min_sentences if min_sentences > 1 else "",
        "from": since,
        "to": until,
        "limit": limit if limit != GRAPH_CAP else "",
    }
    export_params = {k: params[k] for k in ("entity", "hops", "type", "min")}
    context = {
        "nav": "graph",
        "center": center,
        "problem": problem,
        "entity": entity,
        "hops": hops,
        "types": types,
        "min": min_sentences,
        "since": since,
        "until": until,
        "limit": limit,
        "type_labels": TYPE_LABELS,
        "api": _url("/api/graph", params),
        "exports": {
            fmt: _url(f"/export/{fmt}", export_params) for fmt in ("gexf", "graphml", "csv", "neo4j", "ftm")
        },
        "dated": bool(since or until),
    }
    return render(request, "graph.html", context)


# --- downloads -----------------------------------------------------------------------------------------

EXPORT_NAMES = {
    "ftm": "threadline.ftm.json",
    "gexf": "threadline.gexf",
    "graphml": "threadline.graphml",
    "csv": "threadline-csv.zip",
    "neo4j": "threadline-neo4j.zip",
}
EXPORT_TYPES = {
    "ftm": "application/x-ndjson; charset=utf-8",
    "gexf": "application/xml",
    "graphml": "application/xml",
    "csv": "application/zip",
    "neo4j": "application/zip",
}


def _longer_budget(request: Request, conn: sqlite3.Connection) -> None:
    """An export reads the whole selection: it gets EXPORT_BUDGET times a page's time."""
    seconds: float = request.app.state.query_seconds * EXPORT_BUDGET
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1_000)


@router.get("/export/{format}")
def download(
    request: Request,
    conn: Conn,
    format: Literal["ftm", "gexf", "graphml", "csv", "neo4j"],
    entity: Annotated[str, Query(max_length=MAX_NAME_CHARS)] = "",
    hops: Annotated[int, Query(ge=0, le=3)] = 1,
    type: Annotated[list[Literal["person", "organization", "location"]] | None, Query()] = None,
    min_sentences: Annotated[int, Query(alias="min", ge=1, le=MAX_COUNT)] = 1,
) -> Response:
    """The findings as ``threadline export FORMAT`` writes them: the whole corpus, or the selection
    (an entity's ego network, types, minimum sentences). Folders (csv, neo4j) come as a zip."""
    from threadline.export import FOLDER_FORMATS, MissingFollowTheMoney, Selection, export

    selection = Selection(
        types=tuple(dict.fromkeys(type or [])),
        min_sentences=min_sentences,
        entity=entity.strip() or None,
        hops=hops,
    )
    _longer_budget(request, conn)
    work = FilePath(tempfile.mkdtemp(prefix="threadline-export-"))
    try:
        target = work / ("out" if format in FOLDER_FORMATS else EXPORT_NAMES[format])
        try:
            export(conn, format, target, selection)
        except MissingFollowTheMoney as exc:
            raise HTTPException(501, str(exc)) from None
        if format in FOLDER_FORMATS:
            archive = work / EXPORT_NAMES[format]
            folder = EXPORT_NAMES[format].removesuffix(".zip")
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
                for item in sorted(target.iterdir()):
                    zipped.write(item, f"{folder}/{item.name}")
            target = archive
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        target,
        media_type=EXPORT_TYPES[format],
        filename=EXPORT_NAMES[format],
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


EVIDENCE_COLUMNS = ("a", "b", "path", "title", "date", "page", "start", "end", "copies", "sentence")


@router.get("/connection/{a}/{b}/evidence.csv")
def evidence_csv(conn: Conn, a: Name, b: Name) -> Response:
    """Every sentence naming both entities, as CSV (formula-safe text cells)."""
    from threadline.export.files import formula_safe

    ea, eb = query.find_entity(conn, a), query.find_entity(conn, b)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EVIDENCE_COLUMNS)
    for ev in browse.link_evidence(conn, ea["id"], eb["id"], limit=-1):
        writer.writerow(
            [
                ea["key"], eb["key"], formula_safe(ev["path"]), formula_safe(ev["title"]) or "", ev["date"] or "",
                ev["page"] if ev["page"] is not None else "", ev["start"], ev["end"], ev["copies"],
                formula_safe(ev["sentence"]),
            ]
        )  # fmt: skip
    name = f"threadline-{ea['key']}-{eb['key']}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
