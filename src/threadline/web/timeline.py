"""Time in the web app: the timeline of the corpus, an entity or a connection (a date histogram one
can brush to narrow the range, the documents and the dated sentences in it, the undated documents
always listed apart), and the JSON API for documents, timelines and related-story suggestions.
Read-only, like web.pages; the data comes from query.timeline and query.related."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from threadline import query
from threadline.query import web_queries
from threadline.query.dateranges import BadDate, DateRange
from threadline.query.related import related_pairs
from threadline.query.timeline import documents, histogram, timeline, undated_count
from threadline.web.deps import MAX_NAME_CHARS, Conn, render
from threadline.web.render import Span, segments

__all__ = ["DateParam", "api", "date_range", "router", "undated_count"]

EVENTS_SHOWN = 300
UNDATED_SHOWN = 500
CHART_HEIGHT = 80
Name = Annotated[str, Path(max_length=MAX_NAME_CHARS)]
# YYYY, YYYY-MM or YYYY-MM-DD, or nothing; the pattern keeps anything else out with a 422.
DateParam = Annotated[str, Query(pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$", max_length=10)]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api = APIRouter(prefix="/api", tags=["api"])


def date_range(start: str, end: str) -> DateRange:
    """The page's from/to, or a 400 when they make no range (from after to, month 13)."""
    try:
        return DateRange.parse(start or None, end or None)
    except BadDate as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/timeline")
def corpus_timeline(
    request: Request,
    conn: Conn,
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
) -> Response:
    return _page(request, conn, [], date_range(date_from, date_to))


@router.get("/timeline/{key}")
def entity_timeline(
    request: Request,
    conn: Conn,
    key: Name,
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
) -> Response:
    row = query.find_entity(conn, key)
    if row["key"] != key:  # a name or an old id: one address per entity
        return RedirectResponse(_url(f"/timeline/{row['key']}", date_from, date_to), status_code=307)
    return _page(request, conn, [key], date_range(date_from, date_to))


@router.get("/timeline/{a}/{b}")
def connection_timeline(
    request: Request,
    conn: Conn,
    a: Name,
    b: Name,
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
) -> Response:
    ra, rb = query.find_entity(conn, a), query.find_entity(conn, b)
    if (ra["key"], rb["key"]) != (a, b):
        return RedirectResponse(
            _url(f"/timeline/{ra['key']}/{rb['key']}", date_from, date_to), status_code=307
        )
    return _page(request, conn, [a, b], date_range(date_from, date_to))


def _url(path: str, date_from: str, date_to: str) -> str:
    from urllib.parse import urlencode

    params = [(k, v) for k, v in (("from", date_from), ("to", date_to)) if v]
    return f"{path}?{urlencode(params)}" if params else path


def _page(request: Request, conn: sqlite3.Connection, names: list[str], when: DateRange) -> Response:
    data = timeline(conn, names, when=when, limit=EVENTS_SHOWN)
    chart = _chart(histogram(conn, names), when)
    paths = [e["path"] for e in data["events"]] + [
        d["path"] for d in data["undated"]["documents"][:UNDATED_SHOWN]
    ]
    doc_ids = web_queries.document_ids(conn, paths)
    for event in data["events"]:
        if event["kind"] == "event":
            start = event["date_start"] - event["start"]
            event["segments"] = segments(
                event["sentence"], [Span(start, start + event["date_end"] - event["date_start"], "when")]
            )
    base = "/timeline/" + "/".join(e["id"] for e in data["entities"]) if data["entities"] else "/timeline"
    context = {
        "nav": "timeline",
        "data": data,
        "chart": chart,
        "doc_ids": doc_ids,
        "base": base,
        "since": when.start or "",
        "until": when.end or "",
        "undated": data["undated"]["documents"][:UNDATED_SHOWN],
        "undated_total": len(data["undated"]["documents"]),
        "shown": EVENTS_SHOWN,
    }
    return render(request, "timeline.html", context)


def _chart(data: dict[str, Any], when: DateRange) -> dict[str, Any]:
    """Bars for the histogram: each bin's documents and events stacked, scaled to CHART_HEIGHT;
    bins inside the chosen range marked."""
    bins = data["bins"]
    peak = max((b["documents"] + b["events"] for b in bins), default=0) or 1
    bars = []
    for i, b in enumerate(bins):
        docs_h = CHART_HEIGHT * b["documents"] / peak
        events_h = CHART_HEIGHT * b["events"] / peak
        key = b["key"]
        inside = (
            bool(when)
            and (not when.start or key + "~" >= when.start)
            and (not when.end or key <= when.end + "~")
        )
        bars.append(
            {
                "x": i * 10,
                "key": key,
                "documents": b["documents"],
                "events": b["events"],
                "docs_y": CHART_HEIGHT - docs_h,
                "docs_h": docs_h,
                "events_y": CHART_HEIGHT - docs_h - events_h,
                "events_h": events_h,
                "inside": inside,
            }
        )
    return {**data, "bars": bars, "width": max(10, len(bins) * 10), "height": CHART_HEIGHT}


# --- the JSON API ---------------------------------------------------------------------------------------


@api.get("/documents", summary="Every document with its date, precision and where it came from")
def api_documents(
    conn: Conn,
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
    limit: Annotated[int, Query(ge=0, le=100_000, description="0: no limit")] = 1000,
) -> list[dict[str, Any]]:
    return documents(conn, when=date_range(date_from, date_to), limit=limit or None)


@api.get("/timeline", summary="Events oldest first: the corpus, one entity or two (their connection)")
def api_timeline(
    conn: Conn,
    entity: Annotated[list[Annotated[str, Query(max_length=MAX_NAME_CHARS)]] | None, Query()] = None,
    date_from: Annotated[DateParam, Query(alias="from")] = "",
    date_to: Annotated[DateParam, Query(alias="to")] = "",
    limit: Annotated[int, Query(ge=0, le=100_000, description="0: no limit")] = 1000,
) -> dict[str, Any]:
    names = [e for e in entity or [] if e.strip()]
    if len(names) > 2:
        raise HTTPException(400, "a timeline is of the corpus, one entity or two")
    return timeline(conn, names, when=date_range(date_from, date_to), limit=limit or None)


@api.get("/related", summary="Related stories: a suggestion across languages, never counted")
def api_related(
    conn: Conn, limit: Annotated[int, Query(ge=0, le=10_000, description="0: no limit")] = 50
) -> list[dict[str, Any]]:
    return related_pairs(conn, limit=limit or None)
