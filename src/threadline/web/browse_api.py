"""JSON for browsing: names as you type, every connection of an entity, a link's evidence a page at a
time, and the graph the /graph page draws. Under /api, next to web.api."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from threadline import query
from threadline.query import browse
from threadline.web.deps import MAX_COUNT, MAX_NAME_CHARS, MAX_OFFSET, Conn

router = APIRouter(prefix="/api", tags=["api"])
NameParam = Annotated[str, Query(max_length=MAX_NAME_CHARS)]
Type = Literal["person", "organization", "location"]


@router.get("/names", summary="Entities whose name or a spelling starts with (or contains) q, for typing")
def names(
    conn: Conn, q: Annotated[str, Query(max_length=200)] = "", limit: Annotated[int, Query(ge=0, le=50)] = 10
) -> list[dict[str, Any]]:
    return browse.name_suggestions(conn, q, limit=limit) if limit else []


@router.get(
    "/connections",
    summary="Every entity linked to one, best supported first, a page at a time (no cap of 25 as in /api/entities/ID)",
)
def connections(
    conn: Conn,
    entity: NameParam,
    type: Type | None = None,
    limit: Annotated[int, Query(ge=0, le=1_000, description="0: no limit")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    row = query.find_entity(conn, entity)
    found = browse.connections(conn, row["id"], type=type, limit=limit or -1, offset=offset)
    return {"entity": {"id": row["key"], "name": row["name"], "type": row["type"]}, **found}


@router.get("/connection", summary="The sentences naming both A and B, a page at a time, with their counts")
def connection(
    conn: Conn,
    a: NameParam,
    b: NameParam,
    limit: Annotated[int, Query(ge=0, le=1_000, description="0: no limit")] = 5,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    from threadline.query.web_queries import link_support

    ea, eb = query.find_entity(conn, a), query.find_entity(conn, b)
    sentences, documents = link_support(conn, ea["id"], eb["id"])
    independent = query.link_independent_counts(conn, ea["id"], eb["id"])
    return {
        "a": {"id": ea["key"], "name": ea["name"], "type": ea["type"]},
        "b": {"id": eb["key"], "name": eb["name"], "type": eb["type"]},
        "sentences": sentences,
        "documents": documents,
        "stories": independent["stories"],
        "sources": independent["sources"],
        "evidence": browse.link_evidence(conn, ea["id"], eb["id"], limit=limit or -1, offset=offset),
    }


@router.get("/graph", summary="Nodes (with positions) and edges: corpus-wide or around one entity")
def graph(
    conn: Conn,
    entity: NameParam = "",
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    type: Annotated[list[Type] | None, Query()] = None,
    min_sentences: Annotated[int, Query(alias="min", ge=1, le=MAX_COUNT)] = 1,
    since: Annotated[str, Query(alias="from", pattern=r"^(\d{4}-\d{2}-\d{2})?$", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", pattern=r"^(\d{4}-\d{2}-\d{2})?$", max_length=10)] = "",
    limit: Annotated[int, Query(ge=2, le=500)] = 150,
) -> dict[str, Any]:
    center = int(query.find_entity(conn, entity)["id"]) if entity.strip() else None
    return browse.graph(
        conn,
        center=center,
        hops=hops,
        types=type or (),
        min_sentences=min_sentences,
        since=since or None,
        until=until or None,
        cap=limit,
    )
