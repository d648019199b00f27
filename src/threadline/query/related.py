"""Related stories (a suggestion, never counted): the pairs ``threadline related`` stored."""

from __future__ import annotations

import sqlite3

from threadline.query.queries import JSON

_DOCUMENT = "SELECT id, path, title, date, language FROM documents WHERE id = ?"


def _document(conn: sqlite3.Connection, doc_id: int) -> JSON:
    row = conn.execute(_DOCUMENT, (doc_id,)).fetchone()
    return {"path": row["path"], "title": row["title"], "date": row["date"], "language": row["language"]}


def related_pairs(conn: sqlite3.Connection, *, limit: int | None = 50) -> list[JSON]:
    """Suggested related stories, closest first: ``[{a, b, score}]``, each side ``{path, title, date,
    language}``. Two documents of one near-duplicate cluster are never here (they are copies)."""
    sql = "SELECT a, b, score FROM related_pairs ORDER BY score DESC, a, b"
    args: list[int] = []
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    return [
        {"a": _document(conn, r["a"]), "b": _document(conn, r["b"]), "score": round(float(r["score"]), 3)}
        for r in conn.execute(sql, args).fetchall()
    ]


def related_to(conn: sqlite3.Connection, doc_id: int) -> list[JSON]:
    """The documents suggested as related to one document: ``[{id, path, title, date, language, score}]``."""
    rows = conn.execute(
        "SELECT b AS other, score FROM related_pairs WHERE a = ? UNION ALL"
        " SELECT a, score FROM related_pairs WHERE b = ? ORDER BY score DESC",
        (doc_id, doc_id),
    ).fetchall()
    return [
        {"id": r["other"], **_document(conn, r["other"]), "score": round(float(r["score"]), 3)} for r in rows
    ]
