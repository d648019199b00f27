"""Read-side queries. Each returns plain JSON-ready data: the shapes documented in docs/cli.md."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from threadline.names.keys import name_key
from threadline.query.dateranges import ANY_TIME, DateRange
from threadline.query.duplicates import independent_counts

JSON = dict[str, Any]
EVIDENCE_PER_CONNECTION = 3
# Forms of address say nothing about what a person does; roles lists offices and titles.
HONORIFICS = ("mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lady", "lord")


class NotFound(LookupError):
    pass


class Ambiguous(LookupError):
    def __init__(self, query: str, candidates: list[JSON]) -> None:
        super().__init__(f"{query!r} fits {len(candidates)} entities")
        self.query = query
        self.candidates = candidates


def _aliases(conn: sqlite3.Connection, entity_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY mentions DESC, alias", (entity_id,)
    )
    return [r[0] for r in rows]


def entity_independent_counts(conn: sqlite3.Connection, entity_id: int) -> JSON:
    """Documents, stories and sources among the documents naming an entity (by row id)."""
    doc_ids = [
        r[0]
        for r in conn.execute("SELECT DISTINCT document_id FROM mentions WHERE entity_id = ?", (entity_id,))
    ]
    return independent_counts(conn, doc_ids)


def _entity_summary(conn: sqlite3.Connection, row: sqlite3.Row) -> JSON:
    independent = entity_independent_counts(conn, row["id"])
    return {
        "id": row["key"],
        "name": row["name"],
        "type": row["type"],
        "aliases": _aliases(conn, row["id"]),
        "mentions": row["mentions"],
        "documents": row["documents"],
        # Side by side with documents: near-duplicate clusters count once, and so does each outlet.
        "stories": independent["stories"],
        "sources": independent["sources"],
    }


def entities(
    conn: sqlite3.Connection, *, type: str | None = None, limit: int | None = 50, when: DateRange = ANY_TIME
) -> list[JSON]:
    """Entities, most mentioned first. With a date range, counted over the documents dated in it."""
    if when:
        return _entities_in_range(conn, type, limit, when)
    sql = "SELECT * FROM entities"
    args: list[Any] = []
    if type:
        sql += " WHERE type = ?"
        args.append(type)
    sql += " ORDER BY mentions DESC, documents DESC, name"
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    return [_entity_summary(conn, r) for r in conn.execute(sql, args)]


def _entities_in_range(
    conn: sqlite3.Connection, type: str | None, limit: int | None, when: DateRange
) -> list[JSON]:
    """``entities`` over the documents dated in ``when``: mentions (a copied sentence counts only
    when its original does not name the entity, as everywhere), documents, stories and sources."""
    where, args = when.sql("d.date")
    if type:
        where += " AND e.type = ?"
        args.append(type)
    sql = (
        "SELECT e.*, COUNT(DISTINCT m.document_id) AS in_documents, SUM(CASE WHEN s.copy_of IS NOT NULL AND EXISTS ("
        "  SELECT 1 FROM mentions o WHERE o.sentence_id = s.copy_of AND o.entity_id = m.entity_id) THEN 0 ELSE 1 END)"
        " AS in_mentions FROM mentions m JOIN documents d ON d.id = m.document_id"
        " JOIN sentences s ON s.id = m.sentence_id JOIN entities e ON e.id = m.entity_id"
        f" WHERE {where} GROUP BY e.id ORDER BY in_mentions DESC, in_documents DESC, e.name"
    )
    if limit:
        sql += " LIMIT ?"
        args.append(str(limit))
    found = []
    range_sql, range_args = when.sql("d.date")
    for row in conn.execute(sql, args).fetchall():
        doc_ids = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT m.document_id FROM mentions m JOIN documents d ON d.id = m.document_id"
                f" WHERE m.entity_id = ? AND {range_sql}",
                [row["id"], *range_args],
            )
        ]
        independent = independent_counts(conn, doc_ids)
        found.append(
            {
                "id": row["key"],
                "name": row["name"],
                "type": row["type"],
                "aliases": _aliases(conn, row["id"]),
                "mentions": row["in_mentions"],
                "documents": row["in_documents"],
                "stories": independent["stories"],
                "sources": independent["sources"],
            }
        )
    return found


def find_entity(conn: sqlite3.Connection, query: str) -> sqlite3.Row:
    """The one entity a user means by an id, name or alias; raises NotFound or Ambiguous."""
    row = conn.execute("SELECT * FROM entities WHERE key = ?", (query,)).fetchone()
    if row:
        return row  # type: ignore[no-any-return]
    # An id kept by a link or a note survives merges and re-ingests: it redirects to its successor.
    row = conn.execute(
        "SELECT e.* FROM entity_redirects r JOIN entities e ON e.key = r.new_key WHERE r.old_key = ?",
        (query,),
    ).fetchone()
    if row:
        return row  # type: ignore[no-any-return]
    rows = conn.execute("SELECT * FROM entities WHERE name = ? COLLATE NOCASE", (query,)).fetchall()
    if not rows:
        rows = conn.execute(
            "SELECT DISTINCT e.* FROM entities e JOIN entity_aliases a ON a.entity_id = e.id"
            " WHERE a.alias = ? COLLATE NOCASE",
            (query,),
        ).fetchall()
    if not rows:
        key = name_key(query)
        like = "%" + "%".join(key.split()) + "%" if key else query
        candidates = conn.execute(
            "SELECT DISTINCT e.* FROM entities e JOIN entity_aliases a ON a.entity_id = e.id"
            " WHERE a.alias LIKE ? OR e.name LIKE ? ORDER BY e.mentions DESC LIMIT 50",
            (like, like),
        ).fetchall()
        rows = [r for r in candidates if name_key(r["name"]) == key] or candidates
    if not rows:
        raise NotFound(f"no entity matches {query!r}")
    if len(rows) > 1:
        rows = sorted(rows, key=lambda r: -r["mentions"])
        raise Ambiguous(query, [_entity_summary(conn, r) for r in rows[:20]])
    return rows[0]  # type: ignore[no-any-return]


def evidence_rows(
    conn: sqlite3.Connection, a: int, b: int, limit: int | None, when: DateRange = ANY_TIME
) -> list[JSON]:
    lo, hi = min(a, b), max(a, b)
    # Order and cut first, then slice only the kept sentences: substr() reads its whole document, and
    # a well-supported pair has thousands of sentences.
    order = "ORDER BY d.date IS NULL, d.date, d.path, s.start"
    dated, dated_args = when.sql("d.date")
    sql = (
        "SELECT d.path, d.title, s.start, s.end, s.page, substr(d.text, s.start + 1, s.end - s.start) AS sentence,"
        f" {COPIES} FROM ("
        "  SELECT ls.sentence_id FROM link_sentences ls JOIN sentences s ON s.id = ls.sentence_id"
        f"  JOIN documents d ON d.id = s.document_id WHERE ls.a = ? AND ls.b = ? AND {dated} {order} LIMIT ?"
        f") kept JOIN sentences s ON s.id = kept.sentence_id JOIN documents d ON d.id = s.document_id {order}"
    )
    args: list[Any] = [lo, hi, *dated_args, limit or -1]  # a negative LIMIT is no limit
    return [evidence_object(r) for r in conn.execute(sql, args)]


# How many other places repeat sentence ``s`` word for word ("also in N copies"); a column for
# queries over few sentences (it is one indexed lookup per row).
COPIES = "(SELECT COUNT(*) FROM sentences c WHERE c.copy_of = s.id) AS copies"


def evidence_object(row: Mapping[str, Any]) -> JSON:
    """The evidence shape of the JSON contract, from a row with path, sentence, start, end, page
    and copies (how many other places repeat the sentence: quoted replies, forwards, copies)."""
    return {
        "path": row["path"],
        "page": row["page"],
        "sentence": row["sentence"],
        "start": row["start"],
        "end": row["end"],
        "copies": row["copies"],
    }


def show(conn: sqlite3.Connection, query: str, *, connections: int = 25) -> JSON:
    """One entity: aliases with merge reasons, documents, and connections with evidence."""
    row = find_entity(conn, query)
    eid = row["id"]
    result = _entity_summary(conn, row)
    result["watchlist_id"] = row["watchlist_id"]
    result["merges"] = [
        {"alias": r["alias"], "mentions": r["mentions"], "reason": r["reason"], "probable": r["probable"]}
        for r in conn.execute(
            "SELECT alias, mentions, reason, probable FROM entity_aliases WHERE entity_id = ?"
            " ORDER BY mentions DESC, alias",
            (eid,),
        )
    ]
    result["roles"] = [
        r[0]
        for r in conn.execute(
            "SELECT role FROM mentions WHERE entity_id = ? AND role IS NOT NULL"
            f" AND lower(rtrim(role, '.')) NOT IN ({','.join('?' * len(HONORIFICS))})"
            " GROUP BY lower(role) ORDER BY COUNT(*) DESC LIMIT 10",
            (eid, *HONORIFICS),
        )
    ]
    result["documents"] = [
        {"path": r["path"], "title": r["title"], "mentions": r["n"]}
        for r in conn.execute(
            "SELECT d.path, d.title, COUNT(*) AS n FROM mentions m JOIN documents d ON d.id = m.document_id"
            " WHERE m.entity_id = ? GROUP BY d.id ORDER BY n DESC, d.path",
            (eid,),
        )
    ]
    rows = conn.execute(
        "SELECT e.*, l.sentences AS ls, l.documents AS ld FROM ("
        "  SELECT b AS other, sentences, documents FROM links WHERE a = ?"
        "  UNION ALL SELECT a AS other, sentences, documents FROM links WHERE b = ?"
        ") l JOIN entities e ON e.id = l.other ORDER BY l.sentences DESC, l.documents DESC, e.name LIMIT ?",
        (eid, eid, connections),
    ).fetchall()
    result["connections"] = []
    for r in rows:
        independent = link_independent_counts(conn, eid, r["id"])
        result["connections"].append(
            {
                "id": r["key"],
                "name": r["name"],
                "type": r["type"],
                "sentences": r["ls"],
                "documents": r["ld"],
                "stories": independent["stories"],
                "sources": independent["sources"],
                "evidence": evidence_rows(conn, eid, r["id"], EVIDENCE_PER_CONNECTION),
            }
        )
    return result


def link_independent_counts(conn: sqlite3.Connection, a: int, b: int, when: DateRange = ANY_TIME) -> JSON:
    """Documents, stories and sources among the documents supporting the link between two entity ids
    (those dated in ``when`` when given)."""
    lo, hi = min(a, b), max(a, b)
    dated, dated_args = when.sql("d.date")
    doc_ids = [
        d[0]
        for d in conn.execute(
            "SELECT DISTINCT s.document_id FROM link_sentences ls JOIN sentences s ON s.id = ls.sentence_id"
            f" JOIN documents d ON d.id = s.document_id WHERE ls.a = ? AND ls.b = ? AND {dated}",
            (lo, hi, *dated_args),
        )
    ]
    return independent_counts(conn, doc_ids)


def _neighbours(conn: sqlite3.Connection, eid: int, when: DateRange = ANY_TIME) -> dict[int, int]:
    """Linked entity id -> supporting sentences (in documents dated in ``when`` when given)."""
    if when:
        dated, dated_args = when.sql("d.date")
        rows = conn.execute(
            "SELECT other, COUNT(*) FROM ("
            "  SELECT ls.b AS other, ls.sentence_id FROM link_sentences ls WHERE ls.a = ?"
            "  UNION ALL SELECT ls.a, ls.sentence_id FROM link_sentences ls WHERE ls.b = ?"
            ") l JOIN sentences s ON s.id = l.sentence_id JOIN documents d ON d.id = s.document_id"
            f" WHERE {dated} GROUP BY other",
            (eid, eid, *dated_args),
        )
        return {r[0]: r[1] for r in rows}
    rows = conn.execute(
        "SELECT b, sentences FROM links WHERE a = ? UNION ALL SELECT a, sentences FROM links WHERE b = ?",
        (eid, eid),
    )
    return {r[0]: r[1] for r in rows}


def links(
    conn: sqlite3.Connection, a: str, b: str, *, max_paths: int = 10, when: DateRange = ANY_TIME
) -> JSON:
    """Direct evidence between A and B, and paths of up to 3 hops, shortest and best supported first.
    With a date range, only sentences of documents dated in it count."""
    ea, eb = find_entity(conn, a), find_entity(conn, b)
    ia, ib = ea["id"], eb["id"]
    direct = evidence_rows(conn, ia, ib, None, when) if ia != ib else []
    na, nb = _neighbours(conn, ia, when), _neighbours(conn, ib, when)
    candidates: list[tuple[int, int, int, list[int]]] = []  # (hops, -weakest, -total, ids)
    for mid in set(na) & set(nb) - {ia, ib}:
        w = [na[mid], nb[mid]]
        candidates.append((2, -min(w), -sum(w), [ia, mid, ib]))
    if len(candidates) < max_paths:
        for x, wx in na.items():
            if x == ib:
                continue
            nx = _neighbours(conn, x, when)
            for y, wy in nx.items():
                if y in (ia, ib) or y not in nb:
                    continue
                w = [wx, wy, nb[y]]
                candidates.append((3, -min(w), -sum(w), [ia, x, y, ib]))
    candidates.sort()
    names = {}
    paths = []
    for _, _, _, ids in candidates[:max_paths]:
        for i in ids:
            if i not in names:
                names[i] = conn.execute("SELECT name FROM entities WHERE id = ?", (i,)).fetchone()[0]
        hops = []
        for x, y in pairwise(ids):
            hops.extend(evidence_rows(conn, x, y, 1, when))
        paths.append({"entities": [names[i] for i in ids], "evidence": hops})
    return {
        "from": {"id": ea["key"], "name": ea["name"]},
        "to": {"id": eb["key"], "name": eb["name"]},
        "counts": {
            "sentences": len(direct),
            **(link_independent_counts(conn, ia, ib, when) if ia != ib else independent_counts(conn, [])),
        },
        "direct": direct,
        "paths": paths,
    }


_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)
# Each distinct word is one more posting list for FTS5 to merge: a few dozen cost milliseconds, while
# "kassenov " x 1,600 took seconds of CPU (every repeat was AND-ed again). Longer input is refused.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_WORDS = 64


class QueryTooLong(ValueError):
    """A search query over MAX_QUERY_CHARS characters or MAX_QUERY_WORDS distinct words."""


def fts_query(query: str) -> str:
    """User text -> a safe FTS5 query: every word must appear; quoted phrases kept. A word or phrase
    given twice is searched once (ignoring case, as the index does). Raises QueryTooLong."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong(
            f"search query of {len(query):,} characters; at most {MAX_QUERY_CHARS:,} are searched"
        )
    phrases = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]*"', " ", query)
    parts = [" ".join(_FTS_TOKEN.findall(p)) for p in phrases]
    parts += _FTS_TOKEN.findall(rest)
    seen: set[str] = set()
    unique = []
    for part in parts:
        if part and part.casefold() not in seen:
            seen.add(part.casefold())
            unique.append(part)
    words = sum(len(p.split()) for p in unique)
    if words > MAX_QUERY_WORDS:
        raise QueryTooLong(f"search query of {words} distinct words; at most {MAX_QUERY_WORDS} are searched")
    return " AND ".join(f'"{p}"' for p in unique)


def search(
    conn: sqlite3.Connection, query: str, *, limit: int = 20, offset: int = 0, when: DateRange = ANY_TIME
) -> list[JSON]:
    """Full-text search over documents (those dated in ``when`` when given), best first, with
    highlighted snippets. Raises QueryTooLong for a query over MAX_QUERY_CHARS characters or
    MAX_QUERY_WORDS distinct words."""
    fts = fts_query(query)
    if not fts:
        return []
    dated, dated_args = when.sql("d.date")
    rows = conn.execute(
        "SELECT d.path, d.title, snippet(documents_fts, 1, '[', ']', ' … ', 16) AS snippet, bm25(documents_fts)"
        " AS rank FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
        f" WHERE documents_fts MATCH ? AND {dated} ORDER BY rank LIMIT ? OFFSET ?",
        (fts, *dated_args, limit, offset),
    )
    return [
        {"path": r["path"], "title": r["title"], "snippet": r["snippet"], "score": -r["rank"]} for r in rows
    ]


def errors(conn: sqlite3.Connection) -> list[JSON]:
    return [
        {"path": r["path"], "reason": r["reason"]}
        for r in conn.execute("SELECT path, reason FROM files WHERE reason IS NOT NULL ORDER BY path")
    ]


def summary(conn: sqlite3.Connection, *, top: int = 10) -> JSON:
    """Corpus figures, top people and the strongest person-to-person connections."""
    count = conn.execute
    people = entities(conn, type="person", limit=top)
    strongest = []
    for r in count(
        "SELECT l.a, l.b, l.sentences, l.documents, ea.name AS an, eb.name AS bn, ea.key AS ak, eb.key AS bk"
        " FROM links l JOIN entities ea ON ea.id = l.a JOIN entities eb ON eb.id = l.b"
        " WHERE ea.type = 'person' AND eb.type = 'person' ORDER BY l.sentences DESC, l.documents DESC LIMIT ?",
        (top,),
    ):
        evidence = evidence_rows(conn, r["a"], r["b"], 1)
        independent = link_independent_counts(conn, r["a"], r["b"])
        strongest.append(
            {
                "a": {"id": r["ak"], "name": r["an"]},
                "b": {"id": r["bk"], "name": r["bn"]},
                "sentences": r["sentences"],
                "documents": r["documents"],
                "stories": independent["stories"],
                "sources": independent["sources"],
                "evidence": evidence,
            }
        )
    return {
        "documents": count("SELECT COUNT(*) FROM documents").fetchone()[0],
        "failed_files": count("SELECT COUNT(*) FROM files WHERE status = 'error'").fetchone()[0],
        "people": count("SELECT COUNT(*) FROM entities WHERE type = 'person'").fetchone()[0],
        "organizations": count("SELECT COUNT(*) FROM entities WHERE type = 'organization'").fetchone()[0],
        "locations": count("SELECT COUNT(*) FROM entities WHERE type = 'location'").fetchone()[0],
        "links": count("SELECT COUNT(*) FROM links").fetchone()[0],
        "top_people": people,
        "strongest_connections": strongest,
    }
