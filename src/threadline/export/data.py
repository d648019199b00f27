"""What an export holds, read in bulk from a database: the selected entities and links with their
counts, dates and strongest evidence, and the documents, mentions, aliases and evidence sentences
behind them.

Every count agrees with the query layer (``entities --json``, ``show --json``): entity mentions and
documents are the stored columns; stories and sources follow ``query.duplicates.independent_counts``
(a document outside every near-duplicate cluster is a story of its own, a document without a known
outlet a source of its own). Reads only; a few full-table passes instead of one query per entity or
link, so exporting a corpus of 200,000 links costs seconds.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from threadline.query.queries import find_entity
from threadline.query.web_queries import text_slices

ENTITY_TYPES = ("person", "organization", "location")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which findings to export. ``types``: only entities of these types (all when empty);
    ``min_sentences``: only links with at least this many sentences; ``entity`` and ``hops``: only the
    entity (an id, name or alias, looked up like ``show``) and what lies within ``hops`` links of it."""

    types: tuple[str, ...] = ()
    min_sentences: int = 1
    entity: str | None = None
    hops: int = 1

    @property
    def whole(self) -> bool:
        """True when every entity is exported (links may still be filtered by sentences)."""
        return not self.types and self.entity is None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sentence naming both ends of a link; offsets into the document's stored text."""

    document_id: int
    path: str
    page: int | None
    start: int
    end: int
    sentence: str


@dataclass(slots=True)
class Entity:
    id: int  # row id (internal); ``key`` is the public id
    key: str
    name: str
    type: str
    mentions: int
    documents: int
    watchlist_id: str | None
    stories: int = 0
    sources: int = 0
    aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Link:
    a: int
    b: int
    sentences: int
    documents: int
    stories: int = 0
    sources: int = 0
    first_date: str | None = None
    last_date: str | None = None
    document_ids: list[int] = field(default_factory=list)
    evidence: Evidence | None = None


@dataclass(slots=True)
class Document:
    id: int
    path: str
    title: str | None
    date: str | None
    source: str | None  # the outlet, author or sender (sources table), else the reader's source field
    url: str | None
    format: str
    words: int
    parent_path: str | None
    sha256: str
    story: int | None  # near-duplicate cluster id


@dataclass(frozen=True, slots=True)
class Mention:
    id: int
    entity_id: int
    document_id: int
    page: int | None
    start: int
    end: int
    surface: str
    name: str
    type: str
    kind: str
    role: str | None
    counted: bool  # False for a mention in a copied sentence whose original names the entity too


@dataclass(slots=True)
class Findings:
    """The selected entities (row id -> Entity, most mentioned first) and links among them."""

    selection: Selection
    entities: dict[int, Entity]
    links: list[Link]
    _documents: dict[int, Document] = field(default_factory=dict)

    def key(self, entity_id: int) -> str:
        return self.entities[entity_id].key


def _day(date: str | None) -> str | None:
    return date[:10] if date else None


def _independent(
    doc_ids: Iterable[int], clusters: dict[int, int], outlets: dict[int, int]
) -> tuple[int, int]:
    """(stories, sources) among documents, as query.duplicates.independent_counts counts them."""
    ids = set(doc_ids)
    stories = {("c", clusters[i]) if i in clusters else ("d", i) for i in ids}
    sources = {("s", outlets[i]) if i in outlets else ("d", i) for i in ids}
    return len(stories), len(sources)


def _selected_ids(conn: sqlite3.Connection, selection: Selection) -> set[int] | None:
    """Entity row ids the selection keeps, or None for all of them."""
    if selection.whole:
        return None
    types = set(selection.types or ENTITY_TYPES)
    kept = {r[0] for r in conn.execute("SELECT id, type FROM entities") if r[1] in types}
    if selection.entity is None:
        return kept
    center = int(find_entity(conn, selection.entity)["id"])
    reached = {center}
    frontier = {center}
    for _ in range(max(selection.hops, 0)):
        following: set[int] = set()
        for eid in frontier:
            for other, sentences in conn.execute(
                "SELECT b, sentences FROM links WHERE a = ? UNION ALL SELECT a, sentences FROM links WHERE b = ?",
                (eid, eid),
            ):
                if sentences >= selection.min_sentences and other in kept and other not in reached:
                    following.add(other)
        reached |= following
        frontier = following
    return reached


def select(conn: sqlite3.Connection, selection: Selection) -> Findings:
    """The entities and links a selection keeps, with counts, dates and each link's strongest
    evidence. Raises query.NotFound or query.Ambiguous for an entity that names no or several."""
    wanted = _selected_ids(conn, selection)
    clusters = dict(conn.execute("SELECT document_id, cluster_id FROM duplicate_members").fetchall())
    outlets = dict(conn.execute("SELECT document_id, source_id FROM document_sources").fetchall())
    entities: dict[int, Entity] = {}
    for r in conn.execute(
        "SELECT id, key, name, type, mentions, documents, watchlist_id FROM entities"
        " ORDER BY mentions DESC, documents DESC, name"
    ):
        if wanted is None or r[0] in wanted:
            entities[r[0]] = Entity(*r)
    entity_docs: dict[int, set[int]] = defaultdict(set)
    for eid, doc_id in conn.execute(
        "SELECT DISTINCT entity_id, document_id FROM mentions WHERE entity_id IS NOT NULL"
    ):
        if eid in entities:
            entity_docs[eid].add(doc_id)
    for eid, entity in entities.items():
        entity.stories, entity.sources = _independent(entity_docs.get(eid, ()), clusters, outlets)
    for eid, alias in conn.execute(
        "SELECT entity_id, alias FROM entity_aliases ORDER BY mentions DESC, alias"
    ):
        if eid in entities:
            entities[eid].aliases.append(alias)
    links = [
        Link(a, b, sentences, documents)
        for a, b, sentences, documents in conn.execute("SELECT a, b, sentences, documents FROM links")
        if a in entities and b in entities and sentences >= selection.min_sentences
    ]
    _link_details(conn, links, clusters, outlets)
    rank = {eid: i for i, eid in enumerate(entities)}
    links.sort(key=lambda link: (-link.sentences, -link.documents, rank[link.a], rank[link.b]))
    return Findings(selection, entities, links)


def _link_details(
    conn: sqlite3.Connection, links: list[Link], clusters: dict[int, int], outlets: dict[int, int]
) -> None:
    """Fill each link's stories, sources, first and last date and strongest evidence sentence: the one
    naming the fewest other entities (the most specific), then the oldest dated, then by path and offset."""
    if not links:
        return
    by_pair = {(link.a, link.b): link for link in links}
    dates: dict[int, str | None] = {}
    paths: dict[int, str] = {}
    for doc_id, date, path in conn.execute("SELECT id, date, path FROM documents"):
        dates[doc_id], paths[doc_id] = date, path
    names_in: dict[int, int] = dict(
        conn.execute(
            "SELECT sentence_id, COUNT(DISTINCT entity_id) FROM mentions WHERE entity_id IS NOT NULL GROUP BY sentence_id"
        ).fetchall()
    )
    docs: dict[tuple[int, int], set[int]] = defaultdict(set)
    best: dict[tuple[int, int], tuple[tuple[int, bool, str, str, int], tuple[int, int, int, int | None]]] = {}
    for a, b, sid, doc_id, start, end, page in conn.execute(
        "SELECT ls.a, ls.b, s.id, s.document_id, s.start, s.end, s.page FROM link_sentences ls"
        " JOIN sentences s ON s.id = ls.sentence_id"
    ):
        pair = (a, b)
        if pair not in by_pair:
            continue
        docs[pair].add(doc_id)
        date = dates.get(doc_id)
        rank = (names_in.get(sid, 2), date is None, date or "", paths.get(doc_id, ""), start)
        if pair not in best or rank < best[pair][0]:
            best[pair] = (rank, (doc_id, start, end, page))
    wanted: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for _, (doc_id, start, end, _page) in best.values():
        wanted[doc_id].append((start, end))
    text = text_slices(conn, wanted)
    for pair, link in by_pair.items():
        ids = docs.get(pair, set())
        link.document_ids = sorted(ids)
        link.stories, link.sources = _independent(ids, clusters, outlets)
        days = sorted(d for d in (_day(dates.get(i)) for i in ids) if d)
        link.first_date, link.last_date = (days[0], days[-1]) if days else (None, None)
        if pair in best:
            doc_id, start, end, page = best[pair][1]
            sentence = text[(doc_id, start, end)]
            link.evidence = Evidence(doc_id, paths[doc_id], page, start, end, sentence)


def documents(conn: sqlite3.Connection, findings: Findings) -> list[Document]:
    """The documents of an export, oldest dated first: every stored document for a whole-corpus
    export, else those naming an exported entity."""
    if findings._documents:
        return list(findings._documents.values())
    keep: set[int] | None = None
    if not findings.selection.whole:
        keep = set()
        for eid, doc_id in conn.execute(
            "SELECT DISTINCT entity_id, document_id FROM mentions WHERE entity_id IS NOT NULL"
        ):
            if eid in findings.entities:
                keep.add(doc_id)
    rows = conn.execute(
        "SELECT d.id, d.path, d.title, d.date, COALESCE(s.name, d.source), d.url, d.format, d.words,"
        " d.parent_path, d.sha256, dm.cluster_id FROM documents d"
        " LEFT JOIN document_sources ds ON ds.document_id = d.id LEFT JOIN sources s ON s.id = ds.source_id"
        " LEFT JOIN duplicate_members dm ON dm.document_id = d.id ORDER BY d.date IS NULL, d.date, d.path"
    )
    found = {r[0]: Document(*r) for r in rows if keep is None or r[0] in keep}
    findings._documents = found
    return list(found.values())


def document_texts(conn: sqlite3.Connection, ids: Iterable[int]) -> Iterator[tuple[int, str]]:
    """(document id, stored text), one document in memory at a time."""
    for doc_id in ids:
        row = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is not None:
            yield doc_id, row[0]


def mentions(conn: sqlite3.Connection, findings: Findings) -> Iterator[Mention]:
    """Every mention of an exported entity, by document and offset. ``counted`` is False for a
    mention in a copied sentence whose original names the same entity: an entity's ``mentions``
    count is the number of its counted mentions."""
    rows = conn.execute(
        "SELECT m.id, m.entity_id, m.document_id, s.page, m.start, m.end, m.surface, m.name, m.type, m.kind,"
        " m.role, NOT (s.copy_of IS NOT NULL AND EXISTS (SELECT 1 FROM mentions o"
        "   WHERE o.sentence_id = s.copy_of AND o.entity_id = m.entity_id))"
        " FROM mentions m JOIN sentences s ON s.id = m.sentence_id WHERE m.entity_id IS NOT NULL"
        " ORDER BY m.document_id, m.start, m.id"
    )
    for r in rows:
        if r[1] in findings.entities:
            yield Mention(
                id=r[0], entity_id=r[1], document_id=r[2], page=r[3], start=r[4], end=r[5], surface=r[6],
                name=r[7], type=r[8], kind=r[9], role=r[10], counted=bool(r[11]),
            )  # fmt: skip


def aliases(conn: sqlite3.Connection, findings: Findings) -> Iterator[tuple[int, str, int, int, str]]:
    """(entity id, alias, mentions, probable mentions, merge reason) of each exported entity."""
    for row in conn.execute(
        "SELECT entity_id, alias, mentions, probable, reason FROM entity_aliases ORDER BY entity_id, mentions DESC, alias"
    ):
        if row[0] in findings.entities:
            yield row[0], row[1], row[2], row[3], row[4]


def evidence(conn: sqlite3.Connection, findings: Findings) -> Iterator[tuple[Link, Evidence, int]]:
    """Every sentence behind every exported link, with how many other places copy it; in evidence
    order per link (dated documents oldest first, then path and offset). Reads one document's text at
    a time."""
    by_pair = {(link.a, link.b): link for link in findings.links}
    if not by_pair:
        return
    per_document: dict[int, list[tuple[int, int, int, int, int | None, int]]] = defaultdict(list)
    for a, b, doc_id, start, end, page, copies in conn.execute(
        "SELECT ls.a, ls.b, s.document_id, s.start, s.end, s.page,"
        " (SELECT COUNT(*) FROM sentences c WHERE c.copy_of = s.id)"
        " FROM link_sentences ls JOIN sentences s ON s.id = ls.sentence_id"
    ):
        if (a, b) in by_pair:
            per_document[doc_id].append((a, b, start, end, page, copies))
    order = {
        r[0]: i
        for i, r in enumerate(conn.execute("SELECT id FROM documents ORDER BY date IS NULL, date, path"))
    }
    found: list[tuple[int, int, int, Evidence, int]] = []  # (link rank, doc rank, start, evidence, copies)
    rank = {pair: i for i, pair in enumerate(by_pair)}
    paths = dict(conn.execute("SELECT id, path FROM documents").fetchall())
    for doc_id, text in document_texts(conn, sorted(per_document, key=lambda d: order.get(d, 0))):
        for a, b, start, end, page, copies in per_document[doc_id]:
            ev = Evidence(doc_id, paths[doc_id], page, start, end, text[start:end])
            found.append((rank[(a, b)], order.get(doc_id, 0), start, ev, copies))
    found.sort(key=lambda f: f[:3])
    links = list(by_pair.values())
    for link_rank, _, _, ev, copies in found:
        yield links[link_rank], ev, copies
