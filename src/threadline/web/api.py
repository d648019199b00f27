"""JSON API under /api: the query layer's results, in the same shapes as the CLI's ``--json``."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from threadline import query
from threadline.query import duplicates as stories
from threadline.query import web_queries
from threadline.query.curation import suggestions as probable_pairs
from threadline.web.deps import MAX_COUNT, MAX_ID, MAX_NAME_CHARS, MAX_OFFSET, Conn
from threadline.web.schemas import (
    AmbiguousError,
    DocumentWindow,
    DuplicateCluster,
    EntityDetail,
    EntitySummary,
    ErrorDetail,
    FileError,
    JudgementRow,
    Links,
    SearchHit,
    Source,
    Suggestion,
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
NameParam = Annotated[str, Query(max_length=MAX_NAME_CHARS)]


@get("/entities", response_model=list[EntitySummary], summary="Entities, most mentioned first")
def entities(
    conn: Conn,
    type: EntityType | None = None,
    limit: Annotated[int, Query(ge=0, le=10_000, description="0: no limit, as in the CLI")] = 50,
) -> list[dict[str, Any]]:
    return query.entities(conn, type=type, limit=limit)


@get(
    "/entities/{name_or_id:path}",
    response_model=EntityDetail,
    responses=LOOKUP_ERRORS,
    summary="One entity: aliases and why merged, documents, connections with evidence",
)
def show(conn: Conn, name_or_id: Annotated[str, Path(max_length=MAX_NAME_CHARS)]) -> dict[str, Any]:
    return query.show(conn, name_or_id)


@get(
    "/links",
    response_model=Links,
    responses=LOOKUP_ERRORS,
    summary="How A is connected to B: direct evidence and paths of up to 3 hops",
)
def links(conn: Conn, a: NameParam, b: NameParam) -> dict[str, Any]:
    return query.links(conn, a, b)


@get(
    "/search",
    response_model=list[SearchHit],
    responses={400: {"model": ErrorDetail, "description": "query too long (characters or words)"}},
    summary="Full-text search, best first",
)
def search(
    conn: Conn,
    q: str,
    limit: Annotated[int, Query(ge=0, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    return query.search(conn, q, limit=limit, offset=offset)


@get("/errors", response_model=list[FileError], summary="Files that could not be read, with the reason")
def errors(conn: Conn) -> list[dict[str, Any]]:
    return query.errors(conn)


@get("/summary", response_model=Summary, summary="Corpus figures, top people, strongest connections")
def summary(conn: Conn) -> dict[str, Any]:
    return query.summary(conn)


@get("/duplicates", response_model=list[DuplicateCluster], summary="Near-duplicate clusters, largest first")
def duplicates(
    conn: Conn, limit: Annotated[int | None, Query(ge=0, le=MAX_COUNT, description="0: no limit")] = None
) -> list[dict[str, Any]]:
    return stories.duplicates(conn, limit=limit)


@get("/sources", response_model=list[Source], summary="Outlets, authors and senders, and whom they cite")
def sources(conn: Conn) -> list[dict[str, Any]]:
    return stories.sources(conn)


@get(
    "/documents/{doc_id}",
    response_model=DocumentWindow,
    responses={404: {"model": ErrorDetail, "description": "no document with this id"}},
    summary="One document: metadata and one window of its text, with the mentions in it",
)
def document(
    conn: Conn,
    doc_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    at: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="a character offset the window holds")] = 0,
) -> dict[str, Any]:
    return web_queries.document(conn, doc_id, at=at)


@get(
    "/suggestions",
    response_model=list[Suggestion],
    summary="Probable merges left to a person, most mentions moved first",
)
def suggestions(
    conn: Conn, limit: Annotated[int, Query(ge=0, le=MAX_COUNT, description="0: no limit")] = 50
) -> list[dict[str, Any]]:
    return probable_pairs(conn, limit=limit or None)


@get(
    "/judgements",
    response_model=list[JudgementRow],
    summary="People's judgements, oldest first, with the entities their nodes belong to now",
)
def judgements(conn: Conn) -> list[dict[str, Any]]:
    from threadline.curation import judgements as stored  # pulls in the pipeline: only when asked

    return stored(conn)
