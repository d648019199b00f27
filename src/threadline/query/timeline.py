"""Time: every document with its date, timelines of the corpus, an entity or a connection, and
the order in which the copies of a story were published. Dates are ISO 8601 prefixes of mixed
precision; date ranges (``dateranges.DateRange``) keep the dates whose span overlaps them.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from threadline.query.dateranges import ANY_TIME, DateRange
from threadline.query.queries import JSON, find_entity

_CHUNK = 500


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def undated_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM documents WHERE date IS NULL").fetchone()[0])


# --- documents ------------------------------------------------------------------------------------------

_DOCUMENT_COLUMNS = (
    "d.id, d.path, d.title, d.date, d.date_precision, d.date_source, d.language, d.pages, d.source AS meta_source,"
    " s.name AS outlet, m.cluster_id"
)
_DOCUMENT_JOINS = (
    " LEFT JOIN document_sources ds ON ds.document_id = d.id LEFT JOIN sources s ON s.id = ds.source_id"
    " LEFT JOIN duplicate_members m ON m.document_id = d.id"
)


def _document(row: sqlite3.Row) -> JSON:
    pages = row["pages"]
    return {
        "path": row["path"],
        "title": row["title"],
        "date": row["date"],
        "date_precision": row["date_precision"],
        "date_source": row["date_source"],
        "source": row["outlet"] or row["meta_source"],
        "language": row["language"],
        "pages": pages.count(",") + 1 if pages else None,
        "story": row["cluster_id"],
    }


def documents(
    conn: sqlite3.Connection, *, when: DateRange = ANY_TIME, limit: int | None = None
) -> list[JSON]:
    """Every document with its date, precision and where the date came from, its outlet, language,
    pages and story (near-duplicate cluster id, null when it is a story of its own); dated documents
    first, oldest first, then the undated by path. A range keeps only dated documents in it."""
    where, args = when.sql("d.date")
    sql = (
        f"SELECT {_DOCUMENT_COLUMNS} FROM documents d{_DOCUMENT_JOINS} WHERE {where}"
        " ORDER BY d.date IS NULL, d.date, d.path"
    )
    if limit:
        sql += " LIMIT ?"
        args = [*args, str(limit)]
    return [_document(r) for r in conn.execute(sql, args)]


# --- timelines ------------------------------------------------------------------------------------------


def _scope(conn: sqlite3.Connection, names: Sequence[str]) -> list[sqlite3.Row]:
    if len(names) > 2:
        raise ValueError("a timeline is of the corpus, one entity or two")
    return [find_entity(conn, name) for name in names]


def timeline(
    conn: sqlite3.Connection,
    names: Sequence[str] = (),
    *,
    when: DateRange = ANY_TIME,
    limit: int | None = None,
) -> JSON:
    """What happened when: the corpus's (no name), one entity's or a connection's (two names).

    ``events`` mixes two kinds, oldest first: ``document`` (a document in scope, at its own date;
    the sentence is where the date is printed, when it is) and ``event`` (a date written in a
    sentence in scope, anchored to its document: the sentence names the entity, or both). Each
    cites ``path``, ``page``, ``start`` and ``end`` of its sentence and lists the ``entities`` the
    sentence names. ``undated`` lists the documents in scope that have no date (never dropped) and
    counts the dates in sentences that nothing anchors. Raises NotFound or Ambiguous for a name."""
    rows = _scope(conn, names)
    ids = [int(r["id"]) for r in rows]
    docs_in_scope = _scope_documents(conn, ids)
    # Each kind is cut at ``limit`` in SQL (oldest first), so a corpus of 100,000 events reads only
    # the sentences it shows; the merge then keeps the oldest ``limit`` of both.
    documents, document_total = _document_events(conn, docs_in_scope, rows, when, limit)
    sentences, sentence_total = _sentence_events(conn, ids, when, limit)
    events = sorted(
        documents + sentences, key=lambda e: (e["date"], e["kind"] != "document", e["path"], e["start"] or 0)
    )
    if limit:
        events = events[:limit]
    undated = _undated(conn, docs_in_scope)
    undated_events = _undated_events(conn, ids)
    total = document_total + sentence_total
    return {
        "entities": [{"id": r["key"], "name": r["name"]} for r in rows],
        **when.json(),
        "total": total,
        "events": events,
        "undated": {"documents": undated, "events": undated_events},
    }


def _scope_documents(conn: sqlite3.Connection, ids: Sequence[int]) -> str:
    """A subquery of the document ids in scope: all, those naming one entity, those naming both."""
    if not ids:
        return "SELECT id FROM documents"
    parts = [f"SELECT document_id FROM mentions WHERE entity_id = {int(i)}" for i in ids]
    return " INTERSECT ".join(parts)


def _document_events(
    conn: sqlite3.Connection, scope: str, rows: Sequence[sqlite3.Row], when: DateRange, limit: int | None
) -> tuple[list[JSON], int]:
    where, args = when.sql("d.date")
    entities = [{"id": r["key"], "name": r["name"]} for r in rows]
    condition = f"d.id IN ({scope}) AND d.date IS NOT NULL AND {where}"
    total = int(conn.execute(f"SELECT COUNT(*) FROM documents d WHERE {condition}", args).fetchone()[0])
    found = []
    for r in conn.execute(
        "SELECT d.id, d.path, d.title, d.date, d.date_precision, d.date_source, d.date_start, d.date_end, d.pages,"
        " s.name AS outlet, d.source AS meta_source FROM documents d"
        " LEFT JOIN document_sources ds ON ds.document_id = d.id LEFT JOIN sources s ON s.id = ds.source_id"
        f" WHERE {condition} ORDER BY d.date, d.path LIMIT ?",
        [*args, limit or -1],
    ):
        sentence = start = end = page = None
        if r["date_start"] is not None:
            start, end, sentence = _printed_line(conn, int(r["id"]), r["date_start"], r["date_end"])
            page = _page(r["pages"], start)
        found.append(
            {
                "kind": "document",
                "date": r["date"],
                "precision": r["date_precision"],
                "sentence": sentence,
                "path": r["path"],
                "page": page,
                "start": start,
                "end": end,
                "entities": entities,
                "title": r["title"],
                "source": r["outlet"] or r["meta_source"],
                "date_source": r["date_source"],
            }
        )
    return found, total


def _printed_line(conn: sqlite3.Connection, doc_id: int, start: int, end: int) -> tuple[int, int, str]:
    """The line holding the printed date (a Sent line, a dateline's first sentence, cut at 300)."""
    lo = max(0, start - 300)
    window = conn.execute(
        "SELECT substr(text, ?, ?) FROM documents WHERE id = ?", (lo + 1, end - lo + 300, doc_id)
    )
    text = window.fetchone()[0] or ""
    line_start = text.rfind("\n", 0, start - lo) + 1
    line_end = text.find("\n", end - lo)
    line_end = len(text) if line_end < 0 else line_end
    return lo + line_start, lo + line_end, text[line_start:line_end]


def _page(pages: str | None, offset: int | None) -> int | None:
    if not pages or offset is None:
        return None
    return bisect_right(json.loads(pages), offset)


def _sentence_events(
    conn: sqlite3.Connection, ids: Sequence[int], when: DateRange, limit: int | None
) -> tuple[list[JSON], int]:
    where, args = when.sql("e.date")
    joins = ""
    for i, eid in enumerate(ids):
        joins += f" JOIN mentions m{i} ON m{i}.sentence_id = e.sentence_id AND m{i}.entity_id = {int(eid)}"
    matching = (
        f"SELECT DISTINCT e.id FROM event_dates e{joins} JOIN sentences s ON s.id = e.sentence_id"
        f" WHERE e.date IS NOT NULL AND s.copy_of IS NULL AND {where}"
    )
    total = int(conn.execute(f"SELECT COUNT(*) FROM ({matching})", args).fetchone()[0])
    rows = conn.execute(
        "SELECT e.id, e.document_id, e.sentence_id, e.start AS date_start, e.end AS date_end, e.surface,"
        " e.date, e.precision, e.tense, s.start, s.end, s.page, d.path, d.date AS document_date"
        " FROM event_dates e JOIN sentences s ON s.id = e.sentence_id JOIN documents d ON d.id = e.document_id"
        f" WHERE e.id IN ({matching}) ORDER BY e.date, d.path, s.start LIMIT ?",
        [*args, limit or -1],
    ).fetchall()
    texts = _sentence_texts(conn, rows)
    named = _sentence_entities(conn, [int(r["sentence_id"]) for r in rows])
    return [
        {
            "kind": "event",
            "date": r["date"],
            "precision": r["precision"],
            "sentence": texts[int(r["id"])],
            "path": r["path"],
            "page": r["page"],
            "start": r["start"],
            "end": r["end"],
            "entities": named.get(int(r["sentence_id"]), []),
            "date_text": r["surface"],
            "date_start": r["date_start"],
            "date_end": r["date_end"],
            "tense": r["tense"],
            "document_date": r["document_date"],
        }
        for r in rows
    ], total


def _sentence_texts(conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> dict[int, str]:
    """Event id -> its sentence, reading each document's text once."""
    by_document: dict[int, list[sqlite3.Row]] = {}
    for r in rows:
        by_document.setdefault(int(r["document_id"]), []).append(r)
    out: dict[int, str] = {}
    for doc_id, events in by_document.items():
        lo = min(int(r["start"]) for r in events)
        hi = max(int(r["end"]) for r in events)
        window = conn.execute(
            "SELECT substr(text, ?, ?) FROM documents WHERE id = ?", (lo + 1, hi - lo, doc_id)
        )
        text = window.fetchone()[0] or ""
        for r in events:
            out[int(r["id"])] = text[int(r["start"]) - lo : int(r["end"]) - lo]
    return out


def _sentence_entities(conn: sqlite3.Connection, sentence_ids: Sequence[int]) -> dict[int, list[JSON]]:
    named: dict[int, list[JSON]] = {}
    unique = sorted(set(sentence_ids))
    for part in _chunks(unique):
        for r in conn.execute(
            "SELECT DISTINCT m.sentence_id, e.key, e.name, e.type FROM mentions m JOIN entities e ON e.id = m.entity_id"
            f" WHERE m.sentence_id IN ({_marks(len(part))}) AND m.kind != 'header' ORDER BY m.sentence_id, m.start",
            list(part),
        ):
            entry = {"id": r["key"], "name": r["name"], "type": r["type"]}
            listed = named.setdefault(int(r["sentence_id"]), [])
            if entry not in listed:
                listed.append(entry)
    return named


def _undated(conn: sqlite3.Connection, scope: str) -> list[JSON]:
    return [
        {"path": r["path"], "title": r["title"]}
        for r in conn.execute(
            f"SELECT path, title FROM documents WHERE id IN ({scope}) AND date IS NULL ORDER BY path"
        )
    ]


def _undated_events(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    joins = "".join(
        f" JOIN mentions m{i} ON m{i}.sentence_id = e.sentence_id AND m{i}.entity_id = {int(eid)}"
        for i, eid in enumerate(ids)
    )
    return int(
        conn.execute(
            f"SELECT COUNT(DISTINCT e.id) FROM event_dates e{joins} WHERE e.date IS NULL"
        ).fetchone()[0]
    )


# --- histogram ------------------------------------------------------------------------------------------


def histogram(conn: sqlite3.Connection, names: Sequence[str] = ()) -> JSON:
    """Documents and sentence events per month (per year when the documents span more than 15
    years) in scope, for the web's brushable chart: ``{unit, bins: [{key, documents, events}],
    coarse, outside, undated}``. The bins cover the documents' dates (the events' when no document
    is dated); ``coarse`` counts documents dated less precisely than a bin, ``outside`` the events
    before or after the bins ("born in 1977" in a file of 2024 papers)."""
    rows = _scope(conn, names)
    ids = [int(r["id"]) for r in rows]
    scope = _scope_documents(conn, ids)
    dated = [
        str(r[0])
        for r in conn.execute(f"SELECT date FROM documents WHERE id IN ({scope}) AND date IS NOT NULL")
    ]
    joins = "".join(
        f" JOIN mentions m{i} ON m{i}.sentence_id = e.sentence_id AND m{i}.entity_id = {int(eid)}"
        for i, eid in enumerate(ids)
    )
    events = [
        str(r[1])
        for r in conn.execute(
            f"SELECT DISTINCT e.id, e.date FROM event_dates e{joins} JOIN sentences s ON s.id = e.sentence_id"
            " WHERE e.date IS NOT NULL AND s.copy_of IS NULL"
        )
    ]
    axis = dated or events
    years = [int(d[:4]) for d in axis]
    unit = "year" if years and max(years) - min(years) > 15 else "month"
    width = 4 if unit == "year" else 7
    keys = [d[:width] for d in axis if len(d) >= width] or [d[:4] for d in axis]
    lo, hi = (min(keys), max(keys)) if keys else ("", "")
    bins: dict[str, dict[str, Any]] = {}
    coarse = outside = 0
    for values, field in ((dated, "documents"), (events, "events")):
        for value in values:
            key = value[:width]
            if len(key) < width:
                coarse += field == "documents"
                continue
            if not lo <= key <= hi:
                outside += 1
                continue
            bins.setdefault(key, {"key": key, "documents": 0, "events": 0})[field] += 1
    undated = conn.execute(
        f"SELECT COUNT(*) FROM documents WHERE id IN ({scope}) AND date IS NULL"
    ).fetchone()[0]
    return {
        "unit": unit,
        "bins": _filled(sorted(bins.values(), key=lambda b: b["key"]), unit),
        "coarse": coarse,
        "outside": outside,
        "undated": int(undated),
    }


def _filled(bins: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """Empty bins between the first and last, so the chart's axis is time."""
    if not bins:
        return bins
    keys = {b["key"]: b for b in bins}
    first, last = bins[0]["key"], bins[-1]["key"]
    out = []
    year, month = int(first[:4]), int(first[5:7]) if unit == "month" else 1
    while True:
        key = f"{year:04d}" if unit == "year" else f"{year:04d}-{month:02d}"
        out.append(keys.get(key, {"key": key, "documents": 0, "events": 0}))
        if key >= last or len(out) > 2400:
            return out
        if unit == "year":
            year += 1
        else:
            month += 1
            if month == 13:
                year, month = year + 1, 1


def entity_in_range(conn: sqlite3.Connection, entity_id: int, when: DateRange) -> JSON:
    """An entity's mentions and documents dated in ``when`` (by row id): ``{mentions, paths,
    undated}``, where ``undated`` counts its documents a range cannot place."""
    dated, args = when.sql("d.date")
    paths = {
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT d.path FROM mentions m JOIN documents d ON d.id = m.document_id"
            f" WHERE m.entity_id = ? AND {dated}",
            (entity_id, *args),
        )
    }
    mentions = conn.execute(
        f"SELECT COUNT(*) FROM mentions m JOIN documents d ON d.id = m.document_id WHERE m.entity_id = ? AND {dated}",
        (entity_id, *args),
    ).fetchone()[0]
    undated = conn.execute(
        "SELECT COUNT(DISTINCT m.document_id) FROM mentions m JOIN documents d ON d.id = m.document_id"
        " WHERE m.entity_id = ? AND d.date IS NULL",
        (entity_id,),
    ).fetchone()[0]
    return {"mentions": int(mentions), "paths": paths, "undated": int(undated)}
