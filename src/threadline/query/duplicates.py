"""Read-side queries for honest counts: near-duplicate stories, sources, independent counts.

Each returns plain JSON-ready data. The tables are filled by ``threadline.store.duplicates``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

JSON = dict[str, Any]
_CHUNK = 500  # ids per IN (...) query


def duplicates(conn: sqlite3.Connection, *, limit: int | None = None) -> list[JSON]:
    """Near-duplicate clusters, largest first.

    ``similarity`` is the *minimum* over the cluster's confirmed pairs of their containment (the
    share of the shorter text found in the other): the weakest link that holds the cluster together.
    Clusters are connected components, so two members need not be a confirmed pair themselves.
    """
    sql = (
        "SELECT c.id, c.size, (SELECT MIN(p.containment) FROM duplicate_pairs p"
        "  JOIN duplicate_members ma ON ma.document_id = p.a"
        "  WHERE ma.cluster_id = c.id) AS similarity"
        " FROM duplicate_clusters c ORDER BY c.size DESC, similarity DESC, c.id"
    )
    args: list[Any] = []
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    result = []
    for row in conn.execute(sql, args).fetchall():
        members = [
            r[0]
            for r in conn.execute("SELECT document_id FROM duplicate_members WHERE cluster_id = ?", (row[0],))
        ]
        order = reported_order(conn, members)
        result.append(
            {
                "cluster": row[0],
                "size": row[1],
                "documents": [d["path"] for d in order],
                "similarity": round(float(row[2] or 0.0), 3),
                # Who reported first: the earliest dated copy, then the others in order.
                "first": first_reported(order),
                "order": order,
            }
        )
    return result


_ORDER_COLUMNS = (
    "SELECT d.id, d.path, d.date, d.date_precision, d.source AS meta_source, s.name AS outlet, ds.source_id"
    " FROM documents d"
    " LEFT JOIN document_sources ds ON ds.document_id = d.id LEFT JOIN sources s ON s.id = ds.source_id"
)


def reported_order(conn: sqlite3.Connection, document_ids: Iterable[int]) -> list[JSON]:
    """The documents in publication order, each ``{path, date, precision, source}``: dated ones
    oldest first (a coarser date before the finer ones inside it), then the undated by path."""
    rows: list[sqlite3.Row] = []
    cited: set[int] = set()  # source ids the documents cite
    for chunk in _chunks(sorted({int(i) for i in document_ids})):
        marks = ",".join("?" * len(chunk))
        rows.extend(conn.execute(f"{_ORDER_COLUMNS} WHERE d.id IN ({marks})", chunk))
        cited.update(
            r[0]
            for r in conn.execute(f"SELECT source_id FROM citations WHERE document_id IN ({marks})", chunk)
        )
    # On one day, a document whose outlet another one cites ("…, citing Steppe News Agency") came first.
    rows.sort(
        key=lambda r: (
            r["date"] is None,
            (r["date"] or "")[:10],
            r["source_id"] not in cited,
            r["date"] or "",
            r["path"],
        )
    )
    return [
        {
            "path": r["path"],
            "date": r["date"],
            "precision": r["date_precision"],
            "source": r["outlet"] or r["meta_source"],
        }
        for r in rows
    ]


def first_reported(order: list[JSON]) -> JSON | None:
    """The earliest dated document of a ``reported_order`` list; None when none is dated."""
    return order[0] if order and order[0]["date"] is not None else None


def cluster_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM duplicate_clusters").fetchone()[0])


def sources(conn: sqlite3.Connection) -> list[JSON]:
    """Every outlet, author or sender, and every cited source.

    ``documents``: paths of the documents it published or sent; ``cites``: sources named in those
    documents; ``cited_by``: outlets of the documents that name it; ``cited_in``: paths of the
    documents that name it, with or without a known outlet. Most documents first.
    """
    rows = conn.execute(
        "SELECT s.id, s.name, s.kind, COUNT(ds.document_id) AS n FROM sources s"
        " LEFT JOIN document_sources ds ON ds.source_id = s.id"
        " GROUP BY s.id ORDER BY n DESC, s.name COLLATE NOCASE"
    ).fetchall()
    result = []
    for row in rows:
        sid = row[0]
        documents = [
            r[0]
            for r in conn.execute(
                "SELECT d.path FROM document_sources ds JOIN documents d ON d.id = ds.document_id"
                " WHERE ds.source_id = ? ORDER BY d.date IS NULL, d.date, d.path",
                (sid,),
            )
        ]
        cites = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT s.name FROM document_sources ds JOIN citations c ON c.document_id = ds.document_id"
                " JOIN sources s ON s.id = c.source_id WHERE ds.source_id = ? AND c.source_id != ?"
                " ORDER BY s.name COLLATE NOCASE",
                (sid, sid),
            )
        ]
        cited_by = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT s.name FROM citations c JOIN document_sources ds ON ds.document_id = c.document_id"
                " JOIN sources s ON s.id = ds.source_id WHERE c.source_id = ? AND ds.source_id != ?"
                " ORDER BY s.name COLLATE NOCASE",
                (sid, sid),
            )
        ]
        cited_in = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT d.path FROM citations c JOIN documents d ON d.id = c.document_id"
                " WHERE c.source_id = ? ORDER BY d.path",
                (sid,),
            )
        ]
        # The chain: its own documents and those citing it, in publication order (who reported first).
        chain = reported_order(
            conn,
            (
                r[0]
                for r in conn.execute(
                    "SELECT document_id FROM document_sources WHERE source_id = ?"
                    " UNION SELECT document_id FROM citations WHERE source_id = ?",
                    (sid, sid),
                )
            ),
        )
        result.append(
            {
                "name": row[1],
                "kind": row[2],
                "documents": documents,
                "cites": cites,
                "cited_by": cited_by,
                "cited_in": cited_in,
                "first": first_reported(chain),
                "chain": chain,
            }
        )
    return result


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def independent_counts(conn: sqlite3.Connection, document_ids: Iterable[int]) -> JSON:
    """How many documents, distinct stories and distinct sources a set of documents amounts to.

    A document outside every duplicate cluster is a story of its own; a document without a known
    outlet counts as a source of its own. Ids are deduplicated; show the three side by side.
    """
    ids = sorted({int(i) for i in document_ids})
    clusters: dict[int, int] = {}
    outlets: dict[int, int] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        for doc_id, cluster_id in conn.execute(
            f"SELECT document_id, cluster_id FROM duplicate_members WHERE document_id IN ({marks})", chunk
        ):
            clusters[doc_id] = cluster_id
        for doc_id, source_id in conn.execute(
            f"SELECT document_id, source_id FROM document_sources WHERE document_id IN ({marks})", chunk
        ):
            outlets[doc_id] = source_id
    stories = len(set(clusters.values())) + sum(1 for i in ids if i not in clusters)
    sources_n = len(set(outlets.values())) + sum(1 for i in ids if i not in outlets)
    return {"documents": len(ids), "stories": stories, "sources": sources_n}
