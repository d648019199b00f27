"""Response models for the JSON API: the same shapes, field for field and in the same order, as the
CLI's ``--json`` output (threadline.query), so OpenAPI documents the public contract."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Evidence(BaseModel):
    path: str
    sentence: str
    start: int
    end: int


class EntitySummary(BaseModel):
    id: str = Field(description="stable key, usable wherever a name is")
    name: str
    type: str
    aliases: list[str]
    mentions: int
    documents: int = Field(description="number of documents naming the entity")


class Merge(BaseModel):
    alias: str
    mentions: int
    reason: str = Field(description="why this spelling was merged into the entity")


class EntityDocument(BaseModel):
    path: str
    title: str | None
    mentions: int


class Connection(BaseModel):
    id: str
    name: str
    type: str
    sentences: int
    documents: int
    evidence: list[Evidence]


class EntityDetail(BaseModel):
    id: str
    name: str
    type: str
    aliases: list[str]
    mentions: int
    documents: list[EntityDocument]
    watchlist_id: str | None
    merges: list[Merge]
    roles: list[str]
    connections: list[Connection]


class EntityRef(BaseModel):
    id: str
    name: str


class Path(BaseModel):
    entities: list[str]
    evidence: list[Evidence] = Field(description="one sentence per hop")


class Links(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: EntityRef = Field(alias="from")
    to: EntityRef
    direct: list[Evidence] = Field(description="every sentence naming both")
    paths: list[Path] = Field(description="paths of up to 3 hops, shortest and best supported first")


class SearchHit(BaseModel):
    path: str
    title: str | None
    snippet: str = Field(description="matches marked with [ and ]")
    score: float


class FileError(BaseModel):
    path: str
    reason: str


class StrongConnection(BaseModel):
    a: EntityRef
    b: EntityRef
    sentences: int
    documents: int
    evidence: list[Evidence]


class Summary(BaseModel):
    documents: int
    failed_files: int
    people: int
    organizations: int
    locations: int
    links: int
    top_people: list[EntitySummary]
    strongest_connections: list[StrongConnection]


class AmbiguousError(BaseModel):
    error: str = "ambiguous"
    query: str
    candidates: list[EntitySummary]


class ErrorDetail(BaseModel):
    detail: str
