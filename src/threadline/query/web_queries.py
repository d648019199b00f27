"""Read-only queries the web app needs beyond queries.py: documents by id, pages of mentions with
context, every sentence behind a link, filtered full-text search, ego networks and the watchlist.

Like queries.py, each function returns plain JSON-ready data and raises NotFound for a missing id.
Lists that can grow with the corpus take a limit, and text is sliced once per document, so a page
costs the same on a big database as on a small one.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from threadline.query.dateranges import ANY_TIME, DateRange
from threadline.query.queries import (
    COPIES,
    JSON,
    MAX_QUERY_CHARS,
    NotFound,
    QueryTooLong,
    entity_independent_counts,
    fts_query,
)

# Private-use characters mark search hits: unlike the CLI's "[" and "]" they never occur in documents.
HIT_OPEN = "\ue000"
HIT_CLOSE = "\ue001"
CONTEXT_CHARS = 90  # keyword-in-context: characters kept each side of a mention, within its sentence
_CHUNK = 500  # ids per IN (...) list


def id_chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    """``ids`` in pieces small enough for one ``IN (...)`` each."""
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def placeholders(n: int) -> str:
    """``?,?,…`` for ``n`` parameters."""
    return ",".join("?" * n)


def text_slices(
    conn: sqlite3.Connection, wanted: dict[int, list[tuple[int, int]]]
) -> dict[tuple[int, int, int], str]:
    """(document id, start, end) -> text, reading each document's span of interest once."""
    out: dict[tuple[int, int, int], str] = {}
    for doc_id, spans in wanted.items():
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        row = conn.execute("SELECT substr(text, ?, ?) FROM documents WHERE id = ?", (lo + 1, hi - lo, doc_id))
        window = row.fetchone()[0] or ""
        for s, e in spans:
            out[(doc_id, s, e)] = window[s - lo : e - lo]
    return out


def _rows_by_path(conn: sqlite3.Connection, columns: str, paths: Iterable[str]) -> Iterator[sqlite3.Row]:
    """``SELECT path, <columns>`` for each stored document among ``paths``, in chunks of IN (...)."""
    wanted = sorted(set(paths))
    for i in range(0, len(wanted), _CHUNK):
        part = wanted[i : i + _CHUNK]
        yield from conn.execute(
            f"SELECT path, {columns} FROM documents WHERE path IN ({placeholders(len(part))})", part
        )


def document_ids(conn: sqlite3.Connection, paths: Iterable[str]) -> dict[str, int]:
    """Document path -> id, for linking the query layer's evidence (which cites paths) to pages."""
    return {r[0]: r[1] for r in _rows_by_path(conn, "id", paths)}


def document_labels(conn: sqlite3.Connection, paths: Iterable[str]) -> dict[str, JSON]:
    """Document path -> {id, title, date, opening}: enough to tell documents apart in a list.

    ``opening`` is the start of the body with whitespace collapsed, for documents without a title."""
    return {
        r[0]: {"id": r[1], "title": r[2], "date": r[3], "opening": " ".join(r[4].split())[:120]}
        for r in _rows_by_path(conn, "id, title, date, substr(text, body_start + 1, 200)", paths)
    }


# A document page shows one window of its text: a 5-million-character OCR dump rendered whole was
# 20-36 MB of HTML and hundreds of MB of server memory. Windows end at a line break (or a space)
# within SNAP_CHARS before each multiple of WINDOW_CHARS, so no word is cut in two.
WINDOW_CHARS = 200_000
SNAP_CHARS = 2_000
_LONGEST_MENTION = 10_000  # mentions starting this far before a window are not looked for


def window_start(text: str, k: int, size: int = WINDOW_CHARS) -> int:
    """Where window ``k`` (0-based) of ``text`` starts."""
    pos = k * size
    if pos <= 0:
        return 0
    if pos >= len(text):
        return len(text)
    floor = max(pos - min(SNAP_CHARS, size // 2), 0)
    for sep in ("\n", " "):
        cut = text.rfind(sep, floor, pos)
        if cut >= 0:
            return cut + 1
    return pos


def text_windows(text: str, at: int, size: int = WINDOW_CHARS) -> tuple[list[int], int]:
    """Every window's start in ``text``, and the index of the window holding character offset ``at``."""
    starts = [window_start(text, k, size) for k in range(max(1, -(-len(text) // size)))]
    return starts, bisect_right(starts, min(max(at, 0), len(text))) - 1


def document(conn: sqlite3.Connection, doc_id: int, *, at: int = 0, window: int = WINDOW_CHARS) -> JSON:
    """One document: metadata, the window of its text holding character offset ``at`` (``text`` is
    ``full_text[start:end]``; ``length`` is the whole text's), the mentions overlapping that window
    (offsets into the whole text, with their entity), and every entity named anywhere in it."""
    row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        raise NotFound(f"no document with id {doc_id}")
    try:
        meta = json.loads(row["meta"] or "{}")
    except ValueError:
        meta = {}
    full: str = row["text"] or ""
    starts, k = text_windows(full, at, window)
    start, end = starts[k], starts[k + 1] if k + 1 < len(starts) else len(full)
    mentions = [
        {
            "id": r["id"],
            "start": r["start"],
            "end": r["end"],
            "type": r["type"],
            "role": r["role"],
            "entity": r["key"],
            "entity_name": r["ename"],
        }
        for r in conn.execute(
            "SELECT m.id, m.start, m.end, m.type, m.role, e.key, e.name AS ename FROM mentions m"
            " LEFT JOIN entities e ON e.id = m.entity_id WHERE m.document_id = ? AND m.start >= ?"
            " AND m.start < ? AND m.end > ? ORDER BY m.start, m.end DESC",
            (doc_id, start - _LONGEST_MENTION, end, start),
        )
    ]
    named = [
        {"id": r[0], "name": r[1], "type": r[2], "count": r[3], "first": r[4], "first_start": r[5]}
        for r in conn.execute(
            # SQLite takes the bare column m.id from the row holding MIN(m.start): the first mention.
            "SELECT e.key, e.name, e.type, COUNT(*), m.id, MIN(m.start) FROM mentions m"
            " JOIN entities e ON e.id = m.entity_id WHERE m.document_id = ? GROUP BY e.id"
            " ORDER BY COUNT(*) DESC, e.name",
            (doc_id,),
        )
    ]
    mention_count = conn.execute("SELECT COUNT(*) FROM mentions WHERE document_id = ?", (doc_id,)).fetchone()[
        0
    ]
    return {
        "id": row["id"],
        "path": row["path"],
        "file_path": row["file_path"],
        "title": row["title"],
        "date": row["date"],
        "date_precision": row["date_precision"],
        "date_source": row["date_source"],
        "date_start": row["date_start"],
        "source": row["source"],
        "url": row["url"],
        "format": row["format"],
        "words": row["words"],
        "parent": row["parent_path"],
        "parent_id": _document_id(conn, row["parent_path"]),
        "attachments": [
            {"id": r[0], "path": r[1]}
            for r in conn.execute(
                "SELECT id, path FROM documents WHERE parent_path = ? ORDER BY id", (row["path"],)
            )
        ],
        "pages": json.loads(row["pages"]) if row["pages"] else [],
        "meta": meta if isinstance(meta, dict) else {},
        "length": len(full),
        "start": start,
        "end": end,
        "windows": starts,
        "previous_at": starts[k - 1] if k > 0 else None,
        "next_at": end if end < len(full) else None,
        "text": full[start:end],
        "mentions": mentions,
        "mention_count": mention_count,
        "named": named,
        **_provenance(conn, doc_id),
    }


def _provenance(conn: sqlite3.Connection, doc_id: int) -> JSON:
    """Who published the document, whom it cites, and the other documents of its story."""
    outlet = conn.execute(
        "SELECT s.name FROM document_sources ds JOIN sources s ON s.id = ds.source_id WHERE ds.document_id = ?",
        (doc_id,),
    ).fetchone()
    cites = [
        {"name": r[0], "start": r[1], "end": r[2]}
        for r in conn.execute(
            "SELECT s.name, MIN(c.start), MIN(c.end) FROM citations c JOIN sources s ON s.id = c.source_id"
            " WHERE c.document_id = ? GROUP BY s.id ORDER BY MIN(c.start)",
            (doc_id,),
        )
    ]
    same_story = [
        {"id": r[0], "path": r[1], "title": r[2], "date": r[3]}
        for r in conn.execute(
            "SELECT d.id, d.path, d.title, d.date FROM duplicate_members me"
            " JOIN duplicate_members other ON other.cluster_id = me.cluster_id AND other.document_id != me.document_id"
            " JOIN documents d ON d.id = other.document_id"
            " WHERE me.document_id = ? ORDER BY d.date IS NULL, d.date, d.path",
            (doc_id,),
        )
    ]
    from threadline.query.related import related_to  # a suggestion, shown apart from the story

    return {
        "outlet": outlet[0] if outlet else None,
        "cites": cites,
        "same_story": same_story,
        "related": related_to(conn, doc_id),
    }


def _document_id(conn: sqlite3.Connection, path: str | None) -> int | None:
    if path is None:
        return None
    row = conn.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
    return int(row[0]) if row else None


def file_record(conn: sqlite3.Connection, path: str) -> JSON:
    """What ingest recorded about one file path (the reason, if it failed). Never reads the file."""
    row = conn.execute(
        "SELECT path, status, reason, size, documents, ingested_at FROM files WHERE path = ?", (path,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no file recorded at {path!r}")
    return dict(row)


def entity_mentions(
    conn: sqlite3.Connection, entity_id: int, *, limit: int = 200, offset: int = 0, when: DateRange = ANY_TIME
) -> list[JSON]:
    """A page of an entity's mentions, in document date order, each with keyword-in-context text
    (only in documents dated in ``when``, when given).

    Only the entity's documents are sorted (not every mention), and only the page's mentions are
    read, so a page costs about the same for an entity named 30,000 times as for one named 30."""
    per_document = dict(
        conn.execute(
            "SELECT document_id, COUNT(*) FROM mentions WHERE entity_id = ? GROUP BY document_id",
            (entity_id,),
        ).fetchall()
    )
    dated, dated_args = when.sql("date")
    ordered = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM documents WHERE id IN (SELECT document_id FROM mentions WHERE entity_id = ?)"
            f" AND {dated} ORDER BY date IS NULL, date, path",
            (entity_id, *dated_args),
        )
    ]
    page_documents: list[int] = []  # the documents holding mentions offset .. offset + limit
    skip = seen = 0  # skip: mentions of the first page document that belong to earlier pages
    for doc_id in ordered:
        count = per_document[doc_id]
        if seen + count > offset:
            if not page_documents:
                skip = offset - seen
            page_documents.append(doc_id)
        seen += count
        if seen >= offset + limit:
            break
    rank = {doc_id: i for i, doc_id in enumerate(page_documents)}
    found: list[tuple[int, int, int]] = []  # (document rank, start, mention id)
    for part in id_chunks(page_documents):
        found.extend(
            (rank[r[1]], r[2], r[0])
            for r in conn.execute(
                f"SELECT id, document_id, start FROM mentions WHERE entity_id = ? AND document_id IN ({placeholders(len(part))})",
                [entity_id, *part],
            )
        )
    ids = [mid for _, _, mid in sorted(found)][skip : skip + limit]
    rows: dict[int, sqlite3.Row] = {}
    for part in id_chunks(ids):
        for r in conn.execute(
            "SELECT m.id, m.document_id, m.start, m.end, m.surface, m.role, s.start AS s_start, s.end AS s_end,"
            " d.path, d.title, d.date FROM mentions m JOIN sentences s ON s.id = m.sentence_id"
            f" JOIN documents d ON d.id = m.document_id WHERE m.id IN ({placeholders(len(part))})",
            part,
        ):
            rows[r["id"]] = r
    wanted: dict[int, list[tuple[int, int]]] = {}
    for r in rows.values():
        lo = max(r["s_start"], r["start"] - CONTEXT_CHARS)
        hi = min(max(r["s_end"], r["end"]), r["end"] + CONTEXT_CHARS)
        wanted.setdefault(r["document_id"], []).append((lo, hi))
    text = text_slices(conn, wanted)
    result = []
    for mid in ids:
        r = rows[mid]
        lo = max(r["s_start"], r["start"] - CONTEXT_CHARS)
        hi = min(max(r["s_end"], r["end"]), r["end"] + CONTEXT_CHARS)
        window = text[(r["document_id"], lo, hi)]
        result.append(
            {
                "id": mid,
                "document_id": r["document_id"],
                "start": r["start"],
                "path": r["path"],
                "title": r["title"],
                "date": r["date"],
                "role": r["role"],
                "left": window[: r["start"] - lo],
                "surface": window[r["start"] - lo : r["end"] - lo],
                "right": window[r["end"] - lo :],
                "cut_left": lo > r["s_start"],
                "cut_right": hi < r["s_end"],
            }
        )
    return result


def link_support(conn: sqlite3.Connection, a: int, b: int) -> tuple[int, int]:
    """(sentences, documents) supporting the link between two entity ids; (0, 0) if none."""
    lo, hi = min(a, b), max(a, b)
    row = conn.execute("SELECT sentences, documents FROM links WHERE a = ? AND b = ?", (lo, hi)).fetchone()
    return (row[0], row[1]) if row else (0, 0)


def connection_sentences(conn: sqlite3.Connection, a: int, b: int, *, limit: int = 500) -> list[JSON]:
    """Every sentence naming both entities (up to limit), grouped by document in date order.

    Each sentence carries the spans of both entities' mentions, relative to the sentence, with
    ``side`` "a" or "b", and the id of its first mention to link into the document page."""
    lo, hi = min(a, b), max(a, b)
    sentences = conn.execute(
        "SELECT s.id, s.document_id, s.start, s.end, s.page,"
        f" {COPIES}"
        " FROM link_sentences ls JOIN sentences s ON s.id = ls.sentence_id"
        " JOIN documents d ON d.id = s.document_id WHERE ls.a = ? AND ls.b = ?"
        " ORDER BY d.date IS NULL, d.date, d.path, s.start LIMIT ?",
        (lo, hi, limit),
    ).fetchall()
    sentence_ids = [s["id"] for s in sentences]
    spans: dict[int, list[sqlite3.Row]] = {}
    for part in id_chunks(sentence_ids):
        for m in conn.execute(
            f"SELECT id, sentence_id, start, end, entity_id FROM mentions WHERE sentence_id IN ({placeholders(len(part))})"
            " AND entity_id IN (?, ?) ORDER BY start",
            [*part, a, b],
        ):
            spans.setdefault(m["sentence_id"], []).append(m)
    wanted: dict[int, list[tuple[int, int]]] = {}
    for s in sentences:
        wanted.setdefault(s["document_id"], []).append((s["start"], s["end"]))
    text = text_slices(conn, wanted)
    docs: dict[int, JSON] = {}
    for doc_id in wanted:
        r = conn.execute("SELECT id, path, title, date FROM documents WHERE id = ?", (doc_id,)).fetchone()
        docs[doc_id] = {
            "id": r["id"],
            "path": r["path"],
            "title": r["title"],
            "date": r["date"],
            "sentences": [],
        }
    for s in sentences:
        found = spans.get(s["id"], [])
        docs[s["document_id"]]["sentences"].append(
            {
                "start": s["start"],
                "end": s["end"],
                "page": s["page"],
                "copies": s["copies"],
                "text": text[(s["document_id"], s["start"], s["end"])],
                "mention_id": found[0]["id"] if found else None,
                "spans": [
                    {
                        "start": m["start"] - s["start"],
                        "end": m["end"] - s["start"],
                        "side": "a" if m["entity_id"] == a else "b",
                    }
                    for m in found
                ],
            }
        )
    return list(docs.values())


def path_entities(conn: sqlite3.Connection, names: Sequence[str], first: int, last: int) -> list[JSON]:
    """The entities behind a path of names from queries.links: each hop is the best-supported
    entity of that name linked to the one before it. Returns key and name per step."""
    out = []
    prev = first
    for i, name in enumerate(names):
        if i == 0 or i == len(names) - 1:
            eid = first if i == 0 else last
            row = conn.execute("SELECT id, key, name FROM entities WHERE id = ?", (eid,)).fetchone()
        else:
            row = conn.execute(
                "SELECT e.id, e.key, e.name, l.sentences FROM links l JOIN entities e ON e.id = l.a"
                " WHERE l.b = ? AND e.name = ? UNION ALL"
                " SELECT e.id, e.key, e.name, l.sentences FROM links l JOIN entities e ON e.id = l.b"
                " WHERE l.a = ? AND e.name = ? ORDER BY 4 DESC LIMIT 1",
                (prev, name, prev, name),
            ).fetchone()
        if row is None:
            raise NotFound(f"no entity {name!r} linked along the path")
        out.append({"id": row["key"], "name": row["name"]})
        prev = row["id"]
    return out


def search_documents(
    conn: sqlite3.Connection,
    query: str,
    *,
    entity_ids: Sequence[int] = (),
    limit: int = 20,
    offset: int = 0,
    when: DateRange = ANY_TIME,
) -> JSON:
    """Documents matching the full-text query (all words; "quoted phrases") and mentioning every
    given entity (and dated in ``when``, when given). With no query, the documents mentioning the
    entities, oldest first.

    Returns ``{"total", "hits"}``; each hit's snippet marks matches with HIT_OPEN/HIT_CLOSE. Raises
    QueryTooLong as queries.search does."""
    fts = fts_query(query)
    if not fts and not entity_ids and not when:
        return {"total": 0, "hits": []}
    dated, dated_args = when.sql("d.date")
    where: list[str] = [dated]
    args: list[Any] = [*dated_args]
    for eid in entity_ids:
        where.append("d.id IN (SELECT document_id FROM mentions WHERE entity_id = ?)")
        args.append(eid)
    if fts:
        base = "FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid WHERE documents_fts MATCH ?"
        args.insert(0, fts)
        order = "bm25(documents_fts)"
    else:
        base = "FROM documents d WHERE 1"
        order = "d.date IS NULL, d.date, d.path"
    filters = "".join(f" AND {w}" for w in where)
    total = conn.execute(f"SELECT COUNT(*) {base}{filters}", args).fetchone()[0]
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT d.id {base}{filters} ORDER BY {order} LIMIT ? OFFSET ?", [*args, limit, offset]
        )
    ]
    return {"total": total, "hits": search_hits(conn, ids, fts)}


def search_hits(conn: sqlite3.Connection, ids: Sequence[int], fts: str | None) -> list[JSON]:
    """One hit per document id, in order: the FTS5 snippet of ``fts`` where it matches, else the
    document's first 240 characters."""
    snippets: dict[int, str] = {}
    if fts and ids:
        for r in conn.execute(
            "SELECT rowid, snippet(documents_fts, 1, ?, ?, ' … ', 24) FROM documents_fts"
            f" WHERE documents_fts MATCH ? AND rowid IN ({placeholders(len(ids))})",
            [HIT_OPEN, HIT_CLOSE, fts, *ids],
        ):
            snippets[r[0]] = r[1]
    hits = []
    for doc_id in ids:
        r = conn.execute(
            "SELECT id, path, title, date, substr(text, 1, 240) AS head FROM documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        hits.append(
            {
                "id": r["id"],
                "path": r["path"],
                "title": r["title"],
                "date": r["date"],
                "snippet": snippets.get(doc_id, r["head"]),
            }
        )
    return hits


def match_entities(
    conn: sqlite3.Connection, text: str, *, type: str | None = None, limit: int = 12
) -> list[JSON]:
    """Entities whose name or an alias contains the text, most mentioned first. Raises QueryTooLong
    past MAX_QUERY_CHARS (SQLite refuses LIKE patterns over 50,000 bytes)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(
            f"search text of {len(text):,} characters; at most {MAX_QUERY_CHARS:,} are searched"
        )
    text = text.strip()
    if not text:
        return []
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = (
        "SELECT key, name, type, mentions, documents FROM entities WHERE id IN ("
        " SELECT entity_id FROM entity_aliases WHERE alias LIKE ? ESCAPE '\\')"
    )
    args: list[Any] = [like]
    if type:
        sql += " AND type = ?"
        args.append(type)
    sql += " ORDER BY mentions DESC, name LIMIT ?"
    args.append(limit)
    return [
        {
            "id": r["key"],
            "name": r["name"],
            "type": r["type"],
            "mentions": r["mentions"],
            "documents": r["documents"],
        }
        for r in conn.execute(sql, args)
    ]


def ego_network(
    conn: sqlite3.Connection,
    entity_id: int,
    *,
    hops: int = 1,
    min_sentences: int = 1,
    type: str | None = None,
    cap: int = 60,
) -> JSON:
    """The entity and its strongest neighbours (and theirs, with hops=2), at most ``cap`` nodes.

    A neighbour scores its link's supporting sentences; a second-hop entity scores the weaker of
    the two links on its best route, so it never outranks the neighbour it hangs from. Edges are
    every link among the chosen nodes with at least ``min_sentences`` sentences."""
    type_filter = " AND e.type = ?" if type else ""

    def neighbours(ids: Sequence[int]) -> list[tuple[int, int, int]]:
        """(from, to, sentences) for links of ``ids`` passing the filters."""
        found = []
        for part in id_chunks(ids):
            marks = placeholders(len(part))
            args: list[Any] = [*part, min_sentences] + ([type] if type else [])
            for a_side, b_side in (("a", "b"), ("b", "a")):
                found.extend(
                    conn.execute(
                        f"SELECT l.{a_side}, l.{b_side}, l.sentences FROM links l JOIN entities e ON e.id = l.{b_side}"
                        f" WHERE l.{a_side} IN ({marks}) AND l.sentences >= ?{type_filter}",
                        args,
                    ).fetchall()
                )
        return [(r[0], r[1], r[2]) for r in found]

    scores: dict[int, tuple[int, int]] = {}  # id -> (score, hop)
    for _, other, weight in neighbours([entity_id]):
        scores[other] = (weight, 1)
    if hops >= 2 and scores:
        first = sorted(scores, key=lambda i: -scores[i][0])[: cap * 2]
        for via, other, weight in neighbours(first):
            if other == entity_id or scores.get(other, (0, 2))[1] == 1:
                continue
            score = min(weight, scores[via][0])
            if score > scores.get(other, (0, 2))[0]:
                scores[other] = (score, 2)
    chosen = sorted(scores, key=lambda i: (-scores[i][0], scores[i][1], i))[: max(cap - 1, 0)]
    ids = [entity_id, *chosen]
    nodes = []
    for part in id_chunks(ids):
        for r in conn.execute(
            f"SELECT id, key, name, type, mentions, documents FROM entities WHERE id IN ({placeholders(len(part))})",
            part,
        ):
            score, hop = scores.get(r["id"], (0, 0))
            nodes.append(
                {
                    "id": r["id"],
                    "key": r["key"],
                    "name": r["name"],
                    "type": r["type"],
                    "mentions": r["mentions"],
                    "documents": r["documents"],
                    "hop": hop,
                    "score": score,
                }
            )
    nodes.sort(key=lambda n: (n["hop"], -n["score"], n["name"]))
    chosen_set = set(ids)
    edges = []
    for part in id_chunks(ids):
        for r in conn.execute(
            f"SELECT a, b, sentences, documents FROM links WHERE a IN ({placeholders(len(part))}) AND sentences >= ?",
            [*part, min_sentences],
        ):
            if r["b"] in chosen_set:
                edges.append(
                    {"a": r["a"], "b": r["b"], "sentences": r["sentences"], "documents": r["documents"]}
                )
    return {"center": entity_id, "nodes": nodes, "edges": edges}


def watchlist(conn: sqlite3.Connection) -> list[JSON]:
    """Each watchlist person with the entities (if any) that matched them in the documents."""
    found: dict[str, list[JSON]] = {}
    for r in conn.execute(
        "SELECT id, key, name, type, mentions, documents, watchlist_id FROM entities"
        " WHERE watchlist_id IS NOT NULL ORDER BY mentions DESC"
    ).fetchall():
        independent = entity_independent_counts(conn, r["id"])
        found.setdefault(r["watchlist_id"], []).append(
            {
                "id": r["key"],
                "name": r["name"],
                "type": r["type"],
                "mentions": r["mentions"],
                "documents": r["documents"],
                "stories": independent["stories"],
                "sources": independent["sources"],
            }
        )
    people = []
    for r in conn.execute("SELECT id, name, aliases, source FROM watchlist ORDER BY name"):
        try:
            aliases = [str(a) for a in json.loads(r["aliases"] or "[]")]
        except ValueError:
            aliases = []
        entities = found.get(r["id"], [])
        people.append(
            {
                "watchlist_id": r["id"],
                "name": r["name"],
                "aliases": aliases,
                "source": r["source"],
                "entities": entities,
                "mentions": sum(e["mentions"] for e in entities),
            }
        )
    return people
