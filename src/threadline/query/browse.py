"""Read-only queries for browsing everything: the list of all entities (filtered, sorted, paged), every
connection of an entity, names as you type and did-you-mean, search by an entity's every spelling,
the graph (corpus-wide or around one entity, filtered by type, support and date) and a link's
evidence a page at a time.

Like queries.py, each function returns plain JSON-ready data.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from threadline.names.keys import name_key
from threadline.query.dateranges import ANY_TIME, DateRange
from threadline.query.queries import COPIES, JSON, evidence_object, fts_query
from threadline.query.web_queries import id_chunks, placeholders, search_hits

ENTITY_TYPES = ("person", "organization", "location")
SORTS = {
    "mentions": "mentions DESC, documents DESC, name",
    "documents": "documents DESC, mentions DESC, name",
    "name": "name COLLATE NOCASE, mentions DESC",
    "connections": "connections DESC, mentions DESC, name",
}
MAX_SPELLINGS = 40  # alias phrases OR-ed into an entity-aware search (FTS5 merges one list per phrase)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def entity_list(
    conn: sqlite3.Connection,
    *,
    type: str | None = None,
    watchlist: bool = False,
    min_mentions: int = 0,
    sort: str = "mentions",
    limit: int = 50,
    offset: int = 0,
) -> JSON:
    """One page of entities: ``{"total", "rows"}``, each row the ``entities`` shape plus
    ``connections`` (linked entities) and ``watchlist_id``. Stories and sources are counted for the
    page's rows only."""
    from threadline.query.queries import entity_independent_counts

    where = ["mentions >= ?"]
    args: list[Any] = [min_mentions]
    if type:
        where.append("type = ?")
        args.append(type)
    if watchlist:
        where.append("watchlist_id IS NOT NULL")
    clause = " AND ".join(where)
    total = conn.execute(f"SELECT COUNT(*) FROM entities WHERE {clause}", args).fetchone()[0]
    order = SORTS.get(sort, SORTS["mentions"])
    degree = "(SELECT COUNT(*) FROM links WHERE a = entities.id) + (SELECT COUNT(*) FROM links WHERE b = entities.id)"
    rows = conn.execute(
        f"SELECT id, key, name, type, mentions, documents, watchlist_id, {degree} AS connections"
        f" FROM entities WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    out = []
    for r in rows:
        independent = entity_independent_counts(conn, r["id"])
        aliases = [
            a[0]
            for a in conn.execute(
                "SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY mentions DESC, alias LIMIT 6",
                (r["id"],),
            )
        ]
        out.append(
            {
                "id": r["key"],
                "name": r["name"],
                "type": r["type"],
                "aliases": aliases,
                "mentions": r["mentions"],
                "documents": r["documents"],
                "stories": independent["stories"],
                "sources": independent["sources"],
                "connections": r["connections"],
                "watchlist_id": r["watchlist_id"],
            }
        )
    return {"total": total, "rows": out}


def connections(
    conn: sqlite3.Connection, entity_id: int, *, type: str | None = None, limit: int = 50, offset: int = 0
) -> JSON:
    """Every entity linked to one, best supported first, a page at a time: ``{"total", "rows"}``; each
    row ``{id, name, type, sentences, documents, stories, sources, evidence: [first sentence]}``."""
    from threadline.query.queries import evidence_rows, link_independent_counts

    type_filter = " WHERE e.type = ?" if type else ""
    base = (
        "FROM (SELECT b AS other, sentences, documents FROM links WHERE a = ?"
        " UNION ALL SELECT a AS other, sentences, documents FROM links WHERE b = ?) l"
        f" JOIN entities e ON e.id = l.other{type_filter}"
    )
    args: list[Any] = [entity_id, entity_id] + ([type] if type else [])
    total = conn.execute(f"SELECT COUNT(*) {base}", args).fetchone()[0]
    rows = conn.execute(
        f"SELECT e.id, e.key, e.name, e.type, l.sentences, l.documents {base}"
        " ORDER BY l.sentences DESC, l.documents DESC, e.name LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    out = []
    for r in rows:
        independent = link_independent_counts(conn, entity_id, r["id"])
        out.append(
            {
                "id": r["key"],
                "name": r["name"],
                "type": r["type"],
                "sentences": r["sentences"],
                "documents": r["documents"],
                "stories": independent["stories"],
                "sources": independent["sources"],
                "evidence": evidence_rows(conn, entity_id, r["id"], 1),
            }
        )
    return {"total": total, "rows": out}


def name_suggestions(conn: sqlite3.Connection, text: str, *, limit: int = 10) -> list[JSON]:
    """Entities whose name or a spelling starts with the text (then contains it), most mentioned
    first: what to offer while a name is typed. ``{id, name, type, mentions, alias}``, where ``alias``
    is the spelling that matched when it is not the name."""
    text = " ".join(text.split())[:200]
    if len(text) < 2:
        return []
    found: dict[str, JSON] = {}
    for pattern in (_like(text) + "%", "%" + _like(text) + "%"):
        for r in conn.execute(
            "SELECT e.key, e.name, e.type, e.mentions, a.alias FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE a.alias LIKE ? ESCAPE '\\' ORDER BY e.mentions DESC, a.mentions DESC LIMIT ?",
            (pattern, limit * 3),
        ):
            if r[0] not in found and len(found) < limit:
                found[r[0]] = {
                    "id": r[0],
                    "name": r[1],
                    "type": r[2],
                    "mentions": r[3],
                    "alias": r[4] if r[4].casefold() != r[1].casefold() else None,
                }
        if len(found) >= limit:
            break
    return sorted(found.values(), key=lambda e: -e["mentions"])


def did_you_mean(conn: sqlite3.Connection, text: str, *, limit: int = 5, cutoff: float = 80.0) -> list[JSON]:
    """Entities with a spelling (or a word of one) close to the text, for a query that found
    nothing: ``{id, name, type, mentions, spelling, score}``, best first. "Kassenof" finds Kassenov."""
    from rapidfuzz import fuzz, process

    query = " ".join(name_key(text).split())
    if len(query) < 3:
        return []
    choices: dict[str, set[int]] = {}  # normalised spelling or word -> entity ids
    spelled: dict[tuple[str, int], str] = {}
    rows = conn.execute(
        "SELECT a.entity_id, a.alias FROM entity_aliases a JOIN entities e ON e.id = a.entity_id WHERE e.mentions >= 1"
    )
    words = len(query.split())
    for eid, alias in rows:
        key = " ".join(name_key(alias).split())
        candidates = {key}
        if words == 1:
            candidates |= {w for w in key.split() if len(w) >= 3}
        for c in candidates:
            choices.setdefault(c, set()).add(eid)
            spelled.setdefault((c, eid), alias)
    best = process.extract(query, list(choices), scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 4)
    scored: dict[int, tuple[float, str]] = {}
    for choice, score, _ in best:
        if choice == query:
            continue  # the exact spelling is what found nothing
        for eid in choices[choice]:
            if score > scored.get(eid, (0.0, ""))[0]:
                scored[eid] = (score, spelled[(choice, eid)])
    if not scored:
        return []
    out = []
    ids = list(scored)
    for part in id_chunks(ids):
        for r in conn.execute(
            f"SELECT id, key, name, type, mentions FROM entities WHERE id IN ({placeholders(len(part))})",
            part,
        ):
            score, spelling = scored[r[0]]
            out.append(
                {
                    "id": r[1],
                    "name": r[2],
                    "type": r[3],
                    "mentions": r[4],
                    "spelling": spelling,
                    "score": score,
                }
            )
    # Among close spellings the much-named person is the likelier meaning: "Epstien" is Jeffrey Epstein
    # (85.7, thousands of mentions) before a one-off OCR slip "Epstiens" (93.3, one mention).
    out.sort(key=lambda e: (-(e["score"] + 5 * math.log10(max(e["mentions"], 1))), e["name"]))
    return out[:limit]


def entities_named(conn: sqlite3.Connection, text: str, *, limit: int = 5) -> list[JSON]:
    """Entities whose display name or a spelling is the text (ignoring case and spaces), else those
    with a spelling that ends in it as a word (a surname: "Kasenov" for "Daniyar Kasenov"), most
    mentioned first: ``{internal, id, name, type, mentions, documents, spellings}``. A search for
    such a text means the entity as much as the word."""
    text = " ".join(text.split())
    if not text or len(text) > 200 or '"' in text:
        return []
    select = (
        "SELECT DISTINCT e.id, e.key, e.name, e.type, e.mentions, e.documents FROM entities e"
        " LEFT JOIN entity_aliases a ON a.entity_id = e.id"
    )
    rows = conn.execute(
        f"{select} WHERE e.name = ? COLLATE NOCASE OR a.alias = ? COLLATE NOCASE ORDER BY e.mentions DESC LIMIT ?",
        (text, text, limit),
    ).fetchall()
    if not rows and len(text) >= 3:
        rows = conn.execute(
            f"{select} WHERE a.alias LIKE ? ESCAPE '\\' ORDER BY e.mentions DESC LIMIT ?",
            ("% " + _like(text), limit),
        ).fetchall()
    out = []
    for r in rows:
        spellings = [
            a[0]
            for a in conn.execute(
                "SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY mentions DESC, alias", (r[0],)
            )
        ]
        out.append(
            {
                "internal": r[0],
                "id": r[1],
                "name": r[2],
                "type": r[3],
                "mentions": r[4],
                "documents": r[5],
                "spellings": spellings,
            }
        )
    return out


def _spelling_query(words: str, spellings: Sequence[str]) -> str:
    """An FTS5 query: the typed words, OR any spelling as a phrase (as many as fit the limits)."""
    parts = [fts_query(words)] if fts_query(words) else []
    seen = {words.casefold()}
    used = 0
    for spelling in spellings:
        if spelling.casefold() in seen or used >= MAX_SPELLINGS:
            continue
        seen.add(spelling.casefold())
        try:
            phrase = fts_query('"' + spelling.replace('"', " ") + '"')
        except ValueError:
            continue
        if phrase:
            parts.append(phrase)
            used += 1
    return " OR ".join(f"({p})" for p in parts)


def search_spellings(
    conn: sqlite3.Connection,
    words: str,
    named: Sequence[JSON],
    *,
    entity_ids: Sequence[int] = (),
    limit: int = 20,
    offset: int = 0,
    when: DateRange = ANY_TIME,
) -> JSON:
    """Documents matching the words or any spelling of the ``named`` entities (entities_named), or
    mentioning one of them; and mentioning every entity of ``entity_ids``. Word matches first (by
    relevance), then documents that name the entity in words the index does not match (dated first).
    Returns ``{"total", "hits"}`` as web_queries.search_documents does."""
    spellings = [s for e in named for s in e["spellings"]]
    fts = _spelling_query(words, spellings)
    named_ids = [e["internal"] for e in named]
    marks = placeholders(len(named_ids))
    filters = "".join(
        " AND d.id IN (SELECT document_id FROM mentions WHERE entity_id = ?)" for _ in entity_ids
    )
    dated, dated_args = when.sql("d.date")  # documents dated in the range only, when one is given
    sql = (
        "SELECT d.id, MIN(h.rank) AS rank FROM ("
        "  SELECT rowid AS id, bm25(documents_fts) AS rank FROM documents_fts WHERE documents_fts MATCH ?"
        f"  UNION ALL SELECT DISTINCT document_id, 0.0 FROM mentions WHERE entity_id IN ({marks})"
        f") h JOIN documents d ON d.id = h.id WHERE {dated}{filters} GROUP BY d.id"
    )
    args: list[Any] = [fts, *named_ids, *dated_args, *entity_ids]
    total = conn.execute(f"SELECT COUNT(*) FROM ({sql})", args).fetchone()[0]
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT x.id FROM ({sql}) x JOIN documents d ON d.id = x.id"
            " ORDER BY x.rank, d.date IS NULL, d.date, d.path LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
    ]
    return {"total": total, "hits": search_hits(conn, ids, fts)}


def link_evidence(conn: sqlite3.Connection, a: int, b: int, *, limit: int = 5, offset: int = 0) -> list[JSON]:
    """A page of the sentences naming both entities (ids), in evidence order: the evidence shape plus
    ``document_id``, ``title`` and ``date``."""
    lo, hi = min(a, b), max(a, b)
    order = "ORDER BY d.date IS NULL, d.date, d.path, s.start"
    rows = conn.execute(
        "SELECT d.id AS document_id, d.path, d.title, d.date, s.start, s.end, s.page,"
        f" substr(d.text, s.start + 1, s.end - s.start) AS sentence, {COPIES} FROM ("
        "  SELECT ls.sentence_id FROM link_sentences ls JOIN sentences s ON s.id = ls.sentence_id"
        f"  JOIN documents d ON d.id = s.document_id WHERE ls.a = ? AND ls.b = ? {order} LIMIT ? OFFSET ?"
        f") kept JOIN sentences s ON s.id = kept.sentence_id JOIN documents d ON d.id = s.document_id {order}",
        (lo, hi, limit, offset),
    ).fetchall()
    return [
        {**evidence_object(r), "document_id": r["document_id"], "title": r["title"], "date": r["date"]}
        for r in rows
    ]


# --- the graph -----------------------------------------------------------------------------------------

LAYOUT_SEED = 7
SPAN = 1000.0  # positions lie in [-SPAN, SPAN]


def _dated_links(
    conn: sqlite3.Connection, since: str | None, until: str | None
) -> dict[tuple[int, int], tuple[int, int]]:
    """(a, b) -> (sentences, documents) counting only sentences of documents dated in the window.

    A document dated to a month or a year is in the window when that month or year overlaps it,
    as everywhere else ``--from``/``--to`` apply (``DateRange``)."""
    condition, args = DateRange(since or None, until or None).sql("d.date")
    rows = conn.execute(
        "SELECT ls.a, ls.b, COUNT(*), COUNT(DISTINCT s.document_id) FROM link_sentences ls"
        " JOIN sentences s ON s.id = ls.sentence_id JOIN documents d ON d.id = s.document_id"
        f" WHERE d.date IS NOT NULL AND {condition} GROUP BY ls.a, ls.b",
        args,
    )
    return {(a, b): (n, docs) for a, b, n, docs in rows}


def graph(
    conn: sqlite3.Connection,
    *,
    center: int | None = None,
    hops: int = 1,
    types: Sequence[str] = (),
    min_sentences: int = 1,
    since: str | None = None,
    until: str | None = None,
    cap: int = 150,
) -> JSON:
    """Nodes and edges to draw, with positions: around ``center`` (an entity row id) up to ``hops``
    links, or corpus-wide (the most mentioned entities that have a link passing the filters). Links
    need ``min_sentences`` sentences, counted only in documents dated ``since``..``until`` (YYYY-MM-DD,
    inclusive) when either is given. At most ``cap`` nodes; ``truncated`` says when more passed.
    Each node has ``rank`` (0 = most mentioned), for labels by importance."""
    kinds = tuple(t for t in types if t in ENTITY_TYPES) or ENTITY_TYPES
    # Types are looked up here, not joined in SQL: with the join SQLite walked entities by type (4 s on
    # 200,000 links) instead of the links of the few chosen ids.
    type_of = dict(conn.execute("SELECT id, type FROM entities").fetchall())
    dated = _dated_links(conn, since, until) if since or until else None

    def passes(eid: int) -> bool:
        return eid == center or type_of.get(eid) in kinds

    def adjacent(ids: Sequence[int]) -> list[tuple[int, int, int, int]]:
        """(id, other, sentences, documents) for qualifying links of ``ids``."""
        found: list[tuple[int, int, int, int]] = []
        if dated is not None:
            wanted = set(ids)
            for (a, b), (n, docs) in dated.items():
                if n >= min_sentences and (a in wanted or b in wanted):
                    if a in wanted:
                        found.append((a, b, n, docs))
                    if b in wanted:
                        found.append((b, a, n, docs))
            return [f for f in found if passes(f[1])]
        for part in id_chunks(list(ids)):
            marks = placeholders(len(part))
            for side, other in (("a", "b"), ("b", "a")):
                found.extend(
                    conn.execute(
                        f"SELECT {side}, {other}, sentences, documents FROM links"
                        f" WHERE {side} IN ({marks}) AND sentences >= ?",
                        [*part, min_sentences],
                    ).fetchall()
                )
        return [(r[0], r[1], r[2], r[3]) for r in found if passes(r[1])]

    score: dict[int, float] = {}
    total = 0
    if center is not None:
        score[center] = math.inf
        frontier = [center]
        for hop in range(max(hops, 1)):
            found: dict[int, float] = {}
            for via, other, n, _ in adjacent(frontier):
                if other in score:
                    continue
                weight = min(n, score[via]) if hop else n  # a second-hop node never outranks its first hop
                found[other] = max(found.get(other, 0.0), weight)
            total += len(found)
            ranked = sorted(found, key=lambda i: -found[i])[: cap * 2]
            score.update({i: found[i] for i in ranked})
            frontier = ranked
        chosen = sorted(score, key=lambda i: -score[i])[:cap]
    else:
        if dated is not None:
            linked = {x for (a, b), (n, _) in dated.items() if n >= min_sentences for x in (a, b)}
            candidates = [i for i in linked if passes(i)]
            mentions = dict(conn.execute("SELECT id, mentions FROM entities").fetchall())
            candidates.sort(key=lambda i: -mentions.get(i, 0))
            total = len(candidates)
            chosen = candidates[:cap]
        else:
            marks = placeholders(len(kinds))
            has_link = (
                "(EXISTS (SELECT 1 FROM links WHERE a = e.id AND sentences >= ?)"
                " OR EXISTS (SELECT 1 FROM links WHERE b = e.id AND sentences >= ?))"
            )
            chosen = [
                r[0]
                for r in conn.execute(
                    f"SELECT e.id FROM entities e WHERE e.type IN ({marks}) AND {has_link}"
                    " ORDER BY e.mentions DESC, e.documents DESC, e.name LIMIT ?",
                    [*kinds, min_sentences, min_sentences, cap + 1],
                )
            ]
            total = len(chosen)
            chosen = chosen[:cap]
    chosen_set = set(chosen)
    edges: dict[tuple[int, int], tuple[int, int]] = {}
    for via, other, n, docs in adjacent(chosen):
        if other in chosen_set:
            edges[(min(via, other), max(via, other))] = (n, docs)
    return _drawn(conn, chosen, edges, center, total > len(chosen))


def _drawn(
    conn: sqlite3.Connection,
    chosen: list[int],
    edges: dict[tuple[int, int], tuple[int, int]],
    center: int | None,
    truncated: bool,
) -> JSON:
    import networkx as nx

    info: dict[int, sqlite3.Row] = {}
    for part in id_chunks(chosen):
        for r in conn.execute(
            f"SELECT id, key, name, type, mentions, documents FROM entities WHERE id IN ({placeholders(len(part))})",
            part,
        ):
            info[r["id"]] = r
    order = sorted(info, key=lambda i: (i != center, -info[i]["mentions"], info[i]["name"]))
    g = nx.Graph()
    g.add_nodes_from(order)
    for (a, b), (n, _) in edges.items():
        g.add_edge(a, b, weight=1.0 + math.log(n))
    pos: dict[int, tuple[float, float]] = {}
    if len(order) > 1:
        fixed = {center: (0.0, 0.0)} if center in info else None
        found = nx.spring_layout(
            g,
            pos=fixed,
            fixed=[center] if fixed else None,
            seed=LAYOUT_SEED,
            k=2.0 / math.sqrt(len(order)),
            iterations=100,
            weight="weight",
        )
        reach = max((max(abs(float(p[0])), abs(float(p[1]))) for p in found.values()), default=1.0) or 1.0
        pos = {i: (float(p[0]) / reach * SPAN, float(p[1]) / reach * SPAN) for i, p in found.items()}
    nodes = [
        {
            "id": info[i]["key"],
            "name": info[i]["name"],
            "type": info[i]["type"],
            "mentions": info[i]["mentions"],
            "documents": info[i]["documents"],
            "rank": rank,
            "center": i == center,
            "x": round(pos.get(i, (0.0, 0.0))[0], 1),
            "y": round(pos.get(i, (0.0, 0.0))[1], 1),
        }
        for rank, i in enumerate(order)
    ]
    drawn = [
        {
            "id": f"{info[a]['key']}--{info[b]['key']}",
            "source": info[a]["key"],
            "target": info[b]["key"],
            "sentences": n,
            "documents": docs,
        }
        for (a, b), (n, docs) in sorted(edges.items(), key=lambda e: e[1])
        if a in info and b in info
    ]
    return {
        "center": info[center]["key"] if center in info else None,
        "nodes": nodes,
        "edges": drawn,
        "truncated": truncated,
    }
