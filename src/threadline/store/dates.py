"""Corpus-level date work, after the documents are stored (migration 006).

- Documents stored before dates had a precision and a source get them, once, from their stored
  text (no NER needed: headers, datelines and file names are read again).
- A dateline printed without its year ("ASTANA, March 11.") takes the year from another copy of the
  same story (a near-duplicate with a date), when that puts it within 60 days; never from today.
- The event dates of a document whose date changed are anchored again.

Nothing here commits: call inside ``with conn:`` like the rest of the store.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from threadline.extract.dates import anchor
from threadline.ingest.dates import WrittenDate, date_interval, precision_of, year_near
from threadline.ingest.document_date import settle_date
from threadline.model import Document

SETTLED = "dates_settled"  # state key: stored documents have had their dates read again
STORY = "+story"


@dataclass(frozen=True, slots=True)
class DatesReport:
    settled: int  # documents stored before migration 006 whose date was read again
    story_years: int  # year-less datelines dated by another copy of their story
    reanchored: int  # documents whose event dates were anchored again


def refresh_dates(conn: sqlite3.Connection) -> DatesReport:
    """Settle old documents' dates (once), give year-less datelines their story's year, and anchor
    again the events of every document whose date changed."""
    changed: set[int] = set()
    settled = 0
    if conn.execute("SELECT value FROM state WHERE key = ?", (SETTLED,)).fetchone() is None:
        settled_ids = _settle_stored(conn)
        settled = len(settled_ids)
        changed |= settled_ids
        conn.execute("INSERT OR REPLACE INTO state(key, value) VALUES (?, '1')", (SETTLED,))
    story = _story_years(conn)
    changed |= story
    for doc_id in sorted(changed):
        reanchor_document(conn, doc_id)
    return DatesReport(settled, len(story), len(changed))


def _settle_stored(conn: sqlite3.Connection) -> set[int]:
    changed = set()
    rows = conn.execute(
        "SELECT id, path, sha256, title, date, format, body_start FROM documents WHERE date_source IS NULL"
    ).fetchall()
    for row in rows:
        text = conn.execute("SELECT text FROM documents WHERE id = ?", (row["id"],)).fetchone()[0]
        document = Document(
            row["path"],
            row["sha256"],
            text,
            row["title"],
            row["date"],
            format=row["format"],
            body_start=row["body_start"],
        )
        settle_date(document)
        span = document.date_span
        conn.execute(
            "UPDATE documents SET date = ?, date_precision = ?, date_source = ?, date_start = ?, date_end = ?,"
            " date_partial = ? WHERE id = ?",
            (
                document.date,
                document.date_precision,
                document.date_source,
                span.start if span else None,
                span.end if span else None,
                document.date_partial,
                row["id"],
            ),
        )
        if document.date != row["date"]:
            changed.add(int(row["id"]))
    return changed


def _story_years(conn: sqlite3.Connection) -> set[int]:
    """Year-less dates taken from the nearest dated copy in the same near-duplicate cluster."""
    changed = set()
    rows = conn.execute(
        "SELECT d.id, d.date, d.date_source, d.date_partial, d.body_start, m.cluster_id FROM documents d"
        " LEFT JOIN duplicate_members m ON m.document_id = d.id"
        " WHERE d.date_partial IS NOT NULL AND (d.date IS NULL OR d.date_source LIKE ?)",
        ("%" + STORY,),
    ).fetchall()
    for row in rows:
        partial = str(row["date_partial"])
        written = WrittenDate(None, int(partial[2:4]), int(partial[5:7]) if len(partial) > 4 else None, 0, 0)
        best: tuple[int, str] | None = None
        if row["cluster_id"] is not None:
            for mate in conn.execute(
                "SELECT d.date FROM duplicate_members m JOIN documents d ON d.id = m.document_id"
                " WHERE m.cluster_id = ? AND d.id != ? AND d.date IS NOT NULL AND d.date_source NOT LIKE ?"
                " AND d.date_precision IN ('day', 'month')",
                (row["cluster_id"], row["id"], "%" + STORY),
            ):
                year = year_near(written, mate[0])
                if year is None:
                    continue
                iso = f"{year:04d}-{partial[2:]}"
                gap = abs((date_interval(iso)[0] - date_interval(mate[0])[0]).days)
                if best is None or gap < best[0]:
                    best = (gap, iso)
        source = ("printed-header" if row["body_start"] else "dateline") + STORY
        new = (best[1], precision_of(best[1]), source) if best else (None, None, None)
        if new[0] != row["date"]:
            conn.execute(
                "UPDATE documents SET date = ?, date_precision = ?, date_source = ? WHERE id = ?",
                (*new, row["id"]),
            )
            changed.add(int(row["id"]))
    return changed


def reanchor_document(conn: sqlite3.Connection, doc_id: int) -> None:
    """Anchor the stored event dates of one document again to its current date."""
    row = conn.execute("SELECT date FROM documents WHERE id = ?", (doc_id,)).fetchone()
    document_date = row[0] if row else None
    updates = []
    for event in conn.execute("SELECT id, spec, tense FROM event_dates WHERE document_id = ?", (doc_id,)):
        anchored = anchor(event["spec"], event["tense"], document_date)
        updates.append((anchored[0] if anchored else None, anchored[1] if anchored else None, event["id"]))
    conn.executemany("UPDATE event_dates SET date = ?, precision = ? WHERE id = ?", updates)
