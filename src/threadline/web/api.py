"""JSON API under /api: the query layer's results, in the same shapes as the CLI's ``--json``."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from threadline import query
from threadline.query import duplicates as stories
from threadline.web.deps import Conn
from threadline.web.schemas import (
    AmbiguousError,
    DuplicateCluster,
    EntityDetail,
    EntitySummary,
    ErrorDetail,
    FileError,
    Links,
    SearchHit,
    Source,
    Summary,
)

EntityType = Literal["person", "organization", "location"]
LOOKUP_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorDetail, "description": "no entity matches"},
    409: {"model": AmbiguousError, "description": "several entities match: pick one of the candidates' ids"},
}

router = APIRouter(prefix="/api", tags=["api"])
# Emit exactly the keys the query returned: see threadline.web.schemas.
get = partial(router.get, response_model_exclude_unset=True)


@get("/entities", response_model=list[EntitySummary], summary="Entities, most mentioned first")
def entities(
    conn: Conn,
    type: EntityType | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> list[dict[str, Any]]:
    return query.entities(conn, type=type, limit=limit)


@get(
    "/entities/{name_or_id:path}",
    response_model=EntityDetail,
    responses=LOOKUP_ERRORS,
    summary="One entity: aliases and why merged, documents, connections with evidence",
)
def show(conn: Conn, name_or_id: str) -> dict[str, Any]:
    return query.show(conn, name_or_id)


@get(
    "/links",
    response_model=Links,
    responses=LOOKUP_ERRORS,
    summary="How A is connected to B: direct evidence and paths of up to 3 hops",
)
def links(conn: Conn, a: str, b: str) -> dict[str, Any]:
    return query.links(conn, a, b)


@get("/search", response_model=list[SearchHit], summary="Full-text search, best first")
def search(
    conn: Conn,
    q: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    return query.search(conn, q, limit=limit, offset=offset)


@get("/errors", response_model=list[FileError], summary="Files that could not be read, with the reason")
def errors(conn: Conn) -> list[dict[str, Any]]:
    return query.errors(conn)


@get("/summary", response_model=Summary, summary="Corpus figures, top people, strongest connections")
def summary(conn: Conn) -> dict[str, Any]:
    return query.summary(conn)


@get("/duplicates", response_model=list[DuplicateCluster], summary="Near-duplicate clusters, largest first")
def duplicates(conn: Conn, limit: Annotated[int | None, Query(ge=1)] = None) -> list[dict[str, Any]]:
    return stories.duplicates(conn, limit=limit)


@get("/sources", response_model=list[Source], summary="Outlets, authors and senders, and whom they cite")
def sources(conn: Conn) -> list[dict[str, Any]]:
    return stories.sources(conn)
