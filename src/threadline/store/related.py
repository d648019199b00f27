"""Related-story suggestions (migration 006): vectors of documents' openings and the close pairs.

``rebuild_related`` reads only the documents without a vector of the current model (so a second
run over a grown folder embeds the new documents alone), then recomputes the pairs. The tables are
a suggestion beside the counts: no count reads them. Nothing here commits: call inside ``with conn:``.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from threadline.link.related import MIN_WORDS, MODEL, Encoder, close_pairs, opening

DEFAULT_MIN_SCORE = 0.65
_BATCH = 64  # documents read and embedded at a time


@dataclass(frozen=True, slots=True)
class RelatedReport:
    embedded: int  # documents read by the encoder in this run
    pairs: int
    seconds: float


def rebuild_related(
    conn: sqlite3.Connection, *, min_score: float = DEFAULT_MIN_SCORE, encoder: Encoder | None = None
) -> RelatedReport:
    """Embed the documents that have no vector yet, then store every suggested pair anew."""
    started = time.perf_counter()
    encoder = encoder or Encoder(threads=1)
    missing = [
        r[0]
        for r in conn.execute(
            "SELECT d.id FROM documents d LEFT JOIN document_vectors v ON v.document_id = d.id AND v.model = ?"
            " WHERE v.document_id IS NULL ORDER BY d.id",
            (MODEL,),
        )
    ]
    for start in range(0, len(missing), _BATCH):
        batch = missing[start : start + _BATCH]
        marks = ",".join("?" * len(batch))
        rows = conn.execute(
            f"SELECT id, title, body_start, substr(text, 1, body_start + 20000) FROM documents WHERE id IN ({marks})"
            " ORDER BY id",
            batch,
        ).fetchall()
        pieces = [opening(r[1], _own_words(conn, r[0], r[3] or "", r[2])) for r in rows]
        vectors = encoder.vectors(pieces)
        conn.executemany(
            "INSERT OR REPLACE INTO document_vectors(document_id, model, vector) VALUES (?, ?, ?)",
            [
                (r[0], MODEL, vectors[i].astype(np.float32).tobytes() if pieces[i] else b"")
                for i, r in enumerate(rows)
            ],
        )
    ids: list[int] = []
    stored: list[np.ndarray] = []
    for doc_id, blob in conn.execute(
        "SELECT document_id, vector FROM document_vectors WHERE model = ? AND length(vector) > 0"
        " ORDER BY document_id",
        (MODEL,),
    ):
        ids.append(int(doc_id))
        stored.append(np.frombuffer(blob, dtype=np.float32))
    clusters = {
        int(r[0]): int(r[1]) for r in conn.execute("SELECT document_id, cluster_id FROM duplicate_members")
    }
    pairs = close_pairs(ids, np.vstack(stored), min_score=min_score, apart=clusters) if stored else []
    conn.execute("DELETE FROM related_pairs")
    conn.executemany("INSERT INTO related_pairs(a, b, score) VALUES (?, ?, ?)", pairs)
    return RelatedReport(len(missing), len(pairs), time.perf_counter() - started)


def _own_words(conn: sqlite3.Connection, doc_id: int, text: str, body_start: int) -> str:
    """The body without the sentences other stories repeat word for word (a mail disclaimer, a
    newsletter's footer): two messages that share only those are not one story. The sentences its
    own copies repeat are the story itself and stay; so does the whole body when too little is left."""
    cluster = conn.execute(
        "SELECT cluster_id FROM duplicate_members WHERE document_id = ?", (doc_id,)
    ).fetchone()
    chars = list(text)
    for start, end in conn.execute(
        "SELECT s.start, s.end FROM sentences s WHERE s.document_id = ? AND s.key != 0 AND s.start < ?"
        " AND EXISTS (SELECT 1 FROM sentences o LEFT JOIN duplicate_members om ON om.document_id = o.document_id"
        "  WHERE o.key = s.key AND o.document_id != s.document_id AND (? IS NULL OR om.cluster_id IS NOT ?))",
        (doc_id, len(text), *([cluster[0]] * 2 if cluster else [None, None])),
    ):
        chars[start:end] = "\n" * (min(end, len(text)) - start)
    own = "".join(chars)[body_start:]
    return own if len(own.split()) >= MIN_WORDS else text[body_start:]
