"""Rebuild the near-duplicate and source tables (migration 002) from the stored documents.

Both rebuilds replace their tables' content wholesale, so they are idempotent and can run after
every ingest. Neither commits: call them inside ``with conn:`` like the rest of the repository.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass

from threadline.link.duplicates import DEFAULT_THRESHOLDS, Thresholds, clusters, find_pairs
from threadline.link.sources import PERSON_OR_OUTLET, document_sources, source_key

# Documents read per batch when extracting sources (bounds memory).
_BATCH = 200


@dataclass(frozen=True, slots=True)
class DuplicatesReport:
    pairs: int
    clusters: int
    documents_in_clusters: int
    seconds: float


@dataclass(frozen=True, slots=True)
class SourcesReport:
    documents_with_outlet: int
    sources: int
    citations: int
    seconds: float


def _bodies(conn: sqlite3.Connection) -> Iterator[tuple[int, str]]:
    """(id, text) of every document, streamed; emails without their rendered header block, whose
    From/To/Date lines would make every message of one correspondence look alike."""
    cursor = conn.execute(
        "SELECT id, CASE WHEN body_start > 0 THEN substr(text, body_start + 1) ELSE text END"
        " FROM documents ORDER BY id"
    )
    for row in cursor:
        yield int(row[0]), str(row[1])


def rebuild_duplicates(
    conn: sqlite3.Connection,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    temp_dir: str | os.PathLike[str] | None = None,
) -> DuplicatesReport:
    """Recompute near-duplicate pairs and clusters over all documents and store them.

    Texts are streamed from the database once; see ``threadline.link.duplicates`` for the method.
    """
    started = time.perf_counter()
    pairs = find_pairs(_bodies(conn), thresholds, temp_dir=temp_dir)
    groups = clusters(pairs)
    conn.execute("DELETE FROM duplicate_members")
    conn.execute("DELETE FROM duplicate_clusters")
    conn.execute("DELETE FROM duplicate_pairs")
    conn.executemany(
        "INSERT INTO duplicate_pairs(a, b, jaccard, containment, shared) VALUES (?, ?, ?, ?, ?)",
        [(p.a, p.b, round(p.jaccard, 4), round(p.containment, 4), p.shared) for p in pairs],
    )
    for number, group in enumerate(groups, start=1):
        conn.execute("INSERT INTO duplicate_clusters(id, size) VALUES (?, ?)", (number, len(group)))
        conn.executemany(
            "INSERT INTO duplicate_members(document_id, cluster_id) VALUES (?, ?)",
            [(doc_id, number) for doc_id in group],
        )
    return DuplicatesReport(
        pairs=len(pairs),
        clusters=len(groups),
        documents_in_clusters=sum(len(g) for g in groups),
        seconds=time.perf_counter() - started,
    )


class _SourceIds:
    """Source rows by comparison key ("Caspian Herald" and "caspianherald.kz" are one source)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.ids: dict[str, tuple[int, str, str]] = {}  # key -> (id, stored name, kind)

    def get(self, name: str, kind: str) -> int:
        key = source_key(name)
        found = self.ids.get(key)
        if found is not None:
            source_id, stored, stored_kind = found
            if _better_display(name, stored):
                self.conn.execute("UPDATE sources SET name = ? WHERE id = ?", (name, source_id))
                stored = name
            if stored_kind == PERSON_OR_OUTLET and kind != PERSON_OR_OUTLET:
                # A name first met in a citation ("according to Jane Doe") that later signs or
                # sends documents is known for what it is.
                self.conn.execute("UPDATE sources SET kind = ? WHERE id = ?", (kind, source_id))
                stored_kind = kind
            self.ids[key] = (source_id, stored, stored_kind)
            return source_id
        cur = self.conn.execute("INSERT INTO sources(name, kind) VALUES (?, ?)", (name, kind))
        source_id = int(cur.lastrowid or 0)
        self.ids[key] = (source_id, name, kind)
        return source_id


def _better_display(name: str, stored: str) -> bool:
    """Whether ``name`` should replace ``stored`` as the shown spelling of one source: the outlet's
    own spelling beats its web address, and a Russian name's shorter form beats a longer case form
    ("Интерфакс" over "Интерфакса", the genitive of "по данным Интерфакса")."""
    if _is_domain_like(stored) and not _is_domain_like(name):
        return True
    cyrillic = _CYRILLIC.search(name) and _CYRILLIC.search(stored)
    return bool(cyrillic) and len(name) < len(stored) and not _is_domain_like(name)


def _is_domain_like(name: str) -> bool:
    return " " not in name and "." in name


_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_OUTLET_KIND = {"email-from": "sender", "printed-from": "sender", "byline": "author", "author-meta": "author"}


def rebuild_sources(conn: sqlite3.Connection) -> SourcesReport:
    """Recompute every document's outlet and cited sources and store them."""
    started = time.perf_counter()
    conn.execute("DELETE FROM citations")
    conn.execute("DELETE FROM document_sources")
    conn.execute("DELETE FROM sources")
    ids = _SourceIds(conn)
    with_outlet = 0
    n_citations = 0
    last_id = 0
    while True:
        # Keyset pagination: each batch is a fresh, finished query, so writing between batches is safe.
        rows = conn.execute(
            "SELECT id, text, title, source, meta, format FROM documents WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, _BATCH),
        ).fetchall()
        if not rows:
            break
        last_id = int(rows[-1][0])
        for row in rows:
            doc_id = int(row[0])
            try:
                meta = json.loads(row[4] or "{}")
            except json.JSONDecodeError:
                meta = {}
            if not isinstance(meta, dict):
                meta = {}
            info = document_sources(
                row[1], row[2], row[3], {str(k): str(v) for k, v in meta.items()}, row[5] or "text"
            )
            if info.outlet:
                kind = _OUTLET_KIND.get(info.found_by or "", "outlet")
                conn.execute(
                    "INSERT INTO document_sources(document_id, source_id, found_by) VALUES (?, ?, ?)",
                    (doc_id, ids.get(info.outlet, kind), info.found_by),
                )
                with_outlet += 1
            conn.executemany(
                "INSERT OR IGNORE INTO citations(document_id, source_id, start, end, kind) VALUES (?, ?, ?, ?, ?)",
                [(doc_id, ids.get(c.name, c.kind), c.start, c.end, c.kind) for c in info.cites],
            )
            n_citations += len(info.cites)
    return SourcesReport(
        documents_with_outlet=with_outlet,
        sources=len(ids.ids),
        citations=n_citations,
        seconds=time.perf_counter() - started,
    )
