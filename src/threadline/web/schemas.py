"""Response models for the JSON API: the shapes of the CLI's ``--json`` output (threadline.query,
documented in docs/cli.md), so OpenAPI describes the public contract.

The query layer is the source of truth: models accept keys they do not declare (``extra="allow"``)
and the routes emit only the keys a query returned (``response_model_exclude_unset``), so the API
never drops or invents a field when a query's shape grows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

STORIES = "extra: the documents counted once per near-duplicate cluster"
SOURCES = "extra: the documents counted once per outlet or author"


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class Evidence(Shape):
    path: str
    page: int | None = Field(None, description="1-based page for paged documents (PDF, scans)")
    sentence: str
    start: int
    end: int
    copies: int = Field(0, description="other places that repeat the sentence (quotes, forwards, copies)")


class LinkCounts(Shape):
    sentences: int
    documents: int
    stories: int = Field(description="distinct near-duplicate clusters among those documents")
    sources: int = Field(description="distinct outlets, authors or senders among those documents")


class EntitySummary(Shape):
    id: str = Field(description="stable key, usable wherever a name is")
    name: str
    type: str
    aliases: list[str]
    mentions: int
    documents: int = Field(description="number of documents naming the entity")
    stories: int | None = Field(None, description=STORIES)
    sources: int | None = Field(None, description=SOURCES)


class Merge(Shape):
    alias: str
    mentions: int
    reason: str = Field(description="why this spelling was merged into the entity")
    probable: int = Field(
        0, description="how many of these mentions were merged on a rule that rests on likelihood"
    )


class EntityDocument(Shape):
    path: str
    title: str | None
    mentions: int


class Connection(Shape):
    id: str
    name: str
    type: str
    sentences: int
    documents: int
    stories: int | None = Field(None, description=STORIES)
    sources: int | None = Field(None, description=SOURCES)
    evidence: list[Evidence]


class EntityDetail(Shape):
    id: str
    name: str
    type: str
    aliases: list[str]
    mentions: int
    documents: list[EntityDocument]
    stories: int | None = Field(None, description=STORIES)
    sources: int | None = Field(None, description=SOURCES)
    watchlist_id: str | None
    merges: list[Merge]
    roles: list[str]
    connections: list[Connection]


class EntityRef(Shape):
    id: str
    name: str


class Path(Shape):
    entities: list[str]
    evidence: list[Evidence] = Field(description="one sentence per hop")


class Links(Shape):
    from_: EntityRef = Field(alias="from")
    to: EntityRef
    counts: LinkCounts
    direct: list[Evidence] = Field(description="every sentence naming both")
    paths: list[Path] = Field(description="paths of up to 3 hops, shortest and best supported first")


class SearchHit(Shape):
    path: str
    title: str | None
    snippet: str = Field(description="matches marked with [ and ]")
    score: float


class FileError(Shape):
    path: str
    reason: str


class StrongConnection(Shape):
    a: EntityRef
    b: EntityRef
    sentences: int
    documents: int
    stories: int | None = Field(None, description=STORIES)
    sources: int | None = Field(None, description=SOURCES)
    evidence: list[Evidence]


class Summary(Shape):
    documents: int
    failed_files: int
    people: int
    organizations: int
    locations: int
    links: int
    top_people: list[EntitySummary]
    strongest_connections: list[StrongConnection]


class AmbiguousError(Shape):
    error: str = "ambiguous"
    query: str
    candidates: list[EntitySummary]


class ErrorDetail(Shape):
    detail: str


class DuplicateCluster(Shape):
    cluster: int
    size: int
    documents: list[str] = Field(description="paths, oldest first")
    similarity: float = Field(description="the weakest confirmed pair's containment in the cluster")


class Source(Shape):
    name: str
    kind: str = Field(description="outlet, sender, author or person_or_outlet")
    documents: list[str] = Field(description="paths of the documents it published or sent")
    cites: list[str] = Field(description="sources named in its documents")
    cited_by: list[str] = Field(description="outlets of the documents that name it")
    cited_in: list[str] = Field(description="paths of the documents that name it")


class DocumentMention(Shape):
    id: int
    start: int
    end: int
    type: str
    role: str | None
    entity: str | None = Field(description="the entity's id, null if unresolved")
    entity_name: str | None


class DocumentWindow(Shape):
    id: int
    path: str
    title: str | None
    length: int = Field(description="characters in the whole stored text")
    start: int = Field(description="offset of the window's first character")
    end: int = Field(description="offset just past its last character")
    text: str = Field(description="the stored text from start to end: at most about 200,000 characters")
    previous_at: int | None = Field(
        description="start of the previous window (pass as at=), null on the first"
    )
    next_at: int | None = Field(description="start of the next window (pass as at=), null on the last")
    windows: list[int] = Field(description="every window's start")
    mentions: list[DocumentMention] = Field(
        description="mentions overlapping the window, offsets into the whole text"
    )
    mention_count: int = Field(description="mentions in the whole document")


class SuggestionSide(Shape):
    id: str
    name: str
    type: str
    mentions: int


class Suggestion(Shape):
    entity: SuggestionSide = Field(description="the side that would move (a lone surname, say)")
    candidate: SuggestionSide = Field(description="the entity it is probably part of")
    reason: str
    mentions: int = Field(description="mentions that accepting it would add to the candidate")


class JudgedEntity(Shape):
    id: str
    name: str


class JudgementRow(Shape):
    target: str = Field(description="a node key, such as person:karim massimov")
    source: str = Field(description="another node key, or type:<type> for a judgement about the type")
    judgement: str = Field(description="positive (one entity, or of that type) or negative")
    score: float | None
    user: str
    created_at: str
    note: str | None
    target_entity: JudgedEntity | None = Field(description="the entity the target node belongs to now")
    source_entity: JudgedEntity | None = Field(description="the entity the source node belongs to now")
